"""What every parser shares: severity words, timestamps, safe links, and the limits of a normalized alert."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from hikeshi.alerts.normalized import Action, Link, NormalizedAlert, Severity

MAX_SUMMARY = 1024  # PagerDuty's limit, which every source is held to
MAX_DEDUP_KEY = 255
MAX_NAME = 255  # source, name, product
MAX_URL = 2048

# Words monitoring tools use for severity, priority or level, lower-case.
_SEVERITY_WORDS: dict[str, Severity] = {
    **dict.fromkeys(
        ("critical", "crit", "fatal", "emergency", "emerg", "alert", "page", "disaster", "p1", "sev1"),
        Severity.CRITICAL,
    ),
    **dict.fromkeys(("error", "err", "high", "major", "p2", "sev2"), Severity.ERROR),
    **dict.fromkeys(("warning", "warn", "medium", "minor", "average", "p3", "sev3"), Severity.WARNING),
    **dict.fromkeys(
        (
            "info",
            "information",
            "informational",
            "notice",
            "low",
            "debug",
            "none",
            "ok",
            "p4",
            "p5",
            "sev4",
            "sev5",
        ),
        Severity.INFO,
    ),
}
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def severity_from(word: str, default: Severity) -> Severity:
    """The severity a word names (`P1`, `warn`, `fatal`...), or `default` for a word nobody knows."""
    return _SEVERITY_WORDS.get(word.strip().lower(), default)


def parse_time(value: Any) -> datetime | None:
    """An aware UTC time from RFC 3339 text or an epoch number; None when absent, zero or unreadable."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return from_epoch(value)
    if not isinstance(value, str):
        return None
    stripped = value.strip()
    if _NUMBER.fullmatch(stripped):
        return from_epoch(float(stripped))
    try:
        return from_iso(stripped)
    except ValueError:
        return None


def from_iso(text: str) -> datetime | None:
    """RFC 3339 / ISO 8601 text as aware UTC; None for Go's zero time. Raises ValueError when unreadable."""
    if len(text) > 64:
        raise ValueError(text[:64])
    moment = datetime.fromisoformat(text)
    if moment.year <= 1:  # Go's zero time `0001-01-01T00:00:00Z` means "not set"
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(text) from None


def from_epoch(number: float) -> datetime | None:
    """Epoch seconds, milliseconds, microseconds or nanoseconds, told apart by magnitude.

    1e11 seconds is the year 5138 and 1e11 milliseconds is 1973, so no real time is ambiguous.
    """
    if not math.isfinite(number) or number <= 0:
        return None
    for threshold, divisor in ((1e17, 1e9), (1e14, 1e6), (1e11, 1e3)):
        if number >= threshold:
            number /= divisor
            break
    try:
        return datetime.fromtimestamp(number, UTC)
    except (OverflowError, ValueError, OSError):
        return None


def make_link(href: Any, text: str = "") -> Link | None:
    """A link a browser can follow safely: http or https only (never `javascript:`), or None."""
    if not isinstance(href, str):
        return None
    href = href.strip()
    if len(href) > MAX_URL or not href.lower().startswith(("http://", "https://")):
        return None
    return Link(href=href, text=clip(text, MAX_NAME))


def unique_links(links: Iterable[Link | None]) -> tuple[Link, ...]:
    seen: dict[str, Link] = {}
    for link in links:
        if link is not None and link.href not in seen:
            seen[link.href] = link
    return tuple(seen.values())


def clip(text: str, limit: int) -> str:
    """Stripped, and cut to `limit` characters with an ellipsis when longer."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def bounded_key(key: str | None) -> str | None:
    """A dedup or group key within 255 characters: longer keys become their SHA-256, which stays stable."""
    if not key:
        return None
    if len(key) <= MAX_DEDUP_KEY:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def first_text(*candidates: str | None) -> str:
    for candidate in candidates:
        if candidate and candidate.strip():
            return candidate.strip()
    return ""


def build_alert(
    *,
    action: Action,
    summary: str,
    severity: Severity,
    dedup_key: str | None,
    now: datetime,
    source: str = "",
    name: str = "",
    occurred_at: datetime | None = None,
    labels: Mapping[str, str] | None = None,
    links: Iterable[Link | None] = (),
    details: Mapping[str, Any] | None = None,
    product: str | None = None,
    group_hint: str | None = None,
) -> NormalizedAlert:
    """A normalized alert held to the limits every consumer may rely on.

    The summary is cut to 1024 characters, source, name and product to 255, long keys hashed, and a
    time in the future (a sender's clock running ahead) is brought back to `now`.
    """
    labels = dict(labels or {})
    product = first_text(product, labels.get("product"))
    return NormalizedAlert(
        action=action,
        summary=clip(summary, MAX_SUMMARY),
        severity=severity,
        dedup_key=bounded_key(dedup_key),
        source=clip(source, MAX_NAME),
        name=clip(name, MAX_NAME),
        occurred_at=None if occurred_at is None else min(occurred_at, now),
        labels=labels,
        links=unique_links(links),
        details=dict(details or {}),
        product=clip(product, MAX_NAME) or None,
        group_hint=bounded_key(group_hint),
    )


def aware_utc(now: datetime) -> datetime:
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
