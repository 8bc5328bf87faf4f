"""A notice's email to the affected accounts: listed in chunks, sent by the delivery engine, followed up.

`start_campaign` only records the campaign and enqueues its build job. Each run of the build job lists
the next chunk of addresses (in address order, after the last one already listed), leaves out those
that opted out, and asks delivery for their emails in the same transaction: a crash between chunks
resumes at the first address not yet listed, and the idempotency key of each (notice, address) keeps
a re-run from asking twice. A recipient's sending state is its delivery's, read through a join.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from hikeshi.catalog.impact import AffectedAccount, affected_accounts
from hikeshi.catalog.models import Store
from hikeshi.comms.campaign_rules import (
    RenderedEmail,
    delivery_key,
    message_id,
    recipient_status,
    render_notice_email,
    unsubscribe_headers,
    unsubscribe_token,
)
from hikeshi.comms.models import CampaignRecipient, EmailCampaign, EmailOptOut, Notice
from hikeshi.comms.rules import CampaignStatus, NoticeStatus, RecipientStatus
from hikeshi.core.errors import Conflict, InvalidInput, NotFound
from hikeshi.delivery.models import Delivery
from hikeshi.delivery.rules import Channel, validate_target
from hikeshi.delivery.service import Outgoing, send_many
from hikeshi.jobs.service import enqueue

BUILD_JOB = "comms.campaign_build"
CHECK_JOB = "comms.campaign_check"
CHUNK_SIZE = 1000
CHECK_EVERY = timedelta(seconds=2)
STATUS_PATH = "/status"
UNSUBSCRIBE_PATH = "/notices/unsubscribe"
ONE_CLICK_PATH = "/notices/unsubscribe/one-click"
_PLACEHOLDER = "__hikeshi_unsubscribe_url__"
NOT_AN_ADDRESS = "not an email address; correct the store's account in the catalog"


@dataclass(frozen=True, slots=True)
class CampaignProgress:
    campaign_id: int
    notice_id: int
    status: str
    total: int | None  # None: recipients still being listed
    queued: int
    sent: int
    failed: int
    opted_out: int

    @property
    def finished(self) -> bool:
        return self.status == CampaignStatus.DONE

    @property
    def handled(self) -> int:
        """Recipients with a final outcome: sent, failed or opted out."""
        return self.sent + self.failed + self.opted_out


@dataclass(frozen=True, slots=True)
class Addressing:
    """What the emails need from the settings: links, the sender's domain, the signature, the link key."""

    base_url: str
    sender: str
    company: str
    key: bytes

    def link(self, path: str) -> str:
        return f"{self.base_url.rstrip('/')}{path}"


@dataclass(frozen=True, slots=True)
class RecipientRow:
    email: str
    store_id: int | None
    store_name: str  # for staff following up; never in an email
    language: str
    status: str
    error: str


def start_campaign(
    *, session: Session, notice: Notice, now: datetime, chunk_size: int = CHUNK_SIZE
) -> EmailCampaign:
    """The notice's campaign, created (listing its recipients starts in a job) or the existing one."""
    existing = session.scalar(select(EmailCampaign).where(EmailCampaign.notice_id == notice.id))
    if existing is not None:
        return existing
    if notice.status != NoticeStatus.PUBLISHED:
        raise Conflict("notice {value} is not published; its email cannot be sent", value=notice.id)
    campaign = EmailCampaign(
        notice_id=notice.id, status=CampaignStatus.PREPARING.value, created_at=now, updated_at=now
    )
    session.add(campaign)
    session.flush()
    payload = {"campaign_id": campaign.id, "chunk_size": max(1, chunk_size)}
    enqueue(
        session=session, kind=BUILD_JOB, payload=payload, now=now, idempotency_key=_build_key(campaign.id, "")
    )
    return campaign


def _build_key(campaign_id: int, after: str) -> str:
    return f"comms-campaign-build:{campaign_id}:{hashlib.sha256(after.encode()).hexdigest()[:24]}"


