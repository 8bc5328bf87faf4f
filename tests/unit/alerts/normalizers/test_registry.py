from __future__ import annotations

from datetime import datetime

import pytest

from hikeshi.alerts.normalized import Action
from hikeshi.alerts.normalizers import KINDS, PARSERS, parse_webhook, validate_config
from hikeshi.core.errors import InvalidInput
from hikeshi.core.i18n import translations
from tests.unit.alerts.normalizers.support import NOW, body, sample


def test_every_kind_has_a_parser() -> None:
    assert set(KINDS) == set(PARSERS)


def test_an_unknown_kind_is_refused_by_name() -> None:
    with pytest.raises(
        InvalidInput, match=r"^kind: 'nagios' is not one of pagerduty, alertmanager, .*, generic$"
    ):
        parse_webhook("nagios", b"{}", headers={}, config={}, now=NOW)


def test_header_names_are_matched_in_any_case() -> None:
    headers = {"Sentry-Hook-Resource": "metric_alert"}
    (alert,) = parse_webhook(
        "sentry", body(sample("sentry_metric_alert")), headers=headers, config={}, now=NOW
    )
    assert alert.dedup_key == "metric_alert:5"


def test_a_naive_now_is_taken_as_utc() -> None:
    document = sample("alertmanager")
    document["alerts"][0]["startsAt"] = "2030-01-01T00:00:00Z"
    naive = datetime(2024, 6, 1, 12, 0)  # noqa: DTZ001 - a caller's mistake that must not crash
    (alert, _) = parse_webhook("alertmanager", body(document), headers={}, config={}, now=naive)
    assert alert.occurred_at == NOW
    assert alert.action is Action.TRIGGER


def test_config_must_be_an_object() -> None:
    with pytest.raises(InvalidInput, match=r"^config: expected an object$"):
        parse_webhook("datadog", b"{}", headers={}, config=["x"], now=NOW)  # type: ignore[arg-type]


def test_validate_config_checks_each_kinds_settings() -> None:
    assert validate_config("generic", {"summary": "a.b"}) == {"summary": ["a.b"]}
    assert validate_config("sentry", {"client_secret": "s3cret"}) == {"client_secret": "s3cret"}
    assert validate_config("alertmanager", {}) == {}
    with pytest.raises(InvalidInput, match=r"^client_secret: expected a string$"):
        validate_config("sentry", {"client_secret": 12})
    with pytest.raises(InvalidInput, match=r"^config: expected an object$"):
        validate_config("mackerel", "x")
    with pytest.raises(InvalidInput, match=r"^kind: "):
        validate_config("zabbix", {})
    with pytest.raises(InvalidInput, match=r"^sumary: not a setting"):
        validate_config("generic", {"sumary": "title"})


def test_errors_read_in_japanese_with_the_json_path_kept() -> None:
    japanese = translations("ja")
    with pytest.raises(InvalidInput) as caught:
        parse_webhook("alertmanager", b'{"alerts": [{"labels": []}]}', headers={}, config={}, now=NOW)
    assert caught.value.render(japanese.gettext) == "alerts[0].labels: オブジェクトを指定してください"
    with pytest.raises(InvalidInput) as caught:
        parse_webhook("datadog", b'{"a": }', headers={}, config={}, now=NOW)
    assert caught.value.render(japanese.gettext) == "body: 正しい JSON ではありません（1 行 7 列）"
