"""SmtpEmail against a real SMTP server (aiosmtpd on loopback): encoding, reuse, refusals, TLS, AUTH."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import trustme

from hikeshi.adapters.smtp import SmtpEmail, parse_smtp_url
from hikeshi.core.errors import ExternalServiceError
from hikeshi.delivery.ports import EmailMessage
from tests.support.smtp_server import SmtpServer

SENDER = "noreply@status.example.com"


@pytest.fixture
def mailer(smtp_server: SmtpServer) -> Iterator[SmtpEmail]:
    mailer = SmtpEmail.from_url(smtp_server.url, from_address=SENDER)
    yield mailer
    mailer.close()


def _message(to: str = "store@example.com", **fields: str) -> EmailMessage:
    return EmailMessage(to=to, subject=fields.get("subject", "Notice"), text=fields.get("text", "Body"))


def _failure(mailer: SmtpEmail, message: EmailMessage) -> ExternalServiceError:
    with pytest.raises(ExternalServiceError) as caught:
        mailer.send(message)
    return caught.value


def test_text_and_html_arrive_as_multipart_alternative(mailer: SmtpEmail, smtp_server: SmtpServer) -> None:
    mailer.send(
        EmailMessage(to="store@example.com", subject="Notice", text="Plain body", html="<p>HTML body</p>")
    )
    [received] = smtp_server.messages
    assert received.message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in received.message.iter_parts()] == ["text/plain", "text/html"]
    assert received.message.get_body(("plain",)).get_content().strip() == "Plain body"
    assert received.message.get_body(("html",)).get_content().strip() == "<p>HTML body</p>"
    assert (received.mail_from, received.rcpt_tos) == (SENDER, ["store@example.com"])


def test_japanese_subject_and_body_round_trip(mailer: SmtpEmail, smtp_server: SmtpServer) -> None:
    subject = "【障害のお知らせ】決済サービスで接続エラーが発生しています（復旧済み）"
    text = "いつもご利用ありがとうございます。\n本日 10:05〜10:42 の間、決済が失敗しました。"
    mailer.send(
        EmailMessage(to="店舗 <store@example.com>", subject=subject, text=text, html=f"<p>{text}</p>")
    )
    [received] = smtp_server.messages
    assert received.raw.isascii()  # 7-bit clean: no relay needs 8BITMIME
    assert received.message["Subject"] == subject
    assert received.message["To"] == "店舗 <store@example.com>"
    # Base64 carries text in MIME's canonical form, CRLF line breaks (RFC 2045 §6.8).
    assert received.message.get_body(("plain",)).get_content().replace("\r\n", "\n").rstrip("\n") == text
    assert received.message.get_body(("plain",)).get_content_charset() == "utf-8"


def test_message_id_and_date_are_set(mailer: SmtpEmail, smtp_server: SmtpServer) -> None:
    receipt = mailer.send(_message())
    [received] = smtp_server.messages
    assert received.message["Message-ID"] == receipt.message_id
    assert receipt.message_id.endswith("@status.example.com>")
    assert received.message["Date"].datetime.tzinfo is not None


def test_a_hundred_messages_share_one_connection(mailer: SmtpEmail, smtp_server: SmtpServer) -> None:
    receipts = [mailer.send(_message(f"store{number}@example.com")) for number in range(100)]
    assert len(smtp_server.messages) == 100
    assert smtp_server.connections == 1
    assert len({receipt.message_id for receipt in receipts}) == 100


def test_close_ends_the_connection_and_the_next_send_opens_one(
    mailer: SmtpEmail, smtp_server: SmtpServer
) -> None:
    mailer.send(_message())
    mailer.close()
    mailer.send(_message())
    assert smtp_server.connections == 2


def test_unknown_recipient_is_permanent_and_the_batch_goes_on(
    mailer: SmtpEmail, smtp_server: SmtpServer
) -> None:
    smtp_server.refuse("gone@example.com")
    mailer.send(_message("first@example.com"))
    error = _failure(mailer, _message("gone@example.com"))
    mailer.send(_message("after@example.com"))
    assert error.permanent
    assert "550 5.1.1 User unknown" in str(error)
    assert "gone@example.com" in str(error)
    assert [item.rcpt_tos for item in smtp_server.messages] == [["first@example.com"], ["after@example.com"]]
    assert smtp_server.connections == 1


def test_temporary_refusal_is_retryable(mailer: SmtpEmail, smtp_server: SmtpServer) -> None:
    smtp_server.defer("busy@example.com")
    error = _failure(mailer, _message("busy@example.com"))
    assert error.permanent is False
    assert "451" in str(error)


def test_rejected_content_is_permanent(mailer: SmtpEmail, smtp_server: SmtpServer) -> None:
    smtp_server.refuse_data("554 5.6.0 Message content rejected")
    assert _failure(mailer, _message()).permanent


def test_server_restart_between_sends_reconnects_transparently(
    mailer: SmtpEmail, smtp_server: SmtpServer
) -> None:
    mailer.send(_message("before@example.com"))
    smtp_server.restart()
    mailer.send(_message("after@example.com"))
    assert [item.rcpt_tos[0] for item in smtp_server.messages] == ["before@example.com", "after@example.com"]
    assert smtp_server.connections == 2


def test_server_down_is_retryable_and_sending_resumes_when_it_is_back(
    mailer: SmtpEmail, smtp_server: SmtpServer
) -> None:
    mailer.send(_message("before@example.com"))
    smtp_server.stop()
    error = _failure(mailer, _message("during@example.com"))
    assert error.permanent is False
    smtp_server.start()
    mailer.send(_message("after@example.com"))
    assert [item.rcpt_tos[0] for item in smtp_server.messages] == ["before@example.com", "after@example.com"]


def test_an_idle_connection_is_replaced_before_use(smtp_server: SmtpServer) -> None:
    with SmtpEmail.from_url(smtp_server.url, from_address=SENDER) as mailer:
        mailer._max_idle_seconds = 0.0  # every connection counts as idle at once
        mailer.send(_message())
        mailer.send(_message())
    assert (len(smtp_server.messages), smtp_server.connections) == (2, 2)


def test_a_malformed_recipient_is_refused_without_a_connection(
    mailer: SmtpEmail, smtp_server: SmtpServer
) -> None:
    assert _failure(mailer, _message("not-an-address")).permanent
    assert smtp_server.connections == 0


def test_missing_sender_is_a_configuration_error(smtp_server: SmtpServer) -> None:
    with pytest.raises(Exception, match="HIKESHI_SMTP_URL: no sender"):
        SmtpEmail.from_url(smtp_server.url)


# AUTH and TLS


@pytest.fixture
def authenticating_server() -> Iterator[SmtpServer]:
    with SmtpServer(users={"hikeshi": "s3cret pass"}) as server:
        yield server


def test_auth_with_the_credentials_from_the_url(authenticating_server: SmtpServer) -> None:
    url = f"smtp://hikeshi:s3cret%20pass@127.0.0.1:{authenticating_server.port}?from={SENDER}"
    with SmtpEmail.from_url(url) as mailer:
        mailer.send(_message())
        mailer.send(_message())
    assert [item.authenticated_as for item in authenticating_server.messages] == ["hikeshi", "hikeshi"]


def test_wrong_password_is_permanent(authenticating_server: SmtpServer) -> None:
    url = f"smtp://hikeshi:wrong@127.0.0.1:{authenticating_server.port}?from={SENDER}"
    with SmtpEmail.from_url(url) as mailer:
        error = _failure(mailer, _message())
    assert error.permanent
    assert "535" in str(error)
    assert "wrong" not in str(error)


def test_sending_without_auth_where_it_is_required_is_permanent(authenticating_server: SmtpServer) -> None:
    with SmtpEmail.from_url(authenticating_server.url, from_address=SENDER) as mailer:
        error = _failure(mailer, _message())
    assert error.permanent
    assert "530" in str(error)


@dataclass(frozen=True)
class LocalTls:
    server: ssl.SSLContext
    client: ssl.SSLContext


@pytest.fixture(scope="module")
def local_tls() -> LocalTls:
    authority = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(server)
    client = ssl.create_default_context()
    authority.configure_trust(client)
    return LocalTls(server=server, client=client)


def test_starttls_then_auth(local_tls: LocalTls) -> None:
    with SmtpServer(users={"hikeshi": "pw"}, starttls_context=local_tls.server) as server:
        config = parse_smtp_url(f"smtp+starttls://hikeshi:pw@127.0.0.1:{server.port}?from={SENDER}")
        with SmtpEmail(config, ssl_context=local_tls.client) as mailer:
            mailer.send(_message(subject="暗号化"))
        [received] = server.messages
    assert (received.tls, received.authenticated_as, received.message["Subject"]) == (
        True,
        "hikeshi",
        "暗号化",
    )


def test_implicit_tls(local_tls: LocalTls) -> None:
    with SmtpServer(users={"hikeshi": "pw"}, tls_context=local_tls.server) as server:
        config = parse_smtp_url(f"smtps://hikeshi:pw@127.0.0.1:{server.port}?from={SENDER}")
        with SmtpEmail(config, ssl_context=local_tls.client) as mailer:
            mailer.send(_message())
            mailer.send(_message())
        assert [item.tls for item in server.messages] == [True, True]
        assert server.connections == 1


def test_a_certificate_that_does_not_verify_is_permanent(local_tls: LocalTls) -> None:
    # The system's trust store does not know the test authority.
    with (
        SmtpServer(starttls_context=local_tls.server) as server,
        SmtpEmail.from_url(server.url, from_address=SENDER) as mailer,
    ):
        error = _failure(mailer, _message())
    assert error.permanent
    assert "CERTIFICATE_VERIFY_FAILED" in str(error)
