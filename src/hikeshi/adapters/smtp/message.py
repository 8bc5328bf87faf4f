"""Build the MIME message for one recipient: UTF-8 throughout, readable by every mail client.

Japanese text is encoded as UTF-8 with base64 bodies and RFC 2047 encoded-word headers, so the
message stays 7-bit clean and no relay on the way needs 8BITMIME. With HTML the body is
multipart/alternative, plain text first (clients show the last part they can render).
"""

from __future__ import annotations

import email.policy
import functools
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage as MimeMessage
from email.utils import format_datetime, make_msgid, parseaddr

from hikeshi.adapters.errors import refused
from hikeshi.delivery.ports import EmailMessage

PROVIDER = "SMTP"
# Headers hikeshi writes itself; a caller's `headers` may add others but not replace these.
RESERVED_HEADERS = frozenset(
    {"from", "to", "cc", "bcc", "subject", "date", "message-id", "reply-to", "mime-version", "sender"}
)


@dataclass(frozen=True, slots=True)
class Envelope:
    """What goes on the wire: SMTP's MAIL FROM and RCPT TO, and the message itself."""

    mail_from: str
    recipient: str
    message: MimeMessage
    message_id: str


def build_message(message: EmailMessage, *, sender: str, now: datetime) -> Envelope:
    """Raise a permanent `ExternalServiceError` for what no server could accept (a malformed address)."""
    from_header = message.from_address or sender
    mail_from = _address(from_header, "sender")
    recipient = _address(message.to, "recipient")
    message_id = make_msgid(domain=mail_from.rpartition("@")[2])
    mime = MimeMessage(policy=email.policy.SMTP)
    mime["From"] = from_header
    mime["To"] = message.to.strip()
    mime["Subject"] = " ".join(message.subject.split())
    mime["Date"] = format_datetime(now)
    mime["Message-ID"] = message_id
    if message.reply_to:
        mime["Reply-To"] = _header_value(message.reply_to, "Reply-To")
    for name, value in message.headers.items():
        if name.lower() in RESERVED_HEADERS or not name.isascii() or not name.replace("-", "").isalnum():
            raise refused(PROVIDER, f"header {name!r} cannot be set by the caller")
        mime[name] = _header_value(value, name)
    body = _content(message.text, message.html)
    for name, value in body.items():
        mime[name] = value  # already parsed: the header object is taken as it is
    payload = body.get_payload()
    mime.set_payload(list(payload) if isinstance(payload, list) else payload)
    return Envelope(mail_from=mail_from, recipient=recipient, message=mime, message_id=message_id)


@functools.lru_cache(maxsize=64)
def _content(text: str, html: str | None) -> MimeMessage:
    """The body and its headers, encoded once for each distinct text: a notice to 10,000 recipients
    pays for the MIME encoding once. Never sent itself; `build_message` copies it into each message."""
    body = MimeMessage(policy=email.policy.SMTP)
    body.set_content(text, subtype="plain", charset="utf-8", cte=_transfer_encoding(text))
    if html is not None:
        body.add_alternative(html, subtype="html", charset="utf-8", cte=_transfer_encoding(html))
        # Flattening once picks the multipart boundary (checked against the content) for every copy,
        # so no message has to search for one of its own.
        body.as_bytes()
    return body


def _address(value: str, role: str) -> str:
    """The bare addr-spec of a single address; display names are for headers only."""
    _, address = parseaddr(value)
    local, _, domain = address.rpartition("@")
    if not local or not domain or any(mark in value for mark in "\r\n,;"):
        raise refused(PROVIDER, f"the {role} {value!r} is not one email address")
    return address


def _header_value(value: str, name: str) -> str:
    if "\r" in value or "\n" in value:
        raise refused(PROVIDER, f"header {name!r} contains a line break")
    return value


def _transfer_encoding(text: str) -> str | None:
    """ASCII is left to the library (7bit or quoted-printable); anything else is base64."""
    return None if text.isascii() else "base64"