def build_recipients(
    *, session: Session, campaign_id: int, now: datetime, addressing: Addressing, chunk_size: int = CHUNK_SIZE
) -> int:
    """List the next chunk of recipients and ask for their emails; how many were listed (0: none left)."""
    campaign = session.get(EmailCampaign, campaign_id, with_for_update=True)  # one builder at a time
    if campaign is None or campaign.status != CampaignStatus.PREPARING:
        return 0
    notice = session.get(Notice, campaign.notice_id)
    if notice is None:
        return 0
    after = session.scalar(
        select(func.max(CampaignRecipient.email)).where(CampaignRecipient.campaign_id == campaign.id)
    )
    rows = affected_accounts(
        session=session,
        product_ids=notice.product_ids,
        region_codes=notice.region_codes,
        after_email=after,
        limit=chunk_size,
    )
    opted = _opted_out(session, [row.email for row in rows])
    unusable = {row.email for row in rows if not _deliverable(row.email)}
    sendable = [row for row in rows if row.email not in opted and row.email not in unusable]
    deliveries = send_many(
        session=session,
        channel="email",
        messages=_emails(notice, sendable, addressing),
        now=now,
        source=f"notice:{notice.id}",
    )
    delivery_ids = {row.email: delivery.id for row, delivery in zip(sendable, deliveries, strict=True)}
    if rows:
        session.execute(
            insert(CampaignRecipient),
            [
                {
                    "campaign_id": campaign.id,
                    "email": row.email,
                    "store_id": row.store_id,
                    "language": row.language,
                    "status": _first_status(row.email, opted, unusable).value,
                    "delivery_id": delivery_ids.get(row.email),
                    "error": NOT_AN_ADDRESS if row.email in unusable else "",
                    "updated_at": now,
                }
                for row in rows
            ],
        )
    campaign.updated_at = now
    if len(rows) < chunk_size:
        _listed(session, campaign, now)
    else:
        payload = {"campaign_id": campaign.id, "chunk_size": chunk_size}
        key = _build_key(campaign.id, rows[-1].email)
        enqueue(session=session, kind=BUILD_JOB, payload=payload, now=now, idempotency_key=key)
    return len(rows)


def _deliverable(address: str) -> bool:
    """A store account's address the email channel accepts; others are listed as failed, not sent."""
    try:
        validate_target(Channel.EMAIL, address)
    except InvalidInput:
        return False
    return True


def _first_status(address: str, opted: set[str], unusable: set[str]) -> RecipientStatus:
    if address in opted:
        return RecipientStatus.OPTED_OUT
    return RecipientStatus.FAILED if address in unusable else RecipientStatus.QUEUED


def _opted_out(session: Session, emails: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(emails), 500):
        chunk = emails[start : start + 500]
        found.update(session.scalars(select(EmailOptOut.email).where(EmailOptOut.email.in_(chunk))))
    return found


def _emails(notice: Notice, rows: list[AffectedAccount], addressing: Addressing) -> list[Outgoing]:
    """One email per address; the text is rendered once per language, the link put in per address."""
    rendered: dict[str, RenderedEmail] = {}
    messages = []
    for row in rows:
        email = rendered.get(row.language)
        if email is None:
            email = rendered[row.language] = render_notice_email(
                notice=notice,
                language=row.language,
                status_url=addressing.link(STATUS_PATH),
                unsubscribe_url=_PLACEHOLDER,
                company=addressing.company,
            )
        token = unsubscribe_token(email=row.email, key=addressing.key)
        page = addressing.link(f"{UNSUBSCRIBE_PATH}?token={token}")
        headers = unsubscribe_headers(one_click_url=addressing.link(f"{ONE_CLICK_PATH}?token={token}"))
        messages.append(
            Outgoing(
                target=row.email,
                subject=email.subject,
                text=email.text.replace(_PLACEHOLDER, page),
                html=email.html.replace(_PLACEHOLDER, escape(page)),
                extra={
                    "headers": headers,
                    "message_id": message_id(notice_id=notice.id, email=row.email, sender=addressing.sender),
                },
                idempotency_key=delivery_key(notice_id=notice.id, email=row.email),
            )
        )
    return messages


def _listed(session: Session, campaign: EmailCampaign, now: datetime) -> None:
    """Every recipient is listed: count them, and follow the sending until nothing is queued."""
    counts = _counts(session, campaign.id)
    campaign.recipients_total = sum(counts.values())
    campaign.opted_out = counts[RecipientStatus.OPTED_OUT]
    campaign.status = CampaignStatus.SENDING.value
    check_campaign(session=session, campaign_id=campaign.id, now=now)


