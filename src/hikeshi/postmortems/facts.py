"""What a postmortem knows without anyone writing it: read from the incident, its notices and calls.

`build_document` gathers one language's document (the people-written text of that language, the rest
computed now); `prefill` writes the first draft of the symptom, recovery and impact from the same facts;
`gate_facts` is what the publishing gate checks.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hikeshi.accounts.models import User
from hikeshi.catalog import service as catalog
from hikeshi.catalog.models import Product
from hikeshi.comms import campaigns
from hikeshi.comms.models import CallTask, Notice
from hikeshi.core.i18n import LANGUAGES, N_, Language, translations
from hikeshi.core.timezones import DEFAULT_TIMEZONE
from hikeshi.incidents import queries as incidents
from hikeshi.incidents import work
from hikeshi.incidents.models import Incident, IncidentEvent
from hikeshi.incidents.rules import EVENT_LABELS, RECOVERY_LABELS, STATUS_LABELS, RecoveryKind, Status
from hikeshi.incidents.rules import FIELD_LABELS as INCIDENT_FIELD_LABELS
from hikeshi.incidents.views import effective_impact
from hikeshi.postmortems.document import (
    ActionLine,
    ImpactFigures,
    PostmortemDocument,
    RecoveryLine,
    TimelineLine,
)
from hikeshi.postmortems.models import ActionItem, Postmortem
from hikeshi.postmortems.rules import (
    ACTION_ITEM_STATUS_LABELS,
    ActionItemStatus,
    GateFacts,
    durations,
)

# The postmortem's own steps are on the incident's timeline too, but not in the document's.
POSTMORTEM_EVENT_PREFIX = "postmortem_"
# Fields whose new value reads well in a timeline line (the others are ids or lists).
SHOWN_FIELD_VALUES = frozenset({"title", "severity"})


def _action_items(session: Session, postmortem_id: int) -> list[ActionItem]:
    # Read here rather than through `action_items`: the two modules sit side by side in the layers.
    query = select(ActionItem).where(ActionItem.postmortem_id == postmortem_id)
    return list(session.scalars(query.order_by(ActionItem.due_on, ActionItem.id)))


def _names(session: Session, *user_ids: int | None) -> dict[int, str]:
    wanted = {user_id for user_id in user_ids if user_id is not None}
    if not wanted:
        return {}
    return {person.id: person.name for person in session.scalars(select(User).where(User.id.in_(wanted)))}


def impact_figures(*, session: Session, incident: Incident) -> ImpactFigures:
    """Stores by region and web diners (corrections win), partners, emails, calls, inquiries."""
    impact = effective_impact(incident)
    # A recipient's sending state is its delivery's (campaign_progress reads it through), not its own row.
    notice_ids = session.scalars(select(Notice.id).where(Notice.incident_id == incident.id))
    emails = sum(
        progress.sent
        for notice_id in notice_ids
        if (progress := campaigns.campaign_progress(session=session, notice_id=notice_id)) is not None
    )
    calls = session.scalar(
        select(func.count(CallTask.id)).where(
            CallTask.incident_id == incident.id, CallTask.outcome.is_not(None)
        )
    )
    return ImpactFigures(
        stores_japan=impact.stores_japan,
        stores_overseas=impact.stores_overseas,
        web_booking_diners=impact.web_booking,
        partners=len(incident.impact_partner_ids or []),
        emails_sent=emails or 0,
        calls_made=calls or 0,
        inquiries_linked=len(incidents.linked_inquiry_ids(session=session, incident_id=incident.id)),
    )


def _products(session: Session, incident: Incident, language: Language) -> tuple[list[str], list[str]]:
    products = catalog.list_products(session=session)

    def name(product: Product) -> str:
        return product.name_ja if language == "ja" else product.name_en

    affected = [name(p) for p in products if p.id in incident.product_ids]
    unaffected = [name(p) for p in products if p.customer_facing and p.id not in incident.product_ids]
    return affected, unaffected


def _recovery_lines(session: Session, incident: Incident, language: Language) -> list[RecoveryLine]:
    say = translations(language).gettext
    actions = work.list_recovery_actions(session=session, incident_id=incident.id)
    names = _names(session, *(action.performed_by_id for action in actions))
    return [
        RecoveryLine(
            kind=say(RECOVERY_LABELS[RecoveryKind(action.kind)]),
            at=action.performed_at,
            who=names.get(action.performed_by_id or 0, ""),
            description=action.description,
        )
        for action in actions
    ]


def _action_lines(session: Session, items: list[ActionItem], language: Language) -> list[ActionLine]:
    say = translations(language).gettext
    names = _names(session, *(item.owner_id for item in items))
    return [
        ActionLine(
            title=item.title,
            owner=names.get(item.owner_id or 0, ""),
            due_on=item.due_on,
            status=item.status,
            status_label=say(ACTION_ITEM_STATUS_LABELS[ActionItemStatus(item.status)]),
        )
        for item in items
        if item.status != ActionItemStatus.CANCELLED.value
    ]


def _status_label(value: object, say: Callable[[str], str]) -> str:
    try:
        return say(STATUS_LABELS[Status(str(value))])
    except ValueError:
        return str(value)


def _event_detail(event: IncidentEvent, say: Callable[[str], str]) -> str:
    data = event.data or {}
    if event.kind == "status":
        moved = f"{_status_label(data.get('from'), say)} → {_status_label(data.get('to'), say)}"
        return f"{moved}: {event.note}" if event.note else moved
    if event.kind == "field":
        field = str(data.get("field", ""))
        label = say(INCIDENT_FIELD_LABELS[field]) if field in INCIDENT_FIELD_LABELS else field
        return f"{label} → {data.get('to')}" if field in SHOWN_FIELD_VALUES else label
    if event.kind == "recovery_action":
        label = say(str(data.get("label", "")))
        return f"{label}: {event.note}" if event.note else label
    if event.kind == "alert_group_linked":
        return f"#{data.get('alert_group_id')} {event.note}".strip()
    if event.kind == "inquiry_linked":
        return f"#{data.get('inquiry_id')}"
    if event.kind.startswith("task"):
        return say(event.note)  # runbook tasks are catalog ids; people's titles pass through unchanged
    return event.note


def timeline_line(event: IncidentEvent, *, language: Language, names: dict[int, str]) -> TimelineLine:
    """One timeline event as a line of text in `language`: what happened, the details, who."""
    say = translations(language).gettext
    label = say(EVENT_LABELS[event.kind]) if event.kind in EVENT_LABELS else event.kind
    detail = _event_detail(event, say)
    text = f"{label}: {detail}" if detail else label
    if event.actor_user_id is not None and event.actor_user_id in names:
        text = f"{text} ({names[event.actor_user_id]})"
    return TimelineLine(at=event.at, text=text)


def timeline_lines(*, session: Session, incident: Incident, language: Language) -> list[TimelineLine]:
    """The incident's timeline in time order (the postmortem's own steps left out)."""
    events = [
        event
        for event in work.list_events(session=session, incident_id=incident.id)
        if not event.kind.startswith(POSTMORTEM_EVENT_PREFIX)
    ]
    names = _names(session, *(event.actor_user_id for event in events))
    return [timeline_line(event, language=language, names=names) for event in events]


def build_document(
    *, session: Session, postmortem: Postmortem, language: Language, timezone: str, url: str
) -> PostmortemDocument:
    """One language's document: its written text ("" where not written), the rest computed now."""
    incident = incidents.get_incident_by_id(session=session, incident_id=postmortem.incident_id)
    affected, unaffected = _products(session, incident, language)
    names = _names(session, incident.commander_id, incident.comms_lead_id)
    written = {
        name: getattr(postmortem, f"{name}_{language}")
        for name in ("symptom", "recovery", "impact", "cause", "prevention")
    }
    return PostmortemDocument(
        language=language,
        postmortem_id=postmortem.id,
        incident_number=incident.number,
        incident_title=incident.title,
        severity=incident.severity,
        status=postmortem.status,
        timezone=timezone,
        started_at=incident.started_at,
        detected_at=incident.detected_at,
        declared_at=incident.declared_at,
        resolved_at=incident.resolved_at,
        durations=durations(
            started_at=incident.started_at,
            detected_at=incident.detected_at,
            resolved_at=incident.resolved_at,
        ),
        affected_products=affected,
        unaffected_products=unaffected,
        impact_figures=impact_figures(session=session, incident=incident),
        commander=names.get(incident.commander_id or 0, ""),
        comms_lead=names.get(incident.comms_lead_id or 0, ""),
        url=url,
        recovery_actions=_recovery_lines(session, incident, language),
        action_items=_action_lines(session, _action_items(session, postmortem.id), language),
        timeline=timeline_lines(session=session, incident=incident, language=language),
        **written,
    )


