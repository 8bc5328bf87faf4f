"""Whatever arrives, parsers answer with well-formed alerts, InvalidInput or NotAuthenticated: never a 500."""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hikeshi.alerts.normalizers import parse_webhook, validate_generic_config
from hikeshi.alerts.normalizers.pagerduty import (
    PagerDutyInvalid,
    parse_change_event,
    parse_event,
    validate_event,
)
from hikeshi.core.errors import InvalidInput, NotAuthenticated
from tests.unit.alerts.normalizers.support import NOW, assert_well_formed, sample

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

GENERIC_CONFIG = {
    "summary": ["alert.title", "[0].title"],
    "severity": "alert.level",
    "status": "state",
    "dedup_key": "alert.id",
    "link": "url",
    "labels": "alert.tags",
    "occurred_at": "checked_at",
    "severity_map": {"P1": "critical"},
}
# (kind, headers, config, sample): every parser, Sentry under each resource it reads.
CASES = [
    ("pagerduty", {}, {}, "pagerduty"),
    ("alertmanager", {}, {}, "alertmanager"),
    ("grafana", {}, {}, "grafana"),
    ("mackerel", {}, {}, "mackerel"),
    ("sentry", {"sentry-hook-resource": "event_alert"}, {}, "sentry_event_alert"),
    ("sentry", {"sentry-hook-resource": "issue"}, {}, "sentry_issue"),
    ("sentry", {"sentry-hook-resource": "metric_alert"}, {}, "sentry_metric_alert"),
    ("sentry", {}, {}, "sentry_issue"),
    ("datadog", {}, {}, "datadog_variables"),
    ("datadog", {}, {}, "datadog_default"),
    ("newrelic", {}, {}, "newrelic"),
    ("generic", {}, GENERIC_CONFIG, "generic"),
    ("generic", {}, {}, "generic"),
]
IDS = [f"{kind}-{name}" for kind, _, _, name in CASES]
# Bytes rarely get past JSON decoding: one case per kind. Arbitrary JSON: once per (kind, headers, config).
BYTES_CASES = list({kind: (kind, headers, config) for kind, headers, config, _ in reversed(CASES)}.values())
JSON_CASES = [
    case for position, case in enumerate(CASES) if case[:3] not in [seen[:3] for seen in CASES[:position]]
]
JSON_IDS = [f"{kind}-{name}" for kind, _, _, name in JSON_CASES]

# Values that reach the interesting branches: times, statuses, severities, links, extremes.
SPECIAL = st.sampled_from(
    [
        "",
        " ",
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+09:00",
        "9999-12-31T23:59:59-09:00",
        "2024-05-01T09:30:00Z",
        "1714555800000",
        "99999999999999999999999",
        "resolved",
        "firing",
        "ok",
        "critical",
        "Recovered",
        "[P1] [Recovered on {host:a}] x",
        "CLOSED",
        "https://example.com/x",
        "javascript:alert(1)",
        "a..b",
        "\x00",
        "\ud800",
        "x" * 2000,
        10**30,
        -(10**30),
        1e308,
        -1,
        0,
        True,
    ]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | SPECIAL
)
# Field names the parsers read, so generated objects reach past the first check.
# fmt: off
KNOWN_KEYS = st.sampled_from([
    "alerts", "labels", "annotations", "status", "fingerprint", "startsAt", "endsAt", "generatorURL",
    "externalURL", "groupKey", "truncatedAlerts", "severity", "alertname", "event", "alert", "host",
    "service", "roles", "isOpen", "id", "openedAt", "createdAt", "data", "action", "issue", "metric_alert",
    "tags", "title", "level", "state", "priority", "payload", "routing_key", "event_action", "dedup_key",
    "summary", "source", "links", "images", "href", "src", "values", "ALERT_TRANSITION", "TAGS", "url",
    "alertPolicyNames",
])
# fmt: on
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(KNOWN_KEYS | st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=25,
)


