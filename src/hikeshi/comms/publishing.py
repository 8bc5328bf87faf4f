"""Approving and publishing a notice: one step, by a person allowed to speak for the company.

Publishing marks the notice approved and published, writes its history, then hands it to each channel
it names, in the same transaction (each channel only enqueues its work, so a rollback sends nothing):
the status page and the in-app feed see it through one public change (`changes.mark_changed`), email
starts a campaign, calls make the call list, partners get their messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hikeshi.accounts import service as accounts
from hikeshi.catalog import service as catalog
from hikeshi.catalog.models import Product
from hikeshi.comms import calls, campaigns, changes, partner_notices
from hikeshi.comms.approvers import speaks_for_company
from hikeshi.comms.campaign_rules import RenderedEmail, render_notice_email
from hikeshi.comms.campaigns import STATUS_PATH, UNSUBSCRIBE_PATH
from hikeshi.comms.feed_rules import feed_item
from hikeshi.comms.models import Notice
from hikeshi.comms.notices import check_editable, get_notice, record_revision
from hikeshi.comms.partner_notices import PartnerMessage, partner_email, webhook_payload
from hikeshi.comms.rules import NoticeChannel, NoticeStatus
from hikeshi.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hikeshi.core.i18n import LANGUAGES
from hikeshi.core.settings import Settings


@dataclass(frozen=True, slots=True)
class PublishingContext:
    """What publishing needs from the settings: links, the stores' opening hours, the signature."""

    base_url: str
    open_hours: str
    company: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> PublishingContext:
        return cls(
            base_url=settings.public_url(""),
            open_hours=settings.store_open_hours,
            company=settings.status_page_title,
        )


def check_may_publish(*, session: Session, user_id: int) -> None:
    """PermissionDenied naming why, for anyone who may not speak for the company."""
    try:
        user = accounts.get_user(session=session, user_id=user_id)
    except NotFound:
        raise PermissionDenied("Only an administrator or a support team lead may publish notices.") from None
    if not speaks_for_company(user):
        raise PermissionDenied(
            "Only an administrator or a support team lead may approve and publish notices to customers "
            "(your role: {role}).",
            role=user.role,
        )


def check_publishable(notice: Notice) -> None:
    """Everything customers will read is there: both languages (the status page has an English switch)."""
    for name in ("title_ja", "body_ja"):
        if not getattr(notice, name).strip():
            raise InvalidInput("{field}: the Japanese text is required", field=name)
    for name in ("title_en", "body_en"):
        if not getattr(notice, name).strip():
            raise InvalidInput(
                "{field}: the English text is required to publish (the status page has an English version)",
                field=name,
            )
    if not notice.channels:
        raise InvalidInput("channels: choose at least one channel to publish to", field="channels")


def publish_notice(
    *, session: Session, notice_id: int, by: int, now: datetime, base_url: str, open_hours: str
) -> Notice:
    """Approve and publish the notice, then start every channel it names."""
    check_may_publish(session=session, user_id=by)
    notice = get_notice(session=session, notice_id=notice_id, lock=True)
    if notice.status == NoticeStatus.PUBLISHED:
        raise Conflict("notice {value} is already published", value=notice.id)
    check_editable(notice)
    check_publishable(notice)
    notice.status = NoticeStatus.PUBLISHED.value
    notice.approved_by_id = by
    notice.approved_at = now
    notice.published_at = now
    notice.updated_at = now
    record_revision(session, notice, "published", by=by, now=now)
    channels = set(notice.channels)
    if channels & {NoticeChannel.STATUS_PAGE, NoticeChannel.IN_APP}:
        changes.mark_changed(session=session, now=now)
    if NoticeChannel.EMAIL in channels:
        campaigns.start_campaign(session=session, notice=notice, now=now)
    if NoticeChannel.CALLS in channels and notice.incident_id is not None:
        calls.create_call_list(session=session, notice=notice, now=now, open_hours=open_hours)
    if NoticeChannel.PARTNERS in channels:
        partner_notices.notify_partners(session=session, notice=notice, now=now, base_url=base_url)
    session.flush()
    return notice


@dataclass(frozen=True, slots=True)
class Preview:
    """What each channel would show, rendered by the same code that sends it."""

    status_page: dict[str, dict[str, Any]]  # per language: the status page's card
    in_app: dict[str, dict[str, object]]  # per language: the in-app feed's item
    emails: dict[str, RenderedEmail]  # per language: the customer email
    partner_email: PartnerMessage
    partner_webhook: dict[str, Any]


def preview_notice(*, session: Session, notice_id: int, base_url: str, company: str = "") -> Preview:
    notice = get_notice(session=session, notice_id=notice_id)
    products = {product.id: product for product in catalog.list_products(session=session)}
    status_url = f"{base_url.rstrip('/')}{STATUS_PATH}"
    unsubscribe_url = f"{base_url.rstrip('/')}{UNSUBSCRIBE_PATH}"
    shown = [products[pid] for pid in notice.product_ids if pid in products]
    names = {"ja": [p.name_ja for p in shown], "en": [p.name_en or p.name_ja for p in shown]}
    return Preview(
        status_page={lang: _status_card(notice, products, lang) for lang in LANGUAGES},
        in_app={
            lang: feed_item(notice=notice, language=lang, products=products, base_url=base_url)
            for lang in LANGUAGES
        },
        emails={
            lang: render_notice_email(
                notice=notice,
                language=lang,
                status_url=status_url,
                unsubscribe_url=unsubscribe_url,
                company=company,
            )
            for lang in LANGUAGES
        },
        partner_email=partner_email(
            notice=notice, partner_name="", product_names=names, status_url=status_url
        ),
        partner_webhook=webhook_payload(
            notice=notice, product_slugs=[p.slug for p in shown], status_url=status_url
        ),
    )


def _status_card(notice: Notice, products: dict[int, Product], language: str) -> dict[str, Any]:
    """The notice as the status page's incident card shows it (the page renders the same fields)."""
    english = language == "en"
    components = []
    for key, status in sorted(notice.component_statuses.items()):
        product = products.get(int(key)) if key.isdigit() else None
        if product is None or not product.customer_facing:
            continue
        components.append({"name": product.name_en if english else product.name_ja, "status": status})
    return {
        "name": (notice.title_en or notice.title_ja) if english else notice.title_ja,
        "status": notice.public_status,
        "impact": notice.impact,
        "body": (notice.body_en or notice.body_ja) if english else notice.body_ja,
        "components": components,
    }
