"""Notices to the API partners whose integration depends on the affected products.

Each partner gets the notice by email at every contact with an address (Japanese first, then English,
in one message: the catalog keeps no language per partner) and, when it has a webhook URL, as a signed
JSON webhook (`docs/partner-notices.md`). One `PartnerNotification` row per (notice, partner, channel,
target) makes it idempotent: publishing again, or a retried job, asks for nothing twice.

Only the notice's public fields leave: its titles, bodies, public status, the products' customer-facing
names and slugs, the status page's address. Never the incident's internal fields or store names.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import Any, Final

from sqlalchemy import Executable, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hikeshi.catalog.partners import list_partners, partner_contacts, partners_depending_on
from hikeshi.catalog.service import list_products
from hikeshi.comms.models import Notice, PartnerNotification
from hikeshi.comms.rules import MaintenanceStatus, NoticeKind, PublicStatus
from hikeshi.comms.status_rules import INCIDENT_LABELS, MAINTENANCE_LABELS
from hikeshi.core.i18n import N_, Language, Translator
from hikeshi.delivery.rules import Channel
from hikeshi.delivery.service import Outgoing, get_delivery, send

EVENT: Final = "notice.published"
SOURCE: Final = "comms.partner_notice"
PUBLIC_TIMEZONE: Final = "Asia/Tokyo"
STATUS_PATH: Final = "/status"
_KIND_LABELS: Final = {
    NoticeKind.FIRST: N_("Notice of service disruption"),
    NoticeKind.UPDATE: N_("Update on the service disruption"),
    NoticeKind.RESOLVED: N_("Notice of recovery"),
    NoticeKind.MAINTENANCE: N_("Notice of scheduled maintenance"),
}


@dataclass(frozen=True, slots=True)
class PartnerMessage:
    subject: str
    text: str
    html: str


@dataclass(frozen=True, slots=True)
class PartnerDelivery:
    """A partner notification as the notice page lists it: whom, how, and how far it got."""

    partner_id: int
    partner_name: str
    channel: str
    target: str
    status: str  # the delivery's: queued, sending, sent, failed, dead
    sent_at: datetime | None


def notify_partners(*, session: Session, notice: Notice, now: datetime, base_url: str) -> int:
    """Ask for the notice's email and webhook to every affected partner; how many messages were new."""
    partners = partners_depending_on(session=session, product_ids=notice.product_ids)
    if not partners:
        return 0
    products = _products(session, notice)
    status_url = base_url.rstrip("/") + STATUS_PATH
    contacts = partner_contacts(session=session, partner_ids=[partner.id for partner in partners])
    payload = webhook_payload(notice=notice, product_slugs=[p.slug for p in products], status_url=status_url)
    asked = 0
    for partner in partners:
        message = partner_email(
            notice=notice, partner_name=partner.name, product_names=_names(products), status_url=status_url
        )
        for address in sorted({contact.email for contact in contacts[partner.id] if contact.email}):
            outgoing = Outgoing(target=address, subject=message.subject, text=message.text, html=message.html)
            asked += _notify(session, notice, partner.id, Channel.EMAIL, outgoing, now)
        if partner.webhook_url:
            outgoing = Outgoing(
                target=partner.webhook_url,
                subject=message.subject,
                text=f"{EVENT} {notice.id}",
                extra={"payload": payload},
            )
            asked += _notify(session, notice, partner.id, Channel.WEBHOOK, outgoing, now)
    return asked


def _notify(
    session: Session, notice: Notice, partner_id: int, channel: Channel, message: Outgoing, now: datetime
) -> int:
    """1 when this (notice, partner, channel, target) is new and its message was asked for, else 0."""
    row = {
        "notice_id": notice.id,
        "partner_id": partner_id,
        "channel": channel.value,
        "target": message.target,
        "created_at": now,
    }
    # ON CONFLICT: a second publication, or two racing, ask once.
    added = session.scalar(_INSERTS[session.get_bind().dialect.name], row)
    if added is None:
        return 0
    digest = hashlib.sha256(message.target.encode("utf-8")).hexdigest()[:24]
    key = f"partner-notice:{notice.id}:{partner_id}:{channel.value}:{digest}"
    outgoing = Outgoing(
        target=message.target,
        subject=message.subject,
        text=message.text,
        html=message.html,
        extra=message.extra,
        idempotency_key=key,
    )
    delivery = send(session=session, channel=channel.value, message=outgoing, now=now, source=SOURCE)
    notification = session.get(PartnerNotification, added)
    if notification is not None:
        notification.delivery_id = delivery.id
    session.flush()
    return 1


def _insert(dialect_insert: Callable[[type[PartnerNotification]], Any]) -> Executable:
    statement: postgresql.Insert | sqlite.Insert = dialect_insert(PartnerNotification)
    return statement.on_conflict_do_nothing(
        index_elements=["notice_id", "partner_id", "channel", "target"]
    ).returning(PartnerNotification.id)


_INSERTS = {"postgresql": _insert(postgresql.insert), "sqlite": _insert(sqlite.insert)}


