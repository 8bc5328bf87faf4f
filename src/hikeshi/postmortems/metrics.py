"""How incident response went over any period: the incidents, MTTD/MTTA/MTTR, alert volume, pages,
action items; and the week-by-week trend the weekly report draws.

The definitions, exactly (the report pages print them):
- The period's incidents: declared in [since, until), dismissed ones and never-declared ones left out.
  Each one's duration runs from its start (else its detection) to its resolution.
- MTTD: mean of detection − start, over the period's incidents whose start is known.
- MTTA: mean of first acknowledgement − page start, over pages started in the period and acknowledged.
- MTTR: mean of resolution − detection, over incidents resolved in the period (declared, still resolved).
- Alerts: alerts first received in the period (a repeat of an open alert is the same alert).
- Action items: their state at the end of the period (or now, if the period has not ended yet); an open
  item is overdue when its due day is before the period's last day (today) in the company's time zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from hikeshi.accounts.models import User
from hikeshi.alerts.models import Alert, Integration
from hikeshi.catalog.service import list_products
from hikeshi.core.errors import InvalidInput
from hikeshi.incidents.models import Incident
from hikeshi.incidents.rules import Severity, Status
from hikeshi.incidents.views import effective_impact
from hikeshi.oncall.paging_metrics import page_tta_seconds, paging_metrics
from hikeshi.oncall.paging_models import Page
from hikeshi.postmortems.models import ActionItem, Postmortem
from hikeshi.postmortems.rules import ActionItemStatus, IsoWeek, durations, local_day, week_of

TREND_WEEKS = 12


@dataclass(frozen=True, slots=True)
class Label:
    """Something counted, named in both languages (a product) or in neither (a severity)."""

    key: str
    ja: str
    en: str

    def name(self, language: str) -> str:
        return self.en if language == "en" else self.ja


@dataclass(frozen=True, slots=True)
class IncidentLine:
    number: int
    title: str
    status: str
    severity: str
    products: tuple[Label, ...]
    started_at: datetime | None
    detected_at: datetime | None
    declared_at: datetime | None
    resolved_at: datetime | None
    duration_seconds: float | None  # start (else detection) to resolution; None while unresolved
    stores_japan: int
    stores_overseas: int
    diners: bool  # diners booking on the web were affected
    cause_ja: str
    cause_en: str
    postmortem_status: str  # "" when there is no postmortem

    def cause(self, language: str) -> str:
        return (self.cause_en or self.cause_ja) if language == "en" else self.cause_ja


@dataclass(frozen=True, slots=True)
class Mean:
    seconds: float | None  # None when nothing was measured
    count: int  # how many durations the mean is over


@dataclass(frozen=True, slots=True)
class Count:
    label: Label
    count: int


@dataclass(frozen=True, slots=True)
class IntegrationVolume:
    integration_id: int
    name: str
    kind: str
    alerts: int


@dataclass(frozen=True, slots=True)
class PersonPages:
    user_id: int
    name: str
    pages: int
    night_pages: int
    acknowledged: int


@dataclass(frozen=True, slots=True)
class ActionItemLine:
    id: int
    title: str
    incident_number: int
    owner_name: str
    due_on: date
    overdue: bool


@dataclass(frozen=True, slots=True)
class ResponseMetrics:
    since: datetime
    until: datetime
    timezone: str
    as_of: datetime  # the moment action items are counted at
    incidents: list[IncidentLine]
    mttd: Mean
    mtta: Mean
    mttr: Mean
    by_product: list[Count]
    by_severity: list[Count]
    alerts: int
    integrations: list[IntegrationVolume]  # the noisiest first
    pages: int
    night_pages: int
    people: list[PersonPages]
    open_items: list[ActionItemLine]  # open at `as_of`, earliest due first
    action_items_open: int
    action_items_overdue: int
    action_items_done: int  # marked done in the period


@dataclass(frozen=True, slots=True)
class WeekPoint:
    week: str  # 2026-W48
    label: str  # W48
    incidents: int
    mttr_seconds: float | None
    alerts: int
    pages: int


def _check_range(since: datetime, until: datetime) -> None:
    if until <= since:
        raise InvalidInput("until: must be after since", field="until")


def _mean(values: Sequence[float]) -> Mean:
    return Mean(seconds=sum(values) / len(values) if values else None, count=len(values))


def _declared_query(since: datetime, until: datetime) -> Select[Incident]:
    return select(Incident).where(
        Incident.declared_at.is_not(None),
        Incident.declared_at >= since,
        Incident.declared_at < until,
        Incident.status != Status.DISMISSED.value,
    )


def _resolved_query(since: datetime, until: datetime) -> Select[Incident]:
    return select(Incident).where(
        Incident.declared_at.is_not(None),
        Incident.status == Status.RESOLVED.value,
        Incident.resolved_at >= since,
        Incident.resolved_at < until,
    )


def time_to_detect(incident: Incident) -> float | None:
    """Start to detection, in seconds; None when the start is not known."""
    spans = durations(started_at=incident.started_at, detected_at=incident.detected_at, resolved_at=None)
    span = spans.start_to_detection
    return None if span is None else span.total_seconds()


def time_to_resolve(incident: Incident) -> float | None:
    """Detection (else declaration) to resolution, in seconds."""
    detected = incident.detected_at or incident.declared_at
    spans = durations(started_at=None, detected_at=detected, resolved_at=incident.resolved_at)
    span = spans.detection_to_resolution
    return None if span is None else span.total_seconds()


def _lines(session: Session, incidents: Sequence[Incident]) -> list[IncidentLine]:
    products = {p.id: Label(p.slug, p.name_ja, p.name_en) for p in list_products(session=session)}
    ids = [incident.id for incident in incidents]
    postmortems = (
        {
            pm.incident_id: pm
            for pm in session.scalars(select(Postmortem).where(Postmortem.incident_id.in_(ids)))
        }
        if ids
        else {}
    )
    lines = []
    for incident in incidents:
        impact = effective_impact(incident)
        spans = durations(
            started_at=incident.started_at or incident.detected_at,
            detected_at=None,
            resolved_at=incident.resolved_at if incident.status == Status.RESOLVED.value else None,
        )
        postmortem = postmortems.get(incident.id)
        lines.append(
            IncidentLine(
                number=incident.number,
                title=incident.title,
                status=incident.status,
                severity=incident.severity,
                products=tuple(products[pid] for pid in incident.product_ids or () if pid in products),
                started_at=incident.started_at,
                detected_at=incident.detected_at,
                declared_at=incident.declared_at,
                resolved_at=incident.resolved_at if incident.status == Status.RESOLVED.value else None,
                duration_seconds=(
                    None if spans.start_to_resolution is None else spans.start_to_resolution.total_seconds()
                ),
                stores_japan=impact.stores_japan,
                stores_overseas=impact.stores_overseas,
                diners=impact.web_booking,
                cause_ja=postmortem.cause_ja if postmortem else "",
                cause_en=postmortem.cause_en if postmortem else "",
                postmortem_status=postmortem.status if postmortem else "",
            )
        )
    return lines


def _counts(lines: Sequence[IncidentLine], session: Session) -> tuple[list[Count], list[Count]]:
    order = {p.slug: index for index, p in enumerate(list_products(session=session))}
    tally: dict[str, tuple[Label, int]] = {}
    for line in lines:
        for label in line.products:
            previous = tally.get(label.key, (label, 0))[1]
            tally[label.key] = (label, previous + 1)
    by_product = [
        Count(label, count)
        for label, count in sorted(tally.values(), key=lambda pair: (-pair[1], order.get(pair[0].key, 0)))
    ]
    severities = [s.value for s in Severity]
    seen = severities + sorted({line.severity for line in lines} - set(severities))
    by_severity = [
        Count(Label(key, key, key), sum(1 for line in lines if line.severity == key)) for key in seen
    ]
    return by_product, by_severity


def _alert_volume(session: Session, since: datetime, until: datetime) -> tuple[int, list[IntegrationVolume]]:
    query = (
        select(Integration.id, Integration.name, Integration.kind, func.count(Alert.id))
        .join(Alert, Alert.integration_id == Integration.id)
        .where(Alert.first_seen_at >= since, Alert.first_seen_at < until)
        .group_by(Integration.id, Integration.name, Integration.kind)
    )
    volumes = [
        IntegrationVolume(integration_id=iid, name=name, kind=kind, alerts=int(count))
        for iid, name, kind, count in session.execute(query)
    ]
    volumes.sort(key=lambda volume: (-volume.alerts, volume.name, volume.integration_id))
    return sum(volume.alerts for volume in volumes), volumes


def _open_items(
    session: Session, *, since: datetime, until: datetime, as_of: datetime, timezone: str
) -> tuple[list[ActionItemLine], int]:
    today = local_day(as_of - timedelta(microseconds=1), timezone)
    query = select(ActionItem).where(
        ActionItem.created_at <= as_of,
        or_(
            ActionItem.status == ActionItemStatus.OPEN.value,
            ActionItem.done_at > as_of,
        ),
    )
    items = list(session.scalars(query.order_by(ActionItem.due_on, ActionItem.id)))
    incident_ids = {item.incident_id for item in items}
    numbers: dict[int, int] = {}
    if incident_ids:
        query_numbers = select(Incident.id, Incident.number).where(Incident.id.in_(incident_ids))
        numbers = dict(session.execute(query_numbers).all())
    owners = _names(session, {item.owner_id for item in items if item.owner_id is not None})
    lines = [
        ActionItemLine(
            id=item.id,
            title=item.title,
            incident_number=numbers.get(item.incident_id, 0),
            owner_name=owners.get(item.owner_id, "") if item.owner_id is not None else "",
            due_on=item.due_on,
            overdue=item.due_on < today,
        )
        for item in items
    ]
    done_query = select(func.count(ActionItem.id)).where(
        ActionItem.status == ActionItemStatus.DONE.value,
        ActionItem.done_at >= since,
        ActionItem.done_at < until,
    )
    return lines, int(session.scalar(done_query) or 0)


def _names(session: Session, user_ids: Iterable[int]) -> dict[int, str]:
    wanted = set(user_ids)
    if not wanted:
        return {}
    return {user.id: user.name for user in session.scalars(select(User).where(User.id.in_(wanted)))}


def response_metrics(
    *, session: Session, since: datetime, until: datetime, timezone: str, now: datetime
) -> ResponseMetrics:
    """Every figure of the period [since, until) (aware instants); see the module's definitions."""
    _check_range(since, until)
    incidents = list(
        session.scalars(_declared_query(since, until).order_by(Incident.declared_at, Incident.number))
    )
    lines = _lines(session, incidents)
    detections = [seconds for incident in incidents if (seconds := time_to_detect(incident)) is not None]
    resolutions = [
        seconds
        for incident in session.scalars(_resolved_query(since, until))
        if (seconds := time_to_resolve(incident)) is not None
    ]
    paging = paging_metrics(session=session, since=since, until=until)
    pages = session.scalars(select(Page).where(Page.created_at >= since, Page.created_at < until))
    acknowledgements = [tta for page in pages if (tta := page_tta_seconds(page)) is not None]
    by_product, by_severity = _counts(lines, session)
    alerts, integrations = _alert_volume(session, since, until)
    as_of = min(now, until)
    open_items, done = _open_items(session, since=since, until=until, as_of=as_of, timezone=timezone)
    return ResponseMetrics(
        since=since,
        until=until,
        timezone=timezone,
        as_of=as_of,
        incidents=lines,
        mttd=_mean(detections),
        mtta=_mean(acknowledgements),
        mttr=_mean(resolutions),
        by_product=by_product,
        by_severity=by_severity,
        alerts=alerts,
        integrations=integrations,
        pages=paging.pages,
        night_pages=paging.night_pages,
        people=[
            PersonPages(
                user_id=load.user_id,
                name=load.name,
                pages=load.pages,
                night_pages=load.night_pages,
                acknowledged=load.acknowledged,
            )
            for load in paging.people
        ],
        open_items=open_items,
        action_items_open=len(open_items),
        action_items_overdue=sum(1 for item in open_items if item.overdue),
        action_items_done=done,
    )