def has_english(postmortem: Postmortem) -> bool:
    """Whether people wrote English (the English part is published then).

    The symptom, recovery and impact are pre-filled in both languages, so only the parts people write
    from scratch, the cause and the prevention measures, say that someone wrote the English version.
    """
    return bool(postmortem.cause_en.strip() or postmortem.prevention_en.strip())


def impact_lines(figures: ImpactFigures, products: list[str], *, language: Language) -> list[str]:
    """The impact scope in words, one fact a line (the pre-filled impact text)."""
    say = translations(language).gettext
    lines = []
    if products:
        lines.append(say(N_("Affected products: {products}")).format(products=", ".join(products)))
    lines += [
        say(N_("Stores in Japan: {count}")).format(count=f"{figures.stores_japan:,}"),
        say(N_("Stores overseas: {count}")).format(count=f"{figures.stores_overseas:,}"),
        say(
            N_("Diners booking on the web: affected")
            if figures.web_booking_diners
            else N_("Diners booking on the web: not affected")
        ),
    ]
    if figures.partners:
        lines.append(say(N_("Partners affected: {count}")).format(count=figures.partners))
    lines += [
        say(N_("Customer emails sent: {count}")).format(count=f"{figures.emails_sent:,}"),
        say(N_("Stores called: {count}")).format(count=f"{figures.calls_made:,}"),
        say(N_("Inquiries linked: {count}")).format(count=figures.inquiries_linked),
    ]
    return lines