def partner_notifications(*, session: Session, notice_id: int) -> list[PartnerNotification]:
    query = (
        select(PartnerNotification)
        .where(PartnerNotification.notice_id == notice_id)
        .order_by(PartnerNotification.partner_id, PartnerNotification.channel, PartnerNotification.target)
    )
    return list(session.scalars(query))


def partner_deliveries(*, session: Session, notice_id: int) -> list[PartnerDelivery]:
    """The notice's partner notifications with the partner's name and the delivery's status."""
    found = partner_notifications(session=session, notice_id=notice_id)
    if not found:
        return []
    partners = {partner.id: partner.name for partner in list_partners(session=session)}
    views = []
    for row in found:
        delivery = get_delivery(session=session, delivery_id=row.delivery_id) if row.delivery_id else None
        views.append(
            PartnerDelivery(
                partner_id=row.partner_id,
                partner_name=partners.get(row.partner_id, ""),
                channel=row.channel,
                target=row.target,
                status=delivery.status if delivery is not None else "queued",
                sent_at=delivery.sent_at if delivery is not None else None,
            )
        )
    return views


@dataclass(frozen=True, slots=True)
class _Product:
    slug: str
    name_ja: str
    name_en: str


def _products(session: Session, notice: Notice) -> list[_Product]:
    """The notice's products in the catalog's order, by their customer-facing names."""
    wanted = set(notice.product_ids)
    return [
        _Product(slug=product.slug, name_ja=product.name_ja, name_en=product.name_en or product.name_ja)
        for product in list_products(session=session)
        if product.id in wanted
    ]


def _names(products: Sequence[_Product]) -> dict[str, list[str]]:
    return {"ja": [p.name_ja for p in products], "en": [p.name_en for p in products]}


def webhook_payload(*, notice: Notice, product_slugs: Sequence[str], status_url: str) -> dict[str, Any]:
    """The webhook's JSON body (documented in docs/partner-notices.md)."""
    published = notice.published_at
    return {
        "event": EVENT,
        "notice": {
            "id": notice.id,
            "kind": notice.kind,
            "status": notice.public_status,
            "title_ja": notice.title_ja,
            "title_en": notice.title_en,
            "body_ja": notice.body_ja,
            "body_en": notice.body_en,
            "products": list(product_slugs),
            "published_at": _iso(published) if published is not None else None,
            "status_page_url": status_url,
        },
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def partner_email(
    *, notice: Notice, partner_name: str, product_names: dict[str, list[str]], status_url: str
) -> PartnerMessage:
    """One email in Japanese, then English: the notice's public text, products, status, the status page."""
    sections = [
        _section(notice, language, partner_name, product_names, status_url) for language in ("ja", "en")
    ]
    ja_kind, en_kind = (_speaker(lang).gettext(_kind_label(notice)) for lang in ("ja", "en"))
    ja_title, en_title = _title(notice, "ja"), _title(notice, "en")
    subject = " ".join(f"【{ja_kind}】{ja_title} / [{en_kind}] {en_title}".split())[:500]
    text = ("\n\n" + "=" * 40 + "\n\n").join("\n".join(lines) for _lang, lines in sections) + "\n"
    html_parts = [
        f'<div lang="{lang}">' + "".join(f"<p>{escape(line)}</p>" for line in lines if line) + "</div>"
        for lang, lines in sections
    ]
    html = (
        f'<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>{escape(subject)}</title></head>'
        '<body style="font-family:sans-serif;line-height:1.6;color:#222">'
        + "<hr>".join(html_parts)
        + "</body></html>"
    )
    return PartnerMessage(subject=subject, text=text, html=html)


def _speaker(language: Language) -> Translator:
    return Translator(language=language, timezone=PUBLIC_TIMEZONE)


def _kind_label(notice: Notice) -> str:
    try:
        return _KIND_LABELS[NoticeKind(notice.kind)]
    except ValueError:
        return _KIND_LABELS[NoticeKind.UPDATE]


def _title(notice: Notice, language: str) -> str:
    if language == "en" and notice.title_en.strip():
        return notice.title_en.strip()
    return notice.title_ja.strip()


def _status_label(notice: Notice) -> str:
    value = notice.public_status
    if value in set(PublicStatus):
        return INCIDENT_LABELS[PublicStatus(value)]
    if value in set(MaintenanceStatus):
        return MAINTENANCE_LABELS[MaintenanceStatus(value)]
    return value


def _section(
    notice: Notice,
    language: Language,
    partner_name: str,
    product_names: dict[str, list[str]],
    status_url: str,
) -> tuple[str, list[str]]:
    speaker = _speaker(language)
    _ = speaker.gettext
    body = (notice.body_en or notice.body_ja) if language == "en" else notice.body_ja
    separator = "、" if language == "ja" else ", "
    lines = [
        _("Dear {partner} team,").format(partner=partner_name),
        "",
        _("We are writing about the services your API integration depends on."),
        "",
        _title(notice, language),
        "",
        body.strip(),
        "",
        _("Affected services: {products}").format(products=separator.join(product_names[language]) or "—"),
        _("Status: {status}").format(status=_(_status_label(notice))),
        _("Published: {time}").format(time=speaker.format_datetime(notice.published_at, with_zone=True)),
        _("The latest status is on our status page:"),
        status_url,
    ]
    return language, lines