def weekly_trend(
    *, session: Session, last: IsoWeek, timezone: str, weeks: int = TREND_WEEKS
) -> list[WeekPoint]:
    """Per week, the `weeks` weeks up to and including `last`: incidents declared, MTTR, alerts, pages."""
    first = last.shifted(-(weeks - 1))
    since, _ = first.bounds(timezone)
    _, until = last.bounds(timezone)
    order = [first.shifted(offset) for offset in range(weeks)]
    incidents: dict[IsoWeek, int] = dict.fromkeys(order, 0)
    alerts: dict[IsoWeek, int] = dict.fromkeys(order, 0)
    pages: dict[IsoWeek, int] = dict.fromkeys(order, 0)
    resolved: dict[IsoWeek, list[float]] = {week: [] for week in order}
    for incident in session.scalars(_declared_query(since, until)):
        if incident.declared_at is not None:
            incidents[week_of(incident.declared_at, timezone)] += 1
    for incident in session.scalars(_resolved_query(since, until)):
        seconds = time_to_resolve(incident)
        if seconds is not None and incident.resolved_at is not None:
            resolved[week_of(incident.resolved_at, timezone)].append(seconds)
    alert_query = select(Alert.first_seen_at).where(Alert.first_seen_at >= since, Alert.first_seen_at < until)
    for seen in session.scalars(alert_query):
        alerts[week_of(seen, timezone)] += 1
    for created in session.scalars(
        select(Page.created_at).where(Page.created_at >= since, Page.created_at < until)
    ):
        pages[week_of(created, timezone)] += 1
    return [
        WeekPoint(
            week=str(week),
            label=f"W{week.week:02d}",
            incidents=incidents[week],
            mttr_seconds=_mean(resolved[week]).seconds,
            alerts=alerts[week],
            pages=pages[week],
        )
        for week in order
    ]
