"""What a notice's email says and how it is addressed (pure: no database, no I/O).

Only the notice's own public fields reach the email: its title and body in the recipient's language,
when it was published, the status page's address. Never the incident's internal title, notes or the
names of other stores. The same function renders the preview people approve and the emails sent, so
the preview is the real email.

The unsubscribe link carries the address signed with a key derived from the secret key (HMAC-SHA256):
whoever holds the link may unsubscribe that one address, and nothing else.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from html import escape

from hikeshi.comms.models import Notice
from hikeshi.comms.rules import NoticeKind, RecipientStatus
from hikeshi.core.i18n import N_, Translator, parse_language

PUBLIC_TIMEZONE = "Asia/Tokyo"
MAX_ADDRESS_LENGTH = 254
_SIGNATURE_BYTES = 16  # 128 bits: enough against guessing, short enough for a link
_KIND_LABELS = {
    NoticeKind.FIRST: N_("Notice of service disruption"),
    NoticeKind.UPDATE: N_("Update on the service disruption"),
    NoticeKind.RESOLVED: N_("Notice of recovery"),
    NoticeKind.MAINTENANCE: N_("Notice of scheduled maintenance"),
}
# A delivery's status, as the recipient's status people read.
_BY_DELIVERY = {
    "queued": RecipientStatus.QUEUED,
    "sending": RecipientStatus.QUEUED,
    "sent": RecipientStatus.SENT,
    "failed": RecipientStatus.FAILED,
    "dead": RecipientStatus.FAILED,  # gave up after every retry: as final as a refusal
    "superseded": RecipientStatus.FAILED,
}


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def email_language(value: str | None) -> str:
    """Customers read Japanese or English: any other language gets English."""
    return "ja" if parse_language(value) == "ja" else "en"


def render_notice_email(
    *, notice: Notice, language: str, status_url: str, unsubscribe_url: str, company: str = ""
) -> RenderedEmail:
    """The email of one notice in Japanese or English; `company` signs it (a translated default)."""
    lang = email_language(language)
    speaker = Translator(language="ja" if lang == "ja" else "en", timezone=PUBLIC_TIMEZONE)
    _ = speaker.gettext
    title, body = _public_text(notice, lang)
    signature = company.strip() or _("The service operations team")
    kind = _KIND_LABELS.get(NoticeKind(notice.kind), _KIND_LABELS[NoticeKind.UPDATE])
    subject = (f"【{_(kind)}】{title}" if lang == "ja" else f"[{_(kind)}] {title}")[:500]
    moment = notice.published_at or notice.updated_at
    when = speaker.format_datetime(moment, with_zone=True) if moment is not None else ""
    lines = {
        "greeting": _("Thank you for using our service."),
        "published": _("Published: {time}").format(time=when),
        "status": _("The latest status is on our status page:"),
        "why": _(
            "You receive this email because this address is registered for a store that uses the "
            "affected service."
        ),
        "unsubscribe": _("To stop receiving these notices by email:"),
    }
    text = "\n".join(
        [
            lines["greeting"],
            "",
            title,
            "",
            body.strip(),
            "",
            lines["published"],
            f"{lines['status']} {status_url}",
            "",
            "-- ",
            signature,
            lines["why"],
            f"{lines['unsubscribe']} {unsubscribe_url}",
            "",
        ]
    )
    html = _html(
        lang=lang,
        title=title,
        body=body,
        lines=lines,
        signature=signature,
        links=(status_url, unsubscribe_url),
    )
    return RenderedEmail(subject=" ".join(subject.split()), text=text, html=html)


def _public_text(notice: Notice, lang: str) -> tuple[str, str]:
    """The notice's title and body in the language; English falls back to Japanese when empty."""
    if lang == "en" and notice.title_en.strip():
        return notice.title_en.strip(), notice.body_en or notice.body_ja
    return notice.title_ja.strip(), notice.body_ja


