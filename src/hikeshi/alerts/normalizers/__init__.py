"""Parsers that turn each monitoring tool's request into normalized alerts: pure functions, no I/O.

    parse_webhook(kind, body, headers=..., config=..., now=...) -> list[NormalizedAlert]
    validate_config(kind, config) -> dict     an integration's settings, checked when it is created

Every failure is `InvalidInput` (400, naming the JSON path) or `NotAuthenticated` (a Sentry signature);
nothing else escapes, whatever the bytes. An empty list means "accepted, nothing to do" (a Sentry
installation, a Mackerel test). Each alert is held to the limits in `values.build_alert`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from hikeshi.alerts.normalized import NormalizedAlert
from hikeshi.alerts.normalizers import (
    alertmanager,
    datadog,
    generic,
    grafana,
    mackerel,
    newrelic,
    pagerduty,
    sentry,
)
from hikeshi.alerts.normalizers.generic import validate_generic_config
from hikeshi.alerts.normalizers.values import aware_utc
from hikeshi.core.errors import InvalidInput

__all__ = ["KINDS", "PARSERS", "Parser", "parse_webhook", "validate_config", "validate_generic_config"]

KINDS = ("pagerduty", "alertmanager", "grafana", "mackerel", "sentry", "datadog", "newrelic", "generic")


class Parser(Protocol):
    def __call__(
        self, body: bytes, *, headers: Mapping[str, str], config: Mapping[str, Any], now: datetime
    ) -> list[NormalizedAlert]: ...


PARSERS: Mapping[str, Parser] = {
    "pagerduty": pagerduty.parse,
    "alertmanager": alertmanager.parse,
    "grafana": grafana.parse,
    "mackerel": mackerel.parse,
    "sentry": sentry.parse,
    "datadog": datadog.parse,
    "newrelic": newrelic.parse,
    "generic": generic.parse,
}


def parse_webhook(
    kind: str, body: bytes, *, headers: Mapping[str, str], config: Mapping[str, Any], now: datetime
) -> list[NormalizedAlert]:
    """The alerts in one `POST /hooks/{key}` body for an integration of `kind`."""
    parser = _parser(kind)
    if not isinstance(config, Mapping):
        raise InvalidInput("{field}: expected an object", field="config")
    lower_headers = {name.lower(): value for name, value in headers.items()}
    return parser(bytes(body), headers=lower_headers, config=config, now=aware_utc(now))


def validate_config(kind: str, config: Any) -> dict[str, Any]:
    """An integration's settings in their stored form; InvalidInput names the bad key."""
    _parser(kind)
    if not isinstance(config, Mapping):
        raise InvalidInput("{field}: expected an object", field="config")
    if kind == "generic":
        return validate_generic_config(config)
    secret = config.get("client_secret")
    if kind == "sentry" and secret is not None and not isinstance(secret, str):
        raise InvalidInput("{field}: expected a string", field="client_secret")
    return dict(config)


def _parser(kind: str) -> Parser:
    parser = PARSERS.get(kind)
    if parser is None:
        raise InvalidInput(
            "{field}: '{value}' is not one of {kinds}", field="kind", value=kind, kinds=", ".join(KINDS)
        )
    return parser
