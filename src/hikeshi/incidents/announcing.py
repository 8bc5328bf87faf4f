"""Announcing incidents to the whole company (FLOW.md §3): the all-hands channel post and all-staff email.

The incidents service calls `announce_incident` whenever an announced fact may have changed. The first
call after declaration posts; later calls update that post in place and reply in its thread with what
changed; resolution turns the post into the "recovered" version. Everything goes through the outbox
(delivery.send / update_chat_message), so nothing is posted for a change that rolls back.

A thread reply needs the post's Slack `ts`, known only once the post is sent; a reply asked for before
that waits in a job of its own (`REPLY_JOB`) until the post is out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from hikeshi.accounts.service import get_user
from hikeshi.catalog.service import list_products
from hikeshi.core.errors import ExternalServiceError, NotFound
from hikeshi.core.settings import Settings
from hikeshi.delivery import service as delivery
from hikeshi.delivery.rules import Status as DeliveryStatus
from hikeshi.delivery.service import Outgoing
from hikeshi.incidents import announcement
from hikeshi.incidents.announcement import Facts, ProductName
from hikeshi.incidents.announcement_models import IncidentAnnouncement
from hikeshi.incidents.models import Incident
from hikeshi.incidents.rules import SEVERITY_MEANINGS, STATUS_LABELS, Severity, Status
from hikeshi.jobs.registry import JobContext, JobRegistry, JobSpec
from hikeshi.jobs.service import enqueue

log = logging.getLogger("hikeshi.incidents")

REPLY_JOB = "incidents.announcement_reply"
# All staff get one email at declaration and one at recovery; changes in between at most this often.
EMAIL_INTERVAL = timedelta(minutes=30)
# Facts whose change is worth an email in between (a new commander is not).
MATERIAL = (
    "status_label",
    "severity_label",
    "stores_japan",
    "stores_overseas",
    "web_booking_affected",
    "affected",
    "hotfix_deployer",
    "hotfix_at",
    "started_at",
)
UNANNOUNCED = frozenset({Status.TRIAGE, Status.DISMISSED})


@dataclass(frozen=True, slots=True)
class AnnouncementContext:
    """Where announcements go and how they read: HIKESHI_ANNOUNCE_CHANNEL / _EMAIL, language, zone."""

    language: str
    timezone: str
    base_url: str
    channel: str = ""  # "": no chat post
    email: str = ""  # "": no email

    @classmethod
    def from_settings(cls, settings: Settings) -> AnnouncementContext:
        return cls(
            language=settings.language,
            timezone=settings.timezone,
            base_url=settings.public_url(""),
            channel=settings.announce_channel.strip(),
            email=settings.announce_email.strip(),
        )


def incident_link(base_url: str, number: int) -> str:
    return f"{base_url}/incidents/{number}"


def announced_facts(*, session: Session, incident: Incident, base_url: str) -> Facts:
    """The incident's facts as the announcement states them: names resolved, corrections applied."""
    products = list_products(session=session)
    affected_ids = set(incident.product_ids or ())
    status = Status(incident.status)
    severity = Severity(incident.severity) if incident.severity in set(Severity) else None
    return Facts(
        number=incident.number,
        title=incident.title,
        status=status.value,
        status_label=STATUS_LABELS[status],
        severity_label=incident.severity,
        severity_meaning=SEVERITY_MEANINGS[severity] if severity is not None else "",
        started_at=incident.started_at or incident.declared_at,
        resolved_at=incident.resolved_at if status == Status.RESOLVED else None,
        stores_japan=_chosen(incident.override_stores_japan, incident.impact_stores_japan),
        stores_overseas=_chosen(incident.override_stores_overseas, incident.impact_stores_overseas),
        web_booking_affected=_web_booking(incident),
        affected=tuple(_name(p) for p in products if p.id in affected_ids),
        unaffected=tuple(_name(p) for p in products if p.customer_facing and p.id not in affected_ids),
        link=incident_link(base_url, incident.number),
        hotfix_deployer=_person(session, incident.hotfix_deployer_id),
        hotfix_at=incident.hotfix_planned_at,
        commander=_person(session, incident.commander_id),
        comms_lead=_person(session, incident.comms_lead_id),
    )


