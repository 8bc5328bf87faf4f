"""The status page rendered: HTML (the same templates live and in the static copy), Statuspage-compatible
JSON, and Atom. Links come from a `Links` object, absolute on the live site and relative in the copy,
so the copy works from any static host and from a file:// URL.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.dates import format_datetime
from jinja2 import Environment, PackageLoader, select_autoescape

from hikeshi.comms.rules import ComponentStatus, MaintenanceStatus, PublicStatus
from hikeshi.comms.status_rules import (
    COMPONENT_LABELS,
    HISTORY_DAYS,
    INCIDENT_LABELS,
    MAINTENANCE_LABELS,
    day_tooltip,
)
from hikeshi.comms.status_schemas import (
    ComponentRef,
    DayBar,
    PublicComponent,
    PublicIncident,
    PublicMaintenance,
    PublicUpdate,
    StatusSummary,
)
from hikeshi.core.i18n import LANGUAGE_NAMES, LANGUAGES, translations
from hikeshi.core.timezones import to_zone

ATOM_NS = "http://www.w3.org/2005/Atom"
CSS_NAME = "status.css"
CSS_PATH = Path(__file__).resolve().parent / "static" / CSS_NAME
OUTAGE_STATUSES = (ComponentStatus.PARTIAL_OUTAGE, ComponentStatus.MAJOR_OUTAGE)
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True, slots=True)
class Links:
    """Where the page's links point. Live: absolute paths with `?lang=`; static: relative to the page."""

    static: bool = False
    depth: int = 0  # static: how many folders below the copy's root the page sits
    origin: str = ""  # live: put before each path where a full URL is needed (the Atom feed)

    def _static(self, target: str) -> str:
        return "../" * self.depth + target

    def home(self, language: str) -> str:
        if self.static:
            return self._static("index.html" if language == "ja" else "en/index.html")
        return f"{self.origin}/status?lang={language}"

    def incident(self, public_id: str, language: str) -> str:
        if self.static:
            folder = "incidents/" if language == "ja" else "en/incidents/"
            return self._static(f"{folder}{public_id}.html")
        return f"{self.origin}/status/incidents/{public_id}?lang={language}"

    def feed(self, language: str) -> str:
        if self.static:
            return self._static("feed.atom" if language == "ja" else "en/feed.atom")
        return f"{self.origin}/status/feed.atom?lang={language}"

    def css(self) -> str:
        return self._static(f"assets/{CSS_NAME}") if self.static else f"/status/assets/{CSS_NAME}"

    def summary_json(self) -> str:
        return self._static("api/v2/summary.json") if self.static else "/api/v2/summary.json"


def moment_text(moment: datetime | None, *, language: str, zone: str) -> str:
    """A time on the public page: in the page's zone (JST by default), the zone always named."""
    if moment is None:
        return "—"
    local = to_zone(moment, zone)
    if language == "ja":
        return f"{format_datetime(local, 'yyyy/MM/dd HH:mm', locale='ja')} {local.tzname()}"
    offset = local.strftime("%z")
    text = format_datetime(local, "MMM d, yyyy HH:mm", locale="en")
    return f"{text} {local.tzname()} (UTC{offset[:3]}:{offset[3:]})"


def iso(moment: datetime | None, zone: str) -> str | None:
    return None if moment is None else to_zone(moment, zone).isoformat(timespec="milliseconds")


# --- HTML ------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("hikeshi.comms", "templates/comms"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(template: str, *, summary: StatusSummary, links: Links, **extra: Any) -> str:
    """One status page (`status/page.html`, `status/incident.html`) in the summary's language."""
    language = summary.language
    gettext = translations(language).gettext
    zone = summary.page.time_zone

    def when(moment: datetime | None) -> str:
        return moment_text(moment, language=language, zone=zone)

    context: dict[str, Any] = {
        "_": gettext,
        "gettext": gettext,
        "lang": language,
        "other_languages": [other for other in LANGUAGES if other != language],
        "language_names": LANGUAGE_NAMES,
        "summary": summary,
        "links": links,
        "when": when,
        "iso": lambda moment: iso(moment, zone),
        "component_label": lambda status: gettext(COMPONENT_LABELS[ComponentStatus(status)]),
        "incident_label": lambda status: _update_label(status, gettext),
        "maintenance_label": lambda status: gettext(MAINTENANCE_LABELS[MaintenanceStatus(status)]),
        "update_label": lambda status: _update_label(status, gettext),
        "day_title": lambda bar: day_tooltip(bar, gettext=gettext),
        "history_text": lambda component: history_text(component, gettext=gettext),
        "history_days": HISTORY_DAYS,
        "zone_name": f"{zone} ({to_zone(summary.generated_at, zone).tzname()})",
        "switch_to": lambda other: links.home(other),
        **extra,
    }
    return environment().get_template(template).render(context)