def _html(
    *, lang: str, title: str, body: str, lines: dict[str, str], signature: str, links: tuple[str, str]
) -> str:
    status_url, unsubscribe_url = links
    paragraphs = [part.strip() for part in body.strip().split("\n\n") if part.strip()]
    body_html = "".join(f"<p>{escape(part).replace(chr(10), '<br>')}</p>" for part in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        '</head><body style="font-family:sans-serif;line-height:1.6;color:#222">'
        f"<p>{escape(lines['greeting'])}</p>"
        f'<h1 style="font-size:1.25em">{escape(title)}</h1>{body_html}'
        f"<p>{escape(lines['published'])}</p>"
        f'<p>{escape(lines["status"])} <a href="{escape(status_url)}">{escape(status_url)}</a></p>'
        f'<hr><p style="font-size:.85em;color:#555">{escape(signature)}<br>{escape(lines["why"])}<br>'
        f'<a href="{escape(unsubscribe_url)}">{escape(lines["unsubscribe"])}</a></p>'
        "</body></html>"
    )


def normalise_address(value: str) -> str:
    """Addresses are compared case-insensitively: one person, one email."""
    return value.strip().lower()


def unsubscribe_key(secret_key: str) -> bytes:
    """The key of unsubscribe links, derived so that it reveals nothing about the secret key."""
    return hmac.new(secret_key.encode(), b"email-unsubscribe", hashlib.sha256).digest()


def unsubscribe_token(*, email: str, key: bytes) -> str:
    """`<address>.<signature>`, both base64url: the address opts itself out with it."""
    address = normalise_address(email).encode()
    return f"{_b64(address)}.{_b64(_signature(address, key))}"


def address_from_token(*, token: str, key: bytes) -> str | None:
    """The address a token was made for; None when it was altered, cut short or never made by us."""
    encoded, dot, signature = token.strip().partition(".")
    if not dot or len(token) > 2 * MAX_ADDRESS_LENGTH:
        return None
    try:
        address = _unb64(encoded)
        given = _unb64(signature)
    except (binascii.Error, ValueError):
        return None
    if not hmac.compare_digest(given, _signature(address, key)):
        return None
    try:
        text = address.decode()
    except UnicodeDecodeError:
        return None
    return text if "@" in text and len(text) <= MAX_ADDRESS_LENGTH else None


def _signature(address: bytes, key: bytes) -> bytes:
    return hmac.new(key, b"unsubscribe\0" + address, hashlib.sha256).digest()[:_SIGNATURE_BYTES]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _digest(notice_id: int, email: str) -> str:
    return hashlib.sha256(f"{notice_id}\0{normalise_address(email)}".encode()).hexdigest()[:32]


def delivery_key(*, notice_id: int, email: str) -> str:
    """The idempotency key of one notice's email to one address: asking twice sends once."""
    return f"comms-email:{notice_id}:{_digest(notice_id, email)}"


def message_id(*, notice_id: int, email: str, sender: str) -> str:
    """One Message-ID per notice and address: a receiver that dedupes by it shows a re-send once."""
    domain = sender.rpartition("@")[2].strip(" >") or "localhost"
    return f"<notice-{notice_id}.{_digest(notice_id, email)}@{domain}>"


def unsubscribe_headers(*, one_click_url: str) -> dict[str, str]:
    """RFC 2369 and RFC 8058: mail apps offer an unsubscribe button that POSTs to the link."""
    return {"List-Unsubscribe": f"<{one_click_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def recipient_status(*, own: str, delivery_status: str | None) -> RecipientStatus:
    """A recipient's status read through its delivery: queued, sent, failed, or opted out."""
    if own == RecipientStatus.OPTED_OUT or delivery_status is None:
        return RecipientStatus(own)
    return _BY_DELIVERY.get(delivery_status, RecipientStatus.QUEUED)


def when_text(moment: datetime | None, language: str) -> str:
    """A moment as customers read it: in Japan's time, with the zone named."""
    speaker = Translator(
        language="ja" if email_language(language) == "ja" else "en", timezone=PUBLIC_TIMEZONE
    )
    return speaker.format_datetime(moment, with_zone=True)
