"""The postmortem as Markdown: what the knowledge base (esa or a folder) holds, and its HTML preview.

The Japanese document comes first; an English section follows when any English text was written, so a
postmortem written only in Japanese is published only in Japanese. People write Markdown in the text
fields, so their text goes in as it is; everything hikeshi adds (titles, names, table cells) is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Final

from markdown_it import MarkdownIt

from hikeshi.core.i18n import N_, Translator
from hikeshi.core.timezones import to_zone
from hikeshi.postmortems.document import PostmortemDocument
from hikeshi.postmortems.rules import format_duration

TITLE: Final = N_("Postmortem: #{number} {title}")
ENGLISH_HEADING: Final = "English"
NOT_WRITTEN: Final = N_("(not written)")
UNKNOWN: Final = "—"

# Characters that change the meaning of inline Markdown when they come from data hikeshi did not write.
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~!])")


def _escape(text: str) -> str:
    """One line of literal text inside Markdown (a title, a name, a table cell)."""
    flat = " ".join(text.split())
    return _INLINE_SPECIAL.sub(r"\\\1", flat)


def _when(translator: Translator, moment: datetime | None) -> str:
    return translator.format_datetime(moment, with_zone=True) if moment is not None else UNKNOWN


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    cells = list(header)
    lines = ["| " + " | ".join(cells) + " |", "|" + "---|" * len(cells)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _text_block(text: str, _: Callable[[str], str]) -> list[str]:
    written = text.strip()
    return [written] if written else [f"_{_(NOT_WRITTEN)}_"]


def _summary(doc: PostmortemDocument, translator: Translator) -> list[str]:
    _ = translator.gettext
    language = doc.language
    rows = [
        (_("Incident"), f"#{doc.incident_number} {_escape(doc.incident_title)}"),
        (_("Severity"), _escape(doc.severity)),
        (_("Started at"), _when(translator, doc.started_at)),
        (_("Detected at"), _when(translator, doc.detected_at)),
        (_("Declared at"), _when(translator, doc.declared_at)),
        (_("Resolved at"), _when(translator, doc.resolved_at)),
        (
            _("Start to detection"),
            format_duration(doc.durations.start_to_detection, language=language),
        ),
        (
            _("Detection to resolution"),
            format_duration(doc.durations.detection_to_resolution, language=language),
        ),
        (
            _("Start to resolution"),
            format_duration(doc.durations.start_to_resolution, language=language),
        ),
        (_("Affected products"), ", ".join(map(_escape, doc.affected_products)) or UNKNOWN),
        (_("Unaffected products"), ", ".join(map(_escape, doc.unaffected_products)) or UNKNOWN),
        (_("Incident commander"), _escape(doc.commander) or UNKNOWN),
        (_("Communications lead"), _escape(doc.comms_lead) or UNKNOWN),
        (_("Time zone"), _escape(doc.timezone)),
    ]
    lines = [f"- {label}: {value}" for label, value in rows]
    if doc.url:
        lines.append(f"- hikeshi: <{doc.url}>")
    return lines


def _recovery(doc: PostmortemDocument, translator: Translator) -> list[str]:
    _ = translator.gettext
    lines = _text_block(doc.recovery, _)
    if doc.recovery_actions:
        lines.append("")
        lines += _table(
            (_("Time"), _("Kind"), _("Performed by"), _("What was done")),
            (
                (
                    _when(translator, line.at),
                    _escape(line.kind),
                    _escape(line.who) or UNKNOWN,
                    _escape(line.description),
                )
                for line in doc.recovery_actions
            ),
        )
    return lines


def _impact(doc: PostmortemDocument, translator: Translator) -> list[str]:
    """People's words only: pre-filled with every figure (`facts.impact_lines`), then corrected by them,
    since the impact is an estimate the incident's people know better."""
    return _text_block(doc.impact, translator.gettext)