def _update_label(status: str, gettext: Callable[[str], str]) -> str:
    if status in tuple(PublicStatus):
        return gettext(INCIDENT_LABELS[PublicStatus(status)])
    if status in tuple(MaintenanceStatus):
        return gettext(MAINTENANCE_LABELS[MaintenanceStatus(status)])
    return status


def history_text(component: PublicComponent, *, gettext: Callable[[str], str]) -> str:
    """The bars' text alternative: the uptime, then every day that was not a plain operational day."""
    summary = gettext("Last {days} days: {uptime}% without an outage.").format(
        days=len(component.history), uptime=f"{component.uptime:g}"
    )
    notable = [day_tooltip(bar, gettext=gettext) for bar in component.history if _notable(bar)]
    if not notable:
        notable = [gettext("No incidents.")]
    return " ".join([summary, *notable])


def _notable(bar: DayBar) -> bool:
    return bar.status is not ComponentStatus.OPERATIONAL or bool(bar.events)


# --- JSON (Statuspage's shapes) ---------------------------------------------------------------------


def page_json(summary: StatusSummary) -> dict[str, Any]:
    page = summary.page
    return {
        "id": page.id,
        "name": page.name,
        "url": page.url,
        "time_zone": page.time_zone,
        "updated_at": iso(page.updated_at, page.time_zone),
    }


def status_json(summary: StatusSummary) -> dict[str, Any]:
    return {
        "page": page_json(summary),
        "status": {"indicator": summary.status.indicator, "description": summary.status.description},
    }


def component_json(summary: StatusSummary, component: PublicComponent) -> dict[str, Any]:
    zone = summary.page.time_zone
    return {
        "id": component.id,
        "name": component.name,
        "status": component.status.value,
        "created_at": iso(component.created_at, zone),
        "updated_at": iso(component.updated_at, zone),
        "position": component.position,
        "description": component.description or None,
        "showcase": True,
        "start_date": None,
        "group_id": None,
        "page_id": summary.page.id,
        "group": False,
        "only_show_if_degraded": False,
    }


def components_json(summary: StatusSummary) -> dict[str, Any]:
    return {
        "page": page_json(summary),
        "components": [component_json(summary, component) for component in summary.components],
    }


def _refs_json(summary: StatusSummary, refs: tuple[ComponentRef, ...]) -> list[dict[str, Any]]:
    by_id = {component.id: component for component in summary.components}
    return [component_json(summary, by_id[ref.id]) for ref in refs if ref.id in by_id]


def _update_json(
    summary: StatusSummary, update: PublicUpdate, *, parent_key: str, parent_id: str
) -> dict[str, Any]:
    zone = summary.page.time_zone
    return {
        "id": update.id,
        "status": update.status,
        "body": update.body,
        parent_key: parent_id,
        "created_at": iso(update.created_at, zone),
        "updated_at": iso(update.created_at, zone),
        "display_at": iso(update.display_at, zone),
    }


def incident_json(summary: StatusSummary, incident: PublicIncident) -> dict[str, Any]:
    zone = summary.page.time_zone
    return {
        "id": incident.id,
        "name": incident.name,
        "status": incident.status,
        "created_at": iso(incident.created_at, zone),
        "updated_at": iso(incident.updated_at, zone),
        "monitoring_at": iso(incident.monitoring_at, zone),
        "resolved_at": iso(incident.resolved_at, zone),
        "started_at": iso(incident.created_at, zone),
        "impact": incident.impact,
        "shortlink": f"{summary.page.url}/incidents/{incident.id}",
        "page_id": summary.page.id,
        "incident_updates": [
            _update_json(summary, update, parent_key="incident_id", parent_id=incident.id)
            for update in incident.updates
        ],
        "components": _refs_json(summary, incident.components),
    }