def check_campaign(*, session: Session, campaign_id: int, now: datetime) -> bool:
    """Mark the campaign done once nothing is queued, else look again shortly; whether it is done."""
    campaign = session.get(EmailCampaign, campaign_id)
    if campaign is None or campaign.status == CampaignStatus.DONE:
        return True
    if campaign.status == CampaignStatus.PREPARING:
        return False
    if _counts(session, campaign.id)[RecipientStatus.QUEUED] == 0:
        campaign.status = CampaignStatus.DONE.value
        campaign.finished_at = campaign.updated_at = now
        return True
    payload = {"campaign_id": campaign.id}
    replace_key = f"campaign-check:{campaign.id}"
    enqueue(
        session=session,
        kind=CHECK_JOB,
        payload=payload,
        now=now,
        due_at=now + CHECK_EVERY,
        replace_key=replace_key,
    )
    return False


def _counts(session: Session, campaign_id: int) -> dict[RecipientStatus, int]:
    """Recipients by status in one grouped query, however many there are."""
    query = (
        select(CampaignRecipient.status, Delivery.status, func.count())
        .select_from(CampaignRecipient)
        .outerjoin(Delivery, Delivery.id == CampaignRecipient.delivery_id)
        .where(CampaignRecipient.campaign_id == campaign_id)
        .group_by(CampaignRecipient.status, Delivery.status)
    )
    counts = dict.fromkeys(RecipientStatus, 0)
    for own, delivered, count in session.execute(query):
        counts[recipient_status(own=own, delivery_status=delivered)] += count
    return counts


def get_campaign(*, session: Session, notice_id: int) -> EmailCampaign:
    campaign = session.scalar(select(EmailCampaign).where(EmailCampaign.notice_id == notice_id))
    if campaign is None:
        raise NotFound("notice {value} has no email campaign", value=notice_id)
    return campaign


def campaign_progress(*, session: Session, notice_id: int) -> CampaignProgress | None:
    """Where the notice's email stands; None when the notice was not sent by email."""
    campaign = session.scalar(select(EmailCampaign).where(EmailCampaign.notice_id == notice_id))
    if campaign is None:
        return None
    counts = _counts(session, campaign.id)
    status = campaign.status
    if status == CampaignStatus.SENDING and counts[RecipientStatus.QUEUED] == 0:
        status = CampaignStatus.DONE.value  # the follow-up job has not looked yet
    return CampaignProgress(
        campaign_id=campaign.id,
        notice_id=notice_id,
        status=status,
        total=campaign.recipients_total,
        queued=counts[RecipientStatus.QUEUED],
        sent=counts[RecipientStatus.SENT],
        failed=counts[RecipientStatus.FAILED],
        opted_out=counts[RecipientStatus.OPTED_OUT],
    )


def list_recipients(
    *, session: Session, notice_id: int, status: str | None = None, limit: int = 100, offset: int = 0
) -> list[RecipientRow]:
    """A campaign's recipients by address, with their store and status; `status` filters (failed…)."""
    campaign = get_campaign(session=session, notice_id=notice_id)
    query = (
        select(CampaignRecipient, Delivery.status, Delivery.last_error, Store.name)
        .outerjoin(Delivery, Delivery.id == CampaignRecipient.delivery_id)
        .outerjoin(Store, Store.id == CampaignRecipient.store_id)
        .where(CampaignRecipient.campaign_id == campaign.id)
        .order_by(CampaignRecipient.email)
    )
    if status == RecipientStatus.FAILED:
        failed = Delivery.status.in_(("failed", "dead", "superseded"))
        query = query.where(or_(failed, CampaignRecipient.status == RecipientStatus.FAILED))
    elif status == RecipientStatus.OPTED_OUT:
        query = query.where(CampaignRecipient.status == RecipientStatus.OPTED_OUT)
    elif status == RecipientStatus.SENT:
        query = query.where(Delivery.status == "sent")
    elif status == RecipientStatus.QUEUED:
        query = query.where(Delivery.status.in_(("queued", "sending")))
    query = query.limit(max(1, min(limit, 10_000))).offset(max(0, offset))
    rows = []
    for recipient, delivered, error, store_name in session.execute(query):
        state = recipient_status(own=recipient.status, delivery_status=delivered)
        rows.append(
            RecipientRow(
                email=recipient.email,
                store_id=recipient.store_id,
                store_name=store_name or "",
                language=recipient.language,
                status=state.value,
                error=(error or recipient.error) if state == RecipientStatus.FAILED else "",
            )
        )
    return rows


def campaign_failures(*, session: Session, notice_id: int, limit: int = 1000) -> list[RecipientRow]:
    """The addresses that will not get the email (refused, or given up on), for support to follow up."""
    return list_recipients(session=session, notice_id=notice_id, status=RecipientStatus.FAILED, limit=limit)
