"""The internal announcement (FLOW.md §3): what an incident's facts say to the whole company, ja or en.

Pure: `Facts` in; text, Slack blocks, an email and the words for what changed out. Facts hold message
ids (status, severity meaning) rather than translated words, so the same stored facts read in either
language, and two versions of them give the thread reply that names what changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from html import escape
from typing import Any

from hikeshi.core.clock import ensure_utc
from hikeshi.core.i18n import Language, translations
from hikeshi.core.timezones import to_zone

RESOLVED = "resolved"
HEADER_LIMIT = 150  # Slack's header block


@dataclass(frozen=True, slots=True)
class ProductName:
    ja: str
    en: str

    def name(self, language: str) -> str:
        return self.en if language == "en" else self.ja


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything the announcement states; names are already resolved, times are UTC."""

    number: int
    title: str
    status: str
    status_label: str  # a message id, translated when rendered
    severity_label: str  # e.g. "SEV1"
    severity_meaning: str  # a message id
    started_at: datetime | None
    resolved_at: datetime | None
    stores_japan: int
    stores_overseas: int
    web_booking_affected: bool
    affected: tuple[ProductName, ...]
    unaffected: tuple[ProductName, ...]
    link: str
    hotfix_deployer: str | None = None
    hotfix_at: datetime | None = None
    commander: str | None = None
    comms_lead: str | None = None
    extra: dict[str, str] = field(default_factory=dict)  # room for later facts without a migration

    @property
    def resolved(self) -> bool:
        return self.status == RESOLVED

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("started_at", "resolved_at", "hotfix_at"):
            moment = getattr(self, name)
            data[name] = ensure_utc(moment).isoformat() if moment is not None else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Facts:
        """Facts as stored by `to_json`; keys this version does not know are left out."""
        values: dict[str, Any] = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        for name in ("started_at", "resolved_at", "hotfix_at"):
            values[name] = datetime.fromisoformat(data[name]) if data.get(name) else None
        for name in ("affected", "unaffected"):
            values[name] = tuple(ProductName(ja=str(p["ja"]), en=str(p["en"])) for p in data.get(name, ()))
        return cls(**values)

    def digest(self) -> str:
        """Equal for facts that read the same: an unchanged incident is not announced again."""
        encoded = json.dumps(self.to_json(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(encoded.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Announcement:
    """The rendered announcement: a headline and labelled lines, in one language."""

    headline: str
    lines: tuple[tuple[str, str], ...]
    link_label: str
    link: str
    resolved: bool

    @property
    def text(self) -> str:
        body = [f"{label}: {value}" for label, value in self.lines]
        return "\n".join([self.headline, *body, f"{self.link_label}: {self.link}"])


def _speaker(language: str) -> Callable[[str], str]:
    chosen: Language = "en" if language == "en" else "ja"
    return translations(chosen).gettext


def format_moment(moment: datetime, timezone: str) -> str:
    """`2026-11-28 19:05 (JST)`: the company's zone, named, so nobody converts in their head."""
    local = to_zone(moment, timezone)
    return f"{local:%Y-%m-%d %H:%M} ({local.tzname()})"


def headline(facts: Facts, language: str) -> str:
    _ = _speaker(language)
    if facts.resolved:
        return _("[Recovered] #{number} {title}").format(number=facts.number, title=facts.title)
    return _("[Incident] #{number} {title}").format(number=facts.number, title=facts.title)


def render(facts: Facts, *, language: str, timezone: str) -> Announcement:
    _ = _speaker(language)
    lines = (
        (_("Status"), _(facts.status_label)),
        (_("Severity"), severity_text(facts, language)),
        (_("Since"), since_text(facts, language=language, timezone=timezone)),
        (_("Impact"), impact_text(facts, language)),
        (_("Affected products"), product_list(facts.affected, language)),
        (_("Not affected"), product_list(facts.unaffected, language)),
        (_("Recovery plan"), recovery_plan_text(facts, language=language, timezone=timezone)),
        (_("Commander"), facts.commander or _("not assigned yet")),
        (_("Comms lead"), facts.comms_lead or _("not assigned yet")),
    )
    return Announcement(
        headline=headline(facts, language),
        lines=lines,
        link_label=_("Incident page"),
        link=facts.link,
        resolved=facts.resolved,
    )


def severity_text(facts: Facts, language: str) -> str:
    _ = _speaker(language)
    if not facts.severity_meaning:
        return facts.severity_label
    return _("{severity} ({meaning})").format(
        severity=facts.severity_label, meaning=_(facts.severity_meaning)
    )


def since_text(facts: Facts, *, language: str, timezone: str) -> str:
    _ = _speaker(language)
    started = format_moment(facts.started_at, timezone) if facts.started_at else _("unknown")
    if facts.resolved_at is not None:
        ended = format_moment(facts.resolved_at, timezone)
        return _("{started}, resolved at {resolved}").format(started=started, resolved=ended)
    return _("{started}, ongoing").format(started=started)


def impact_text(facts: Facts, language: str) -> str:
    _ = _speaker(language)
    total = facts.stores_japan + facts.stores_overseas
    stores = _("{total} stores (Japan {japan}, overseas {overseas})").format(
        total=f"{total:,}", japan=f"{facts.stores_japan:,}", overseas=f"{facts.stores_overseas:,}"
    )
    diners = _("affected") if facts.web_booking_affected else _("not affected")
    return _("{stores}; web-booking diners: {diners}").format(stores=stores, diners=diners)


def product_list(products: tuple[ProductName, ...], language: str) -> str:
    _ = _speaker(language)
    if not products:
        return _("none")
    return _(", ").join(product.name(language) for product in products)


def recovery_plan_text(facts: Facts, *, language: str, timezone: str) -> str:
    _ = _speaker(language)
    at = format_moment(facts.hotfix_at, timezone) if facts.hotfix_at else None
    if facts.hotfix_deployer and at:
        text = _("{person} deploys the hotfix to production at {time}")
        return text.format(person=facts.hotfix_deployer, time=at)
    if facts.hotfix_deployer:
        text = _("{person} deploys the hotfix to production (time not decided yet)")
        return text.format(person=facts.hotfix_deployer)
    if at:
        return _("hotfix to production at {time} (who deploys: not decided yet)").format(time=at)
    return _("not decided yet")


def chat_message(facts: Facts, *, language: str, timezone: str) -> tuple[str, list[dict[str, Any]]]:
    """Fallback text (what notifications show) and Slack blocks for the channel post."""
    shown = render(facts, language=language, timezone=timezone)
    _ = _speaker(language)
    icon = ":white_check_mark:" if facts.resolved else ":fire:"
    opening = _("Open incident #{number}").format(number=facts.number)
    details = "\n".join(f"*{_mrkdwn(label)}:* {_mrkdwn(value)}" for label, value in shown.lines)
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": f"{icon} {shown.headline}"[:HEADER_LIMIT], "emoji": True},
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": details[:3000]}},
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": f"<{shown.link}|{_mrkdwn(opening)}>"},
            ],
        },
    ]
    return shown.text, blocks


