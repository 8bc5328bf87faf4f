"""The bytes of one message as `smtplib.SMTP.send_message` would send them, without building it.

`send_message` serialises a `build_message` result with the library's generator: it parses every
header into an object, folds it again for each message (the policy it folds with is a fresh copy
each time, so nothing is remembered), and walks the parts. For a campaign, where every email has its
own unsubscribe link and so its own body, that was most of the cost of sending. Here the headers are
folded by the same policy, remembered by value (the sender, the subject and the parts' headers are
the same in every email of a notice), and the body is joined from the parts `message.text_part` encodes.

The output is byte for byte what `send_message` sends for ASCII addresses (the tests compare them);
a message with an internationalised address goes through `build_message` and `send_message`, which
negotiate SMTPUTF8.
"""

from __future__ import annotations

import functools
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from hikeshi.adapters.smtp.message import SMTP_POLICY, address_message, is_verbatim, text_part
from hikeshi.delivery.ports import EmailMessage

_CRLF = b"\r\n"
_LINE_END = re.compile(r"\r\n|\r|\n")
_FROM_LINE = re.compile(r"^From ", re.MULTILINE)  # what the library's generator escapes as ">From "
# Values the policy writes as they are, when the line fits: a bare address (To), a Message-ID. They
# differ in every email, so remembering their folding would not help and parsing them costs.
_ADDR_SPEC = r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"  # dot-atoms
_PLAIN = {"To": re.compile(_ADDR_SPEC), "Message-ID": re.compile(f"<{_ADDR_SPEC}>")}
_MAX_LINE = SMTP_POLICY.max_line_length or 78
# One boundary for the process, so the multipart header is folded once: 128 random bits do not occur
# in text written before them, and a body that contains it anyway gets a fresh one (`_boundary`).
_BOUNDARY = f"=_hikeshi_{secrets.token_hex(16)}"


@dataclass(frozen=True, slots=True)
class Wire:
    """What goes on the wire: SMTP's MAIL FROM and RCPT TO, and the message's bytes."""

    mail_from: str
    recipient: str
    data: bytes
    message_id: str


def wire_message(message: EmailMessage, *, sender: str, now: datetime) -> Wire | None:
    """The message as bytes; None when an address needs SMTPUTF8 (then `build_message` it)."""
    addressed = address_message(message, sender=sender, now=now)
    if not (addressed.mail_from + addressed.recipient).isascii():
        return None
    head = b"".join(_header(name, value) for name, value in addressed.headers)
    return Wire(
        mail_from=addressed.mail_from,
        recipient=addressed.recipient,
        data=head + _body(message.text, message.html),
        message_id=addressed.message_id,
    )


def _header(name: str, value: str) -> bytes:
    if is_verbatim(name, value):
        return f"{name}: {value}\r\n".encode("ascii")
    plain = _PLAIN.get(name)
    if plain is not None and len(name) + 2 + len(value) <= _MAX_LINE and plain.fullmatch(value):
        return f"{name}: {value}\r\n".encode("ascii")
    return fold(name, value)


@functools.lru_cache(maxsize=4096)
def fold(name: str, value: str) -> bytes:
    """One header as the generator writes it: parsed, then folded by the SMTP policy."""
    _, parsed = SMTP_POLICY.header_store_parse(name, value)
    return SMTP_POLICY.fold_binary(name, parsed)


def _body(text: str, html: str | None) -> bytes:
    """The body's headers, the blank line and the content; multipart/alternative with HTML."""
    if html is None:
        return _part_bytes(text, "plain", with_version=True)
    boundary = _boundary(text, html)
    head = fold("MIME-Version", "1.0") + fold("Content-Type", f'multipart/alternative; boundary="{boundary}"')
    delimiter = f"--{boundary}".encode()
    return b"".join(
        [
            head,
            _CRLF,
            delimiter + _CRLF,
            _part_bytes(text, "plain"),
            _CRLF + delimiter + _CRLF,
            _part_bytes(html, "html"),
            _CRLF + delimiter + b"--" + _CRLF,
        ]
    )


def _boundary(text: str, html: str) -> str:
    if _BOUNDARY in text or _BOUNDARY in html:
        return f"=_hikeshi_{secrets.token_hex(16)}"
    return _BOUNDARY


def _part_bytes(text: str, subtype: str, *, with_version: bool = False) -> bytes:
    part = text_part(text, subtype, with_version=with_version)
    head = b"".join(fold(name, str(value)) for name, value in part.items())
    payload = part.get_payload()
    assert isinstance(payload, str)
    payload = _FROM_LINE.sub(">From ", payload)
    return head + _CRLF + _LINE_END.sub("\r\n", payload).encode("ascii")