def _locations(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _locations(item, (*path, key))
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from _locations(item, (*path, position))


@st.composite
def mutated(draw: st.DrawFn, name: str) -> Any:
    """A valid sample with one to four fields dropped or replaced by anything."""
    document = copy.deepcopy(sample(name))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        locations = list(_locations(document))[1:]
        if not locations:
            break
        *parents, key = draw(st.sampled_from(locations))
        parent = document
        for step in parents:
            parent = parent[step]
        if draw(st.booleans()):
            del parent[key]
        else:
            parent[key] = draw(JSON)
    return document


def _encode(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8", "surrogatepass")


def _parse_safely(kind: str, raw: bytes, headers: dict[str, str], config: dict[str, Any]) -> None:
    try:
        alerts = parse_webhook(kind, raw, headers=headers, config=config, now=NOW)
    except (InvalidInput, NotAuthenticated):
        return
    assert_well_formed(alerts)


@pytest.mark.parametrize(("kind", "headers", "config"), BYTES_CASES, ids=[case[0] for case in BYTES_CASES])
@FAST
@given(raw=st.binary(max_size=300))
def test_arbitrary_bytes(kind: str, headers: dict[str, str], config: dict[str, Any], raw: bytes) -> None:
    _parse_safely(kind, raw, headers, config)


@pytest.mark.parametrize(("kind", "headers", "config", "name"), JSON_CASES, ids=JSON_IDS)
@FAST
@given(document=JSON)
def test_arbitrary_json(
    kind: str, headers: dict[str, str], config: dict[str, Any], name: str, document: Any
) -> None:
    _parse_safely(kind, _encode(document), headers, config)


@pytest.mark.parametrize(("kind", "headers", "config", "name"), CASES, ids=IDS)
@FAST
@given(data=st.data())
def test_mutated_samples(
    kind: str, headers: dict[str, str], config: dict[str, Any], name: str, data: st.DataObject
) -> None:
    _parse_safely(kind, _encode(data.draw(mutated(name))), headers, config)


@FAST
@given(
    headers=st.dictionaries(
        st.sampled_from(["sentry-hook-resource", "sentry-hook-signature"]) | st.text(max_size=5),
        st.text(max_size=80),
    )
)
def test_sentry_with_a_secret_and_any_headers(headers: dict[str, str]) -> None:
    raw = _encode(sample("sentry_event_alert"))
    with pytest.raises(NotAuthenticated):
        parse_webhook("sentry", raw, headers=headers, config={"client_secret": "s"}, now=NOW)


@FAST
@given(
    config=JSON
    | st.dictionaries(
        st.sampled_from(["summary", "severity", "severity_map", "resolved_values", "default_severity"]), JSON
    )
)
def test_generic_config_validation_raises_only_invalid_input(config: Any) -> None:
    try:
        validated = validate_generic_config(config)
    except InvalidInput:
        return
    assert validate_generic_config(validated) == validated
    _parse_safely("generic", _encode(sample("generic")), {}, validated)


@FAST
@given(document=JSON | mutated("pagerduty"), require_routing_key=st.booleans())
def test_pagerduty_validation_raises_only_its_error_list(document: Any, require_routing_key: bool) -> None:
    try:
        event = validate_event(document, require_routing_key=require_routing_key)
    except PagerDutyInvalid as error:
        errors = error.errors
        body = error.response_body()
    else:
        assert_well_formed([event.to_normalized(NOW)])
        return
    assert errors
    assert all(isinstance(text, str) for text in errors)
    assert json.loads(json.dumps(body))["errors"] == errors


@FAST
@given(raw=st.binary(max_size=200) | JSON.map(_encode))
def test_pagerduty_raw_bodies_raise_only_its_error_list(raw: bytes) -> None:
    for parse in (parse_event, parse_change_event):
        with contextlib.suppress(PagerDutyInvalid):
            parse(raw)
