"""The bytes the SMTP adapter sends are exactly what `smtplib`'s `send_message` would have sent."""

from __future__ import annotations

import copy
import io
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.generator import BytesGenerator

import pytest

from hikeshi.adapters.smtp import wire
from hikeshi.adapters.smtp.message import build_message
from hikeshi.adapters.smtp.wire import wire_message
from hikeshi.delivery.ports import EmailMessage

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
SENDER = "火消し <noreply@status.example.com>"
TOKEN = "c3RvcmUwMDAwMUBleGFtcGxlLmpw.q1w2e3r4t5y6u7i8o9p0aA"
UNSUBSCRIBE = f"https://status.example.com/notices/unsubscribe/one-click?token={TOKEN}"
LONG_ASCII = "To stop receiving these notices by email: " + UNSUBSCRIBE.replace("one-click", "page")
CASES = {
    "plain ascii": EmailMessage(to="a@example.com", subject="Hi", text="Hello"),
    "plain japanese": EmailMessage(to="a@example.com", subject="【障害】決済", text="ご迷惑を\nおかけします"),
    "campaign ja": EmailMessage(
        to="Store <store00001@example.jp>",
        subject="【障害のお知らせ】Web 予約がご利用いただけない状態です",
        text=f"いつもご利用ありがとうございます。\n\n{LONG_ASCII}\n",
        html=f'<p>ご迷惑をおかけしております。</p><a href="{UNSUBSCRIBE}">配信停止</a>',
        headers={
            "List-Unsubscribe": f"<{UNSUBSCRIBE}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        message_id="<notice-7.0123456789abcdef@status.example.com>",
    ),
    "campaign en, long ascii lines": EmailMessage(
        to="store00002@example.jp",
        subject="[Notice of service disruption] Web booking is unavailable",
        text=f"Thank you.\nFrom the team\n\n{LONG_ASCII}\n",
        html=f'<p>From us</p><a href="{UNSUBSCRIBE}">{LONG_ASCII}</a>',
        headers={"List-Unsubscribe": f"<{UNSUBSCRIBE}>"},
        reply_to="support@example.com",
    ),
    "no trailing newline, CRLF in text": EmailMessage(
        to="a@example.com", subject="s", text="one\r\ntwo\rthree", html="<p>a</p>\n<p>b</p>"
    ),
}


def _as_send_message_sends(message: EmailMessage) -> tuple[bytes, str]:
    """What `smtplib.SMTP.send_message` puts on the wire for an ASCII-addressed message."""
    envelope = build_message(message, sender=SENDER, now=NOW)
    out = io.BytesIO()
    BytesGenerator(out).flatten(copy.copy(envelope.message), linesep="\r\n")
    return out.getvalue(), envelope.message_id


@pytest.mark.parametrize("name", list(CASES))
def test_the_bytes_are_those_send_message_sends(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    message = CASES[name]
    sent = wire_message(message, sender=SENDER, now=NOW)
    assert sent is not None
    expected, message_id = _as_send_message_sends(message)
    # `build_message` draws a random boundary per distinct body; compare with the boundary swapped.
    boundary = expected.partition(b'boundary="')[2].partition(b'"')[0]
    if boundary:
        expected = expected.replace(boundary, wire._BOUNDARY.encode())
    if message.message_id is None:  # a fresh Message-ID each time, too
        expected = expected.replace(message_id.encode(), sent.message_id.encode())
    assert sent.data == expected
    assert sent.data.isascii()


@pytest.mark.parametrize(
    ("to", "message_id"),
    [
        ("a@example.com", "<x.1@example.com>"),
        ("first.last+tag@mail.example.co.jp", "<notice-12.00ff@status.example.com>"),
        ("a" * 60 + "@example.com", "<" + "m" * 70 + "@example.com>"),  # too long to write as is
        ("<a@example.com>", "x.1@example.com"),  # as the library writes them, whatever they are
        ("a@example.com>", "<x.1@example.com"),
        ("a..b@example.com", "<x..1@example.com>"),
        ("a.@example.com", "<.x@example..com>"),
        ("a_b-c@sub-1.example.com", "<a_b-c+1@sub-1.example.com>"),
    ],
)
def test_addresses_and_message_ids_are_written_as_the_policy_writes_them(to: str, message_id: str) -> None:
    message = EmailMessage(to=to, subject="s", text="t", message_id=message_id)
    sent = wire_message(message, sender=SENDER, now=NOW)
    assert sent is not None
    assert sent.data == _as_send_message_sends(message)[0]


def test_the_unsubscribe_token_arrives_intact() -> None:
    sent = wire_message(CASES["campaign en, long ascii lines"], sender=SENDER, now=NOW)
    assert sent is not None
    parsed = message_from_bytes(sent.data, policy=policy.SMTP)
    assert str(parsed["List-Unsubscribe"]) == f"<{UNSUBSCRIBE}>"
    # On one line as it is: mail apps do not decode RFC 2047 words in a URI list (RFC 2369, RFC 8058).
    assert f"List-Unsubscribe: <{UNSUBSCRIBE}>\r\n".encode() in sent.data
    plain, html = (part.get_content() for part in parsed.iter_parts())
    assert LONG_ASCII in plain
    assert f'href="{UNSUBSCRIBE}"' in html
    assert ">From the team" in plain  # escaped as `send_message` always did


def test_a_body_containing_the_boundary_gets_another() -> None:
    text = f"quoting --{wire._BOUNDARY}"
    sent = wire_message(
        EmailMessage(to="a@example.com", subject="s", text=text, html="<p>x</p>"), sender=SENDER, now=NOW
    )
    assert sent is not None
    boundary = sent.data.partition(b'boundary="')[2].partition(b'"')[0]
    assert boundary != wire._BOUNDARY.encode()
    assert text.encode() in sent.data


def test_an_international_address_is_left_to_send_message() -> None:
    message = EmailMessage(to="店舗@example.jp", subject="s", text="t")
    assert wire_message(message, sender=SENDER, now=NOW) is None