def _chosen(override: int | None, estimate: int) -> int:
    return estimate if override is None else override


def _web_booking(incident: Incident) -> bool:
    if incident.override_web_booking is None:
        return incident.impact_web_booking
    return incident.override_web_booking


class _Named(Protocol):
    name_ja: str
    name_en: str


def _name(product: _Named) -> ProductName:
    return ProductName(ja=product.name_ja, en=product.name_en)


def _person(session: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    try:
        return get_user(session=session, user_id=user_id).name
    except NotFound:
        return None


def find_announcement(*, session: Session, incident_id: int) -> IncidentAnnouncement | None:
    query = select(IncidentAnnouncement).where(IncidentAnnouncement.incident_id == incident_id)
    return session.scalar(query)


def announce_incident(
    *,
    session: Session,
    incident: Incident,
    changes: list[str],
    now: datetime,
    context: AnnouncementContext,
) -> IncidentAnnouncement | None:
    """Post, or bring up to date, the incident's announcement; None while it is not announced.

    An incident in triage (or dismissed from it) is not announced. `changes` names what the caller
    changed; the words in the thread reply come from comparing the facts as last announced.
    """
    announced = find_announcement(session=session, incident_id=incident.id)
    if announced is None and Status(incident.status) in UNANNOUNCED:
        return None
    facts = announced_facts(session=session, incident=incident, base_url=context.base_url)
    if announced is None:
        return _first_post(session=session, incident=incident, facts=facts, now=now, context=context)
    if announced.facts_hash == facts.digest():
        return announced
    _update(session=session, announced=announced, facts=facts, changes=changes, now=now, context=context)
    return announced


def _first_post(
    *, session: Session, incident: Incident, facts: Facts, now: datetime, context: AnnouncementContext
) -> IncidentAnnouncement:
    announced = IncidentAnnouncement(
        incident_id=incident.id,
        chat_channel=context.channel,
        email_address=context.email,
        emails_sent=0,
        last_emailed_status="",
        facts=facts.to_json(),
        facts_hash=facts.digest(),
        revisions=1,
        posted_at=now,
        updated_at=now,
    )
    session.add(announced)
    if context.channel:
        text, blocks = announcement.chat_message(facts, language=context.language, timezone=context.timezone)
        posted = delivery.send(
            session=session,
            channel="chat",
            message=Outgoing(
                target=context.channel,
                text=text,
                extra={"blocks": blocks},
                idempotency_key=f"incident-announcement:{incident.id}",
            ),
            now=now,
            source=f"incident:{incident.number}:announcement",
        )
        announced.chat_delivery_id = posted.id
    if context.email:
        _email(session=session, announced=announced, facts=facts, changes=[], now=now, context=context)
    session.flush()
    return announced


def _update(
    *,
    session: Session,
    announced: IncidentAnnouncement,
    facts: Facts,
    changes: list[str],
    now: datetime,
    context: AnnouncementContext,
) -> None:
    before = Facts.from_json(announced.facts)
    lines = announcement.change_lines(before, facts, language=context.language, timezone=context.timezone)
    if announced.chat_delivery_id is not None:
        text, blocks = announcement.chat_message(facts, language=context.language, timezone=context.timezone)
        delivery.update_chat_message(
            session=session, delivery_id=announced.chat_delivery_id, text=text, blocks=blocks, now=now
        )
        if lines:
            reply_text, reply_blocks = announcement.change_reply(
                facts, lines, language=context.language, timezone=context.timezone
            )
            # Recovery (and a reopening after it) is the company's news: the reply shows in the channel too.
            broadcast = before.resolved != facts.resolved
            _reply(
                session=session,
                announced=announced,
                text=reply_text,
                blocks=reply_blocks,
                broadcast=broadcast,
                now=now,
            )
    if context.email and _email_due(announced, before=before, after=facts, now=now):
        _email(session=session, announced=announced, facts=facts, changes=lines, now=now, context=context)
    announced.facts = facts.to_json()
    announced.facts_hash = facts.digest()
    announced.revisions += 1
    announced.updated_at = now
    log.info("incident #%s announcement updated (%s)", facts.number, ", ".join(changes) or "facts")


def _email_due(announced: IncidentAnnouncement, *, before: Facts, after: Facts, now: datetime) -> bool:
    """Recovery and reopening always; a material change when the last email is old enough (all staff,
    not a pager)."""
    if after.resolved:
        return announced.last_emailed_status != Status.RESOLVED
    if before.resolved:
        return True  # reopened: whoever read "recovered" must hear it is not
    old, new = before.to_json(), after.to_json()
    if not any(old.get(name) != new.get(name) for name in MATERIAL):
        return False
    last = announced.last_emailed_at
    return last is None or now - last >= EMAIL_INTERVAL


def _email(
    *,
    session: Session,
    announced: IncidentAnnouncement,
    facts: Facts,
    changes: list[str],
    now: datetime,
    context: AnnouncementContext,
) -> None:
    subject, text, html = announcement.email(
        facts, changes=changes, language=context.language, timezone=context.timezone
    )
    delivery.send(
        session=session,
        channel="email",
        message=Outgoing(target=context.email, text=text, subject=subject, html=html),
        now=now,
        source=f"incident:{facts.number}:announcement",
    )
    announced.email_address = context.email
    announced.emails_sent += 1
    announced.last_emailed_at = now
    announced.last_emailed_status = facts.status


def _reply(
    *,
    session: Session,
    announced: IncidentAnnouncement,
    text: str,
    blocks: list[dict[str, Any]],
    broadcast: bool,
    now: datetime,
) -> None:
    """A reply in the post's thread: at once when the post is out, else once it is (a job waits)."""
    assert announced.chat_delivery_id is not None
    post = delivery.get_delivery(session=session, delivery_id=announced.chat_delivery_id)
    if post.status == DeliveryStatus.SENT and post.provider_id:
        _send_reply(session=session, post_id=post.id, text=text, blocks=blocks, broadcast=broadcast, now=now)
        return
    payload = {"post_id": post.id, "text": text, "blocks": blocks, "broadcast": broadcast}
    enqueue(session=session, kind=REPLY_JOB, payload=payload, now=now, due_at=now + timedelta(seconds=2))


def _send_reply(
    *,
    session: Session,
    post_id: int,
    text: str,
    blocks: list[dict[str, Any]],
    broadcast: bool = False,
    now: datetime,
) -> None:
    post = delivery.get_delivery(session=session, delivery_id=post_id)
    channel = str((post.extra or {}).get("channel_id") or post.target)
    extra: dict[str, Any] = {"blocks": blocks, "thread_ts": post.provider_id}
    if broadcast:
        extra["reply_broadcast"] = True
    message = Outgoing(target=channel, text=text, extra=extra)
    delivery.send(session=session, channel="chat", message=message, now=now, source=f"thread:{post.id}")


def register(registry: JobRegistry) -> None:
    registry.register(JobSpec(kind=REPLY_JOB, handler=reply_when_posted, max_attempts=80))


def reply_when_posted(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Send a waiting thread reply once its post is out; give up with the post if it never goes out."""
    with ctx.sessions() as session:
        post = delivery.get_delivery(session=session, delivery_id=int(payload["post_id"]))
        if post.status in (DeliveryStatus.FAILED, DeliveryStatus.DEAD):
            log.warning("announcement %s was never posted; its thread reply is dropped", post.id)
            return
        if post.status != DeliveryStatus.SENT or not post.provider_id:
            wait = min(2 * ctx.attempt, 60)  # seconds after declaring; longer while the chat is down
            raise ExternalServiceError("the announcement is not posted yet", retry_after_seconds=wait)
        blocks = list(payload.get("blocks") or [])
        _send_reply(
            session=session,
            post_id=post.id,
            text=str(payload["text"]),
            blocks=blocks,
            broadcast=bool(payload.get("broadcast")),
            now=ctx.clock(),
        )
        session.commit()
