"""The late-recovery rule (FLOW.md §4): hikeshi drafts the notices and asks a person to approve them.

When an incident is declared, a timer (`LATE_CHECK_JOB`, one per incident) is set for
`HIKESHI_LATE_RECOVERY_MINUTES` after the declaration. If the incident is still not resolved when it
fires and nobody has written a first notice, the first notice is drafted for every channel and the
comms lead (else the commander, else every approver) is asked to approve it, in the web inbox and by
Slack DM when they have a Slack contact method. At resolution the "resolved" notice is drafted the same
way. Each step checks what exists before it acts, so a job that runs twice drafts one notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from hikeshi.accounts import service as accounts
from hikeshi.accounts.models import User
from hikeshi.comms.approvers import list_approvers
from hikeshi.comms.drafting import JAPAN_TIME
from hikeshi.comms.models import Notice
from hikeshi.comms.notices import create_notice, find_open_notice, list_notices
from hikeshi.comms.rules import NoticeChannel, NoticeKind, NoticeStatus
from hikeshi.core.errors import InvalidInput, NotFound
from hikeshi.core.i18n import translations
from hikeshi.core.settings import Settings
from hikeshi.delivery import service as delivery
from hikeshi.delivery.service import Outgoing
from hikeshi.incidents import queries as incidents
from hikeshi.incidents.models import Incident
from hikeshi.incidents.rules import ACTIVE_STATUSES, Status
from hikeshi.jobs.service import enqueue

LATE_CHECK_JOB = "comms.late_check"
SOURCE = "comms:approval"


@dataclass(frozen=True, slots=True)
class LateRule:
    """HIKESHI_LATE_RECOVERY_MINUTES, and where the links in the requests point."""

    minutes: int
    base_url: str
    timezone: str = JAPAN_TIME

    @classmethod
    def from_settings(cls, settings: Settings) -> LateRule:
        return cls(
            minutes=settings.late_recovery_minutes,
            base_url=settings.public_url(""),
            timezone=settings.timezone,
        )

    def link(self, path: str) -> str:
        return f"{self.base_url.rstrip('/')}{path}"


def notice_path(notice_id: int) -> str:
    return f"/notices/{notice_id}"


def on_status_changed(
    *, session: Session, incident_id: int, previous: str, current: str, now: datetime, rule: LateRule
) -> Notice | None:
    """Declared (or reopened): set the timer. Resolved: draft the resolved notice."""
    try:
        incident = incidents.get_incident_by_id(session=session, incident_id=incident_id, lock=True)
    except NotFound:
        return None  # deleted since: nothing to tell anyone
    active = {status.value for status in ACTIVE_STATUSES}
    if current in active and previous not in active and incident.declared_at is not None:
        enqueue(
            session=session,
            kind=LATE_CHECK_JOB,
            payload={"incident_id": incident.id},
            now=now,
            due_at=incident.declared_at + timedelta(minutes=rule.minutes),
            replace_key=f"late-check:{incident.id}",
        )
        return None
    if current == Status.RESOLVED and incident.status == Status.RESOLVED:
        return draft_resolved_notice(session=session, incident=incident, now=now, rule=rule)
    return None


def run_late_check(*, session: Session, incident_id: int, now: datetime, rule: LateRule) -> Notice | None:
    """The timer: still not resolved and no first notice yet, so draft one and ask for approval."""
    try:
        incident = incidents.get_incident_by_id(session=session, incident_id=incident_id, lock=True)
    except NotFound:
        return None  # deleted since: nothing to tell anyone
    if incident.status not in {status.value for status in ACTIVE_STATUSES} or incident.declared_at is None:
        return None
    if incident.declared_at + timedelta(minutes=rule.minutes) > now:
        return None  # reopened and rescheduled: the newer timer decides
    if find_open_notice(session=session, incident_id=incident.id, kinds=[NoticeKind.FIRST]) is not None:
        return None
    notice = create_notice(
        session=session,
        incident_id=incident.id,
        maintenance_id=None,
        kind=NoticeKind.FIRST,
        by=None,
        now=now,
        drafted_by_rule=True,
        timezone=rule.timezone,
    )
    ask_for_approval(session=session, notice=notice, incident=incident, now=now, rule=rule)
    return notice


def draft_resolved_notice(
    *, session: Session, incident: Incident, now: datetime, rule: LateRule
) -> Notice | None:
    """Once per resolution: not while the latest notice is already a resolved one (draft or published).

    Channels: those of the last published notice (no calls: only a first notice makes the call list),
    or the defaults when none was published."""
    latest = find_open_notice(
        session=session,
        incident_id=incident.id,
        kinds=[NoticeKind.FIRST, NoticeKind.UPDATE, NoticeKind.RESOLVED],
    )
    if latest is not None and latest.kind == NoticeKind.RESOLVED:
        return None
    published = list_notices(session=session, incident_id=incident.id, status=NoticeStatus.PUBLISHED)
    channels = None
    if published:
        last = max(published, key=lambda n: (n.published_at or n.created_at, n.id))
        channels = [c for c in last.channels if c != NoticeChannel.CALLS] or None
    notice = create_notice(
        session=session,
        incident_id=incident.id,
        maintenance_id=None,
        kind=NoticeKind.RESOLVED,
        by=None,
        now=now,
        channels=channels,
        drafted_by_rule=True,
        timezone=rule.timezone,
    )
    ask_for_approval(session=session, notice=notice, incident=incident, now=now, rule=rule)
    return notice


def approval_recipients(*, session: Session, incident: Incident) -> list[User]:
    """The comms lead, else the commander, else everyone who may approve."""
    for user_id in (incident.comms_lead_id, incident.commander_id):
        if user_id is None:
            continue
        try:
            person = accounts.get_user(session=session, user_id=user_id)
        except NotFound:
            continue
        if person.is_active:
            return [person]
    return list_approvers(session=session)


def ask_for_approval(
    *, session: Session, notice: Notice, incident: Incident, now: datetime, rule: LateRule
) -> int:
    """An inbox message to each person asked, and a Slack DM to those with a Slack contact method."""
    asked = 0
    for person in approval_recipients(session=session, incident=incident):
        subject, text = _request(notice, incident, person, rule)
        key = f"{SOURCE}:{notice.id}:{person.id}"
        inbox = Outgoing(
            target=str(person.id),
            text=text,
            subject=subject,
            extra={"link": notice_path(notice.id)},
            user_id=person.id,
            idempotency_key=f"{key}:inbox",
        )
        delivery.send(session=session, channel="inbox", message=inbox, now=now, source=SOURCE)
        for method in person.contact_methods:
            if method.kind != "slack":
                continue
            chat = Outgoing(
                target=method.address,
                text=f"{subject}\n{text}",
                extra={
                    "blocks": [
                        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{subject}*\n{text}"[:2900]}}
                    ]
                },
                user_id=person.id,
                idempotency_key=f"{key}:chat:{method.id}",
            )
            try:
                delivery.send(session=session, channel="chat", message=chat, now=now, source=SOURCE)
            except InvalidInput:
                continue  # a Slack id delivery cannot use: the inbox message still asks
        asked += 1
    return asked


def _request(notice: Notice, incident: Incident, person: User, rule: LateRule) -> tuple[str, str]:
    _ = translations("en" if person.language == "en" else "ja").gettext
    subject = _("[hikeshi] Please approve the customer notice for incident #{number}").format(
        number=incident.number
    )
    if notice.kind == NoticeKind.RESOLVED:
        why = _("Incident #{number} is resolved. A notice telling customers so has been drafted.")
    else:
        why = _(
            "Incident #{number} is not resolved {minutes} minutes after it was declared. "
            "A first notice to customers has been drafted for every channel."
        )
    title = notice.title_en if person.language == "en" and notice.title_en else notice.title_ja
    lines = [
        why.format(number=incident.number, minutes=rule.minutes),
        _("Notice: {title}").format(title=title),
        _("Review, edit and publish it: {link}").format(link=rule.link(notice_path(notice.id))),
    ]
    return subject, "\n".join(lines)
