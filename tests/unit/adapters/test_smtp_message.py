"""The MIME message built for one recipient: headers, parts and encodings, before any server."""

from __future__ import annotations

import email.policy
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage as MimeMessage

import pytest

from hikeshi.adapters.smtp.message import build_message
from hikeshi.core.errors import ExternalServiceError
from hikeshi.delivery.ports import EmailMessage

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
SENDER = "火消し <noreply@status.example.com>"


def test_text_only_message_is_a_single_plain_part() -> None:
    envelope = build_message(
        EmailMessage(to="a@example.com", subject="Hi", text="Hello"), sender=SENDER, now=NOW
    )
    assert envelope.message.get_content_type() == "text/plain"
    assert envelope.message.get_content().strip() == "Hello"


def test_envelope_uses_bare_addresses_and_the_message_id_uses_the_sender_domain() -> None:
    envelope = build_message(
        EmailMessage(to="Store <a@example.com>", subject="s", text="t"), sender=SENDER, now=NOW
    )
    assert (envelope.mail_from, envelope.recipient) == ("noreply@status.example.com", "a@example.com")
    assert envelope.message_id.endswith("@status.example.com>")
    assert envelope.message["Message-ID"] == envelope.message_id
    assert envelope.message["Date"] == "Sat, 28 Nov 2026 09:30:00 +0000"


def test_japanese_is_encoded_so_the_message_stays_seven_bit() -> None:
    message = EmailMessage(
        to="a@example.com", subject="【障害】決済が失敗しています", text="ご迷惑をおかけしております。"
    )
    raw = build_message(message, sender=SENDER, now=NOW).message.as_bytes()
    assert raw.isascii()
    assert b"Subject: =?utf-8?" in raw
    assert b"Content-Transfer-Encoding: base64" in raw


def test_a_message_from_address_overrides_the_configured_sender() -> None:
    message = EmailMessage(to="a@example.com", subject="s", text="t", from_address="sales@example.org")
    envelope = build_message(message, sender=SENDER, now=NOW)
    assert envelope.mail_from == "sales@example.org"
    assert envelope.message["From"] == "sales@example.org"


def test_extra_headers_and_reply_to_are_added() -> None:
    message = EmailMessage(
        to="a@example.com",
        subject="s",
        text="t",
        reply_to="support@example.com",
        headers={"List-Unsubscribe": "<https://example.com/u>", "X-Hikeshi-Notice": "17"},
    )
    mime = build_message(message, sender=SENDER, now=NOW).message
    assert mime["Reply-To"] == "support@example.com"
    assert mime["X-Hikeshi-Notice"] == "17"


@pytest.mark.parametrize(
    "message",
    [
        EmailMessage(to="not-an-address", subject="s", text="t"),
        EmailMessage(to="a@example.com, b@example.com", subject="s", text="t"),
        EmailMessage(to="a@example.com\r\nBcc: x@example.com", subject="s", text="t"),
        EmailMessage(
            to="a@example.com", subject="s", text="t", headers={"X-Evil": "a\r\nBcc: x@example.com"}
        ),
        EmailMessage(to="a@example.com", subject="s", text="t", headers={"Subject": "replaced"}),
    ],
    ids=["no-domain", "two-recipients", "header-injection-in-to", "header-injection-in-value", "reserved"],
)
def test_what_no_server_could_accept_is_a_permanent_error(message: EmailMessage) -> None:
    with pytest.raises(ExternalServiceError) as caught:
        build_message(message, sender=SENDER, now=NOW)
    assert caught.value.permanent


def test_line_breaks_in_a_subject_are_folded_into_spaces() -> None:
    message = EmailMessage(to="a@example.com", subject="line one\nBcc: x@example.com", text="t")
    mime = build_message(message, sender=SENDER, now=NOW).message
    assert mime["Subject"] == "line one Bcc: x@example.com"
    assert mime["Bcc"] is None


def test_one_notice_to_many_recipients_gives_each_its_own_complete_message() -> None:
    notice = {"subject": "【障害】予約システム", "text": "復旧しました。", "html": "<p>復旧しました。</p>"}
    first, second = (
        build_message(EmailMessage(to=to, **notice), sender=SENDER, now=NOW).message
        for to in ("a@example.com", "b@example.com")
    )
    # The encoded body is built once and shared; each still flattens to a complete message of its own.
    first_raw, second_raw = first.as_bytes(), second.as_bytes()
    assert (first["To"], second["To"]) == ("a@example.com", "b@example.com")
    assert first["Message-ID"] != second["Message-ID"]
    assert first_raw.count(b"Content-Type: multipart/alternative") == 1
    for raw in (first_raw, second_raw):
        parsed = message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, MimeMessage)
        html = parsed.get_body(("html",))
        assert html is not None
        assert html.get_content().strip() == "<p>復旧しました。</p>"
        assert parsed["Subject"] == "【障害】予約システム"


def test_a_message_id_given_by_the_caller_is_kept_and_one_with_a_line_break_refused() -> None:
    stable = "<notice-7.abc@example.jp>"
    message = EmailMessage(to="a@example.com", subject="s", text="t", message_id=stable)
    envelope = build_message(message, sender=SENDER, now=NOW)
    assert envelope.message_id == stable
    assert envelope.message["Message-ID"] == stable
    with pytest.raises(ExternalServiceError):
        build_message(
            EmailMessage(to="a@example.com", subject="s", text="t", message_id="<x@y>\r\nBcc: z@z"),
            sender=SENDER,
            now=NOW,
        )


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Short ASCII lines.\nStill short.", "7bit"),
        (
            "An ASCII line far longer than the seventy-eight characters SMTP allows on one line of text.",
            "quoted-printable",
        ),
        ("日本語の本文です。\n二行目。", "base64"),
    ],
)
def test_each_part_is_encoded_as_mail_clients_expect_and_decodes_to_the_text(
    text: str, encoding: str
) -> None:
    message = EmailMessage(to="a@example.com", subject="s", text=text, html=f"<p>{text}</p>")
    raw = build_message(message, sender=SENDER, now=NOW).message.as_bytes()
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78
    parsed = message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, MimeMessage)
    plain, html = parsed.get_body(("plain",)), parsed.get_body(("html",))
    assert plain is not None
    assert html is not None
    assert plain["Content-Transfer-Encoding"] == encoding
    assert plain.get_content().replace("\r\n", "\n") == text + "\n"
    assert html.get_content().replace("\r\n", "\n") == f"<p>{text}</p>\n"
