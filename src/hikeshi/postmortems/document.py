"""The postmortem as a document: what the Markdown, the page and the knowledge base show, in one language.

`facts.build_document` fills it from the database; `markdown.render` writes it. Times are aware UTC and
shown in `timezone`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from hikeshi.core.i18n import Language
from hikeshi.postmortems.rules import Durations


@dataclass(frozen=True, slots=True)
class RecoveryLine:
    kind: str  # the kind's label in the document's language
    at: datetime
    who: str  # "" when unknown
    description: str


@dataclass(frozen=True, slots=True)
class ActionLine:
    title: str
    owner: str  # "" when nobody owns it yet
    due_on: date
    status: str  # rules.ActionItemStatus value
    status_label: str  # in the document's language


@dataclass(frozen=True, slots=True)
class TimelineLine:
    at: datetime
    text: str  # in the document's language, who included


@dataclass(frozen=True, slots=True)
class ImpactFigures:
    stores_japan: int
    stores_overseas: int
    web_booking_diners: bool  # diners booking on the web were affected
    partners: int
    emails_sent: int  # customer emails about this incident that were delivered
    calls_made: int  # stores called (a call with an outcome)
    inquiries_linked: int


@dataclass(frozen=True, slots=True)
class PostmortemDocument:
    language: Language
    postmortem_id: int
    incident_number: int
    incident_title: str
    severity: str  # SEV1…SEV3
    status: str  # rules.PostmortemStatus value
    timezone: str
    started_at: datetime | None
    detected_at: datetime | None
    declared_at: datetime | None
    resolved_at: datetime | None
    durations: Durations
    affected_products: list[str]
    unaffected_products: list[str]
    impact_figures: ImpactFigures
    # People-written text in this language ("" when not written).
    symptom: str
    recovery: str
    impact: str
    cause: str
    prevention: str
    commander: str
    comms_lead: str
    url: str  # the postmortem's page in hikeshi
    recovery_actions: list[RecoveryLine] = field(default_factory=list)
    action_items: list[ActionLine] = field(default_factory=list)
    timeline: list[TimelineLine] = field(default_factory=list)