def _prevention(doc: PostmortemDocument, translator: Translator) -> list[str]:
    _ = translator.gettext
    lines = _text_block(doc.prevention, _)
    if doc.action_items:
        lines.append("")
        lines += _table(
            (_("Action item"), _("Owner"), _("Due date"), _("Status")),
            (
                (
                    _escape(item.title),
                    _escape(item.owner) or UNKNOWN,
                    item.due_on.isoformat(),
                    _escape(item.status_label),
                )
                for item in doc.action_items
            ),
        )
    return lines


def _timeline(doc: PostmortemDocument, translator: Translator) -> list[str]:
    _ = translator.gettext
    if not doc.timeline:
        return [f"_{_(NOT_WRITTEN)}_"]
    return _table(
        (_("Time"), _("Event")),
        ((_when(translator, line.at), _escape(line.text)) for line in doc.timeline),
    )


def _sections(doc: PostmortemDocument, *, level: int) -> list[str]:
    translator = Translator(language=doc.language, timezone=doc.timezone)
    _ = translator.gettext
    heading = "#" * level
    parts: list[tuple[str, list[str]]] = [
        (N_("Summary"), _summary(doc, translator)),
        (N_("Symptom"), _text_block(doc.symptom, _)),
        (N_("Recovery actions"), _recovery(doc, translator)),
        (N_("Impact scope"), _impact(doc, translator)),
        (N_("Cause"), _text_block(doc.cause, _)),
        (N_("Prevention measures"), _prevention(doc, translator)),
        (N_("Timeline"), _timeline(doc, translator)),
    ]
    lines: list[str] = []
    for title, body in parts:
        lines += [f"{heading} {_(title)}", "", *body, ""]
    return lines


def has_english(doc: PostmortemDocument | None) -> bool:
    """Whether any people-written English text exists (the English section is published only then)."""
    if doc is None:
        return False
    return any(text.strip() for text in (doc.symptom, doc.recovery, doc.impact, doc.cause, doc.prevention))


def render(ja: PostmortemDocument, en: PostmortemDocument | None) -> str:
    """The Markdown published to the knowledge base: Japanese, then English when any is written."""
    translator = Translator(language=ja.language, timezone=ja.timezone)
    title = translator.gettext(TITLE).format(number=ja.incident_number, title=_escape(ja.incident_title))
    lines = [f"# {title}", "", *_sections(ja, level=2)]
    if en is not None and has_english(en):
        lines += ["---", "", f"# {ENGLISH_HEADING}", "", *_sections(en, level=2)]
    return "\n".join(lines).rstrip("\n") + "\n"


def _first_day(doc: PostmortemDocument) -> date | None:
    moment = doc.started_at or doc.detected_at or doc.declared_at or doc.resolved_at
    return to_zone(moment, doc.timezone).date() if moment is not None else None


def post_name(doc: PostmortemDocument) -> str:
    """`2026-12-01 No.12 Web予約で予約が保存できない`: the day it began (company zone), number and title.

    esa reads `/` in a post's name as a category separator and ` #word` as a tag, so slashes and number
    signs become full-width ones; line breaks and runs of spaces become one space.
    """
    first_day = _first_day(doc)
    day = first_day.isoformat() if first_day is not None else ""
    title = " ".join(doc.incident_title.split()).replace("/", "／").replace("#", "＃")
    return " ".join(part for part in (day, f"No.{doc.incident_number}", title) if part)


def post_key(doc: PostmortemDocument) -> str:
    """`2026/incident-12`: where a folder of Markdown files keeps this postmortem, for good."""
    first_day = _first_day(doc)
    year = first_day.year if first_day is not None else 0
    return f"{year:04d}/incident-{doc.incident_number}"


def _markdown_parser() -> MarkdownIt:
    # CommonMark with tables; raw HTML in the input is shown as text, never passed through.
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def to_html(markdown: str) -> str:
    """HTML for a preview page: raw HTML is escaped and unsafe link schemes (javascript:) are dropped."""
    html: str = _markdown_parser().render(markdown)
    return html