def prefill(*, session: Session, incident: Incident, timezone: str = DEFAULT_TIMEZONE) -> dict[str, str]:
    """The first draft of the symptom, the recovery actions and the impact, in Japanese and English.

    The cause and the prevention measures are left to people.
    """
    figures = impact_figures(session=session, incident=incident)
    fields: dict[str, str] = {}
    for language in LANGUAGES:
        say = translations(language).gettext
        affected, _ = _products(session, incident, language)
        stores = say(N_("{japan} stores in Japan and {overseas} overseas were affected.")).format(
            japan=f"{figures.stores_japan:,}", overseas=f"{figures.stores_overseas:,}"
        )
        symptom = [incident.title]
        if incident.summary.strip():
            symptom.append(incident.summary.strip())
        symptom.append(stores)
        if figures.web_booking_diners:
            symptom.append(say(N_("Diners booking on the web were affected.")))
        fields[f"symptom_{language}"] = "\n".join(symptom)
        # In words; the published document adds the table of recorded actions (when, what, who).
        actions = [line.description or line.kind for line in _recovery_lines(session, incident, language)]
        fields[f"recovery_{language}"] = (
            say(N_("The service was restored by: {actions}")).format(actions=" / ".join(actions))
            if actions
            else incident.no_action_reason.strip()
        )
        impact = impact_lines(figures, affected, language=language)
        if incident.impact_note.strip():
            impact.append(incident.impact_note.strip())
        fields[f"impact_{language}"] = "\n".join(f"- {line}" for line in impact)
    return fields


def gate_facts(*, session: Session, postmortem: Postmortem) -> GateFacts:
    incident = incidents.get_incident_by_id(session=session, incident_id=postmortem.incident_id)
    items = [
        item
        for item in _action_items(session, postmortem.id)
        if item.status != ActionItemStatus.CANCELLED.value
    ]
    return GateFacts(
        symptom=postmortem.symptom_ja,
        recovery=postmortem.recovery_ja,
        cause=postmortem.cause_ja,
        impact=postmortem.impact_ja,
        incident_started=incident.started_at is not None,
        action_items=len(items),
        action_items_without_owner=sum(
            1 for item in items if item.owner_id is None and item.status == ActionItemStatus.OPEN.value
        ),
    )