def change_lines(before: Facts, after: Facts, *, language: str, timezone: str) -> list[str]:
    """What changed between two announced versions, in words: `Status: Investigating → Identified`."""
    _ = _speaker(language)

    def moved(label: str, old: str, new: str) -> str:
        return f"{label}: {old} → {new}" if old != new else ""

    def now_reads(label: str, old: str, new: str) -> str:
        return f"{label}: {new}" if old != new else ""

    checks: list[tuple[Callable[[str, str, str], str], str, Callable[[Facts], str]]] = [
        (moved, _("Title"), lambda f: f.title),
        (moved, _("Status"), lambda f: _(f.status_label)),
        (moved, _("Severity"), lambda f: f.severity_label),
        (now_reads, _("Since"), lambda f: since_text(f, language=language, timezone=timezone)),
        (now_reads, _("Impact"), lambda f: impact_text(f, language)),
        (now_reads, _("Affected products"), lambda f: product_list(f.affected, language)),
        (
            now_reads,
            _("Recovery plan"),
            lambda f: recovery_plan_text(f, language=language, timezone=timezone),
        ),
        (moved, _("Commander"), lambda f: f.commander or _("not assigned yet")),
        (moved, _("Comms lead"), lambda f: f.comms_lead or _("not assigned yet")),
    ]
    lines = [say(label, value(before), value(after)) for say, label, value in checks]
    return [line for line in lines if line]


def change_reply(
    facts: Facts, changes: list[str], *, language: str, timezone: str
) -> tuple[str, list[dict[str, Any]]]:
    """The thread reply under the channel post: what changed, or that the incident is resolved."""
    _ = _speaker(language)
    if facts.resolved and facts.resolved_at is not None:
        first = _("#{number} has recovered ({time}).").format(
            number=facts.number, time=format_moment(facts.resolved_at, timezone)
        )
    else:
        first = _("Update to #{number}:").format(number=facts.number)
    text = "\n".join([first, *(f"• {line}" for line in changes)])
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": _mrkdwn(text)[:3000]}}
    ]
    return text, blocks


def email(facts: Facts, *, changes: Sequence[str] = (), language: str, timezone: str) -> tuple[str, str, str]:
    """Subject, text and HTML of the email to all staff: `[Incident] #12 …` / `[障害] #12 …`.

    An update between declaration and recovery says first what changed.
    """
    _ = _speaker(language)
    shown = render(facts, language=language, timezone=timezone)
    subject = shown.headline
    if changes and not facts.resolved:
        subject = _("[Incident update] #{number} {title}").format(number=facts.number, title=facts.title)
    said = [_("What changed:"), *(f"• {line}" for line in changes), ""] if changes else []
    text = "\n".join([*said, shown.text])
    rows = "".join(
        f"<tr><th>{escape(label)}</th><td>{escape(value)}</td></tr>" for label, value in shown.lines
    )
    link = f'<p>{escape(shown.link_label)}: <a href="{escape(shown.link)}">{escape(shown.link)}</a></p>'
    changed = ""
    if changes:
        items = "".join(f"<li>{escape(line)}</li>" for line in changes)
        changed = f"<p>{escape(_('What changed:'))}</p><ul>{items}</ul>"
    html = f"{changed}<h1>{escape(shown.headline)}</h1><table>{rows}</table>{link}"
    return subject, text, html


def _mrkdwn(text: str) -> str:
    """Slack's mrkdwn needs only these three escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