def maintenance_json(summary: StatusSummary, maintenance: PublicMaintenance) -> dict[str, Any]:
    zone = summary.page.time_zone
    updates = [
        _update_json(summary, update, parent_key="incident_id", parent_id=maintenance.id)
        for update in maintenance.updates
    ]
    return {
        "id": maintenance.id,
        "name": maintenance.name,
        "status": maintenance.status.value,
        "created_at": iso(maintenance.created_at, zone),
        "updated_at": iso(maintenance.updated_at, zone),
        "monitoring_at": None,
        "resolved_at": None,
        "started_at": iso(maintenance.scheduled_for, zone),
        "impact": maintenance.impact,
        "shortlink": f"{summary.page.url}#{maintenance.id}",
        "page_id": summary.page.id,
        "scheduled_for": iso(maintenance.scheduled_for, zone),
        "scheduled_until": iso(maintenance.scheduled_until, zone),
        "incident_updates": updates,
        "components": _refs_json(summary, maintenance.components),
    }


def summary_json(summary: StatusSummary) -> dict[str, Any]:
    return {
        **status_json(summary),
        "components": components_json(summary)["components"],
        "incidents": [incident_json(summary, incident) for incident in summary.active_incidents],
        "scheduled_maintenances": [maintenance_json(summary, m) for m in summary.maintenances],
    }


def incidents_json(summary: StatusSummary, *, unresolved: bool = False) -> dict[str, Any]:
    chosen = summary.active_incidents if unresolved else summary.incidents
    return {"page": page_json(summary), "incidents": [incident_json(summary, i) for i in chosen]}


def scheduled_maintenances_json(summary: StatusSummary) -> dict[str, Any]:
    return {
        "page": page_json(summary),
        "scheduled_maintenances": [maintenance_json(summary, m) for m in summary.maintenances],
    }


# Path under /api/v2/ → the document; the live routes and the static copy serve the same set.
JSON_DOCUMENTS: dict[str, Callable[[StatusSummary], dict[str, Any]]] = {
    "summary.json": summary_json,
    "status.json": status_json,
    "components.json": components_json,
    "incidents.json": incidents_json,
    "incidents/unresolved.json": lambda summary: incidents_json(summary, unresolved=True),
    "scheduled-maintenances.json": scheduled_maintenances_json,
}


# --- Atom -------------------------------------------------------------------------------------------


def atom_feed(summary: StatusSummary, *, links: Links, self_url: str) -> bytes:
    """Atom 1.0: one entry per published update of the page's incidents and maintenances, newest first."""
    language = summary.language
    gettext = translations(language).gettext
    zone = summary.page.time_zone
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed", {XML_LANG: language})
    _text(feed, "id", f"urn:hikeshi:status:{summary.page.id}:{language}")
    _text(feed, "title", summary.page.name)
    _text(feed, "updated", iso(summary.page.updated_at, zone) or "")
    ET.SubElement(feed, f"{{{ATOM_NS}}}link", {"rel": "self", "href": self_url})
    ET.SubElement(feed, f"{{{ATOM_NS}}}link", {"rel": "alternate", "href": links.home(language)})
    author = ET.SubElement(feed, f"{{{ATOM_NS}}}author")
    _text(author, "name", summary.page.name)
    entries: list[tuple[datetime, str, str, PublicUpdate]] = []
    for incident in summary.incidents:
        url = links.incident(incident.id, language)
        entries += [(update.created_at, incident.name, url, update) for update in incident.updates]
    for maintenance in summary.maintenances:
        url = links.home(language) + f"#{maintenance.id}"
        entries += [(update.created_at, maintenance.name, url, update) for update in maintenance.updates]
    for created_at, name, url, update in sorted(entries, key=lambda entry: entry[0], reverse=True):
        entry = ET.SubElement(feed, f"{{{ATOM_NS}}}entry")
        _text(entry, "id", f"urn:hikeshi:status:{summary.page.id}:update:{update.id}:{language}")
        _text(entry, "title", f"{update.title or name} — {_update_label(update.status, gettext)}")
        _text(entry, "updated", iso(created_at, zone) or "")
        _text(entry, "published", iso(created_at, zone) or "")
        ET.SubElement(entry, f"{{{ATOM_NS}}}link", {"rel": "alternate", "href": url})
        content = ET.SubElement(entry, f"{{{ATOM_NS}}}content", {"type": "text"})
        content.text = f"{update.title}\n\n{update.body}".strip()
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body


def _text(parent: ET.Element, name: str, value: str) -> None:
    ET.SubElement(parent, f"{{{ATOM_NS}}}{name}").text = value


def stylesheet() -> bytes:
    """The page's own stylesheet (no app navigation, no inline style: the CSP allows none)."""
    return CSS_PATH.read_bytes()
