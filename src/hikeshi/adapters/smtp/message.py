"""Build the MIME message for one recipient: UTF-8 throughout, readable by every mail client.

Japanese text is encoded as UTF-8 with base64 bodies and RFC 2047 encoded-word headers, so the
message stays 7-bit clean and no relay on the way needs 8BITMIME. With HTML the body is
multipart/alternative, plain text first (clients show the last part they can render).
"""

from __future__ import annotations

import binascii
import email.policy
import functools
import secrets
from dataclasses import dataclass
from datetime import datetime
from email import quoprimime
from email.message import EmailMessage as MimeMessage
from email.utils import format_datetime, make_msgid, parseaddr

from hikeshi.adapters.errors import refused
from hikeshi.delivery.ports import EmailMessage

PROVIDER = "SMTP"
MAX_LINE_LENGTH = 78  # RFC 5322's limit, the library's `max_line_length`
# Headers hikeshi writes itself; a caller's `headers` may add others but not replace these.
RESERVED_HEADERS = frozenset(
    {"from", "to", "cc", "bcc", "subject", "date", "message-id", "reply-to", "mime-version", "sender"}
)


# How the message is written; `wire.py` writes the same bytes without building the message. Headers
# stored raw (`VERBATIM_HEADERS`) are written as they are: `refold_source="none"`.
SMTP_POLICY = email.policy.SMTP.clone(refold_source="none")
# URI lists (RFC 2369, RFC 8058) that mail apps read as they are: folding a long one-click URL would
# turn it into RFC 2047 encoded words, which no mail app takes for an unsubscribe link.
VERBATIM_HEADERS = frozenset({"list-unsubscribe", "list-unsubscribe-post"})
MAX_HEADER_LINE = 998  # RFC 5322's hard limit for a line


def is_verbatim(name: str, value: str) -> bool:
    """A URI-list header written on one line as it is (ASCII, and short enough for one line)."""
    return (
        name.lower() in VERBATIM_HEADERS and value.isascii() and len(name) + 2 + len(value) <= MAX_HEADER_LINE
    )


@dataclass(frozen=True, slots=True)
class Envelope:
    """What goes on the wire: SMTP's MAIL FROM and RCPT TO, and the message itself."""

    mail_from: str
    recipient: str
    message: MimeMessage
    message_id: str


@dataclass(frozen=True, slots=True)
class Addressed:
    """A message's checked addresses and its headers, in the order they are written."""

    mail_from: str
    recipient: str
    message_id: str
    headers: tuple[tuple[str, str], ...]


def address_message(message: EmailMessage, *, sender: str, now: datetime) -> Addressed:
    """Raise a permanent `ExternalServiceError` for what no server could accept (a malformed address)."""
    from_header = message.from_address or sender
    mail_from = _address(from_header, "sender")
    recipient = _address(message.to, "recipient")
    message_id = message.message_id or make_msgid(domain=mail_from.rpartition("@")[2])
    headers = [
        ("From", from_header),
        ("To", message.to.strip()),
        ("Subject", " ".join(message.subject.split())),
        ("Date", format_datetime(now)),
        ("Message-ID", _header_value(message_id, "Message-ID")),
    ]
    if message.reply_to:
        headers.append(("Reply-To", _header_value(message.reply_to, "Reply-To")))
    for name, value in message.headers.items():
        if name.lower() in RESERVED_HEADERS or not name.isascii() or not name.replace("-", "").isalnum():
            raise refused(PROVIDER, f"header {name!r} cannot be set by the caller")
        headers.append((name, _header_value(value, name)))
    return Addressed(mail_from, recipient, message_id, tuple(headers))


def build_message(message: EmailMessage, *, sender: str, now: datetime) -> Envelope:
    """Raise a permanent `ExternalServiceError` for what no server could accept (a malformed address)."""
    addressed = address_message(message, sender=sender, now=now)
    mime = MimeMessage(policy=SMTP_POLICY)
    for name, value in addressed.headers:
        if is_verbatim(name, value):
            mime.set_raw(name, value)
        else:
            mime[name] = value
    body = _content(message.text, message.html)
    for name, value in body.items():
        mime[name] = value  # already parsed: the header object is taken as it is
    payload = body.get_payload()
    mime.set_payload(list(payload) if isinstance(payload, list) else payload)
    return Envelope(
        mail_from=addressed.mail_from,
        recipient=addressed.recipient,
        message=mime,
        message_id=addressed.message_id,
    )


@functools.lru_cache(maxsize=64)
def _content(text: str, html: str | None) -> MimeMessage:
    """The body and its headers, encoded once for each distinct text: a notice to 10,000 recipients
    pays for the MIME encoding once. Never sent itself; `build_message` copies it into each message.

    Each part is its encoded text under headers parsed once per process (`_part_headers`): a campaign
    whose every email differs (its own unsubscribe link) would otherwise pay for parsing the same
    Content-Type and Content-Transfer-Encoding headers in every message.
    """
    if html is None:
        return text_part(text, "plain", with_version=True)
    body = MimeMessage(policy=email.policy.SMTP)
    body["MIME-Version"] = "1.0"
    # A boundary of our own, random: the library would search the whole content for one that does not
    # occur in it, once per message; 128 random bits cannot occur in text written before them.
    body["Content-Type"] = f'multipart/alternative; boundary="=_hikeshi_{secrets.token_hex(16)}"'
    body.set_payload([text_part(text, "plain"), text_part(html, "html")])
    return body


def text_part(text: str, subtype: str, *, with_version: bool = False) -> MimeMessage:
    """One text part, encoded as the library would: base64 for anything not ASCII, 7bit for ASCII in
    short lines, quoted-printable for ASCII with a line too long for SMTP."""
    lines = text.encode("utf-8").splitlines()
    body = b"\n".join(lines) + b"\n"
    if not text.isascii():
        cte, payload = "base64", _base64_lines(b"\r\n".join(lines) + b"\r\n")
    elif max((len(line) for line in lines), default=0) <= MAX_LINE_LENGTH:
        cte, payload = "7bit", body.decode("ascii")
    else:
        cte, payload = "quoted-printable", quoprimime.body_encode(body.decode("ascii"), MAX_LINE_LENGTH)
    part = MimeMessage(policy=email.policy.SMTP)
    for name, value in _part_headers(subtype, cte, with_version):
        part[name] = value  # already parsed: the header object is taken as it is
    part.set_payload(payload)
    return part


def _base64_lines(data: bytes) -> str:
    per_line = MAX_LINE_LENGTH // 4 * 3  # 57 bytes: lines of 76 characters
    return "".join(
        binascii.b2a_base64(data[i : i + per_line]).decode("ascii") for i in range(0, len(data), per_line)
    )


@functools.cache
def _part_headers(subtype: str, cte: str, with_version: bool) -> tuple[tuple[str, object], ...]:
    """The headers of a text part, as the library writes them, parsed once."""
    template = MimeMessage(policy=email.policy.SMTP)
    template.set_content("x", subtype=subtype, charset="utf-8", cte=cte)
    return tuple(
        (name, value) for name, value in template.items() if with_version or name.lower() != "mime-version"
    )


@functools.lru_cache(maxsize=256)  # the sender's, parsed once rather than for every email
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
