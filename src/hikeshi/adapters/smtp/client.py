"""`EmailPort` over SMTP with the standard library: one kept-open connection for a batch.

Opening a connection costs a TCP handshake, often TLS and AUTH: far more than one message. So
`SmtpEmail` keeps its connection between `send()` calls and `close()` ends it (QUIT). A kept
connection that the server dropped meanwhile (idle timeout, restart) is noticed at the next send,
which reconnects once and sends again; a connection idle longer than `max_idle_seconds` is
replaced before use rather than trusted. One lock serialises the connection: use one instance per
worker thread to send in parallel.

Answers map to retries as RFC 5321 intends: 5xx is permanent for that recipient (unknown user,
rejected content), 4xx (mailbox busy, greylisting, 421 closing) and network failures are not.
"""

from __future__ import annotations

import smtplib
import ssl
import threading
import time
from typing import Self

from hikeshi.adapters.smtp.config import SETTING, SmtpConfig, check_sender, parse_smtp_url
from hikeshi.adapters.smtp.message import PROVIDER, Envelope, build_message
from hikeshi.adapters.smtp.wire import Wire, wire_message
from hikeshi.core.clock import Clock, utc_now
from hikeshi.core.errors import ConfigurationError, ExternalServiceError
from hikeshi.delivery.ports import EmailMessage, EmailReceipt

DEFAULT_MAX_IDLE_SECONDS = 60.0
# Errors of a kept-open socket that the server closed; worth one reconnect. A timeout is not among
# them: the server may have taken the message and be slow to say so.
STALE_CONNECTION_ERRORS = (smtplib.SMTPServerDisconnected, ConnectionResetError, BrokenPipeError)


class SmtpEmail:
    def __init__(
        self,
        config: SmtpConfig,
        *,
        from_address: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
        max_idle_seconds: float = DEFAULT_MAX_IDLE_SECONDS,
        clock: Clock = utc_now,
    ) -> None:
        sender = from_address or config.from_address
        if not sender:
            raise ConfigurationError(
                "{setting}: no sender; add ?from=noreply@example.com or configure a from address",
                setting=SETTING,
            )
        self.config = config
        self.sender = check_sender(sender)
        self._ssl_context = ssl_context
        self._local_hostname = local_hostname
        self._max_idle_seconds = max_idle_seconds
        self._clock = clock
        self._connection: smtplib.SMTP | None = None
        self._last_used = 0.0
        self._lock = threading.Lock()
        self.connections_opened = 0

    @classmethod
    def from_url(
        cls, url: str, *, from_address: str | None = None, ssl_context: ssl.SSLContext | None = None
    ) -> Self:
        """`SmtpEmail.from_url(settings.smtp_url, from_address=…)`; see `parse_smtp_url`."""
        return cls(parse_smtp_url(url), from_address=from_address, ssl_context=ssl_context)

    def send(self, message: EmailMessage) -> EmailReceipt:
        now = self._clock()
        envelope = wire_message(message, sender=self.sender, now=now) or build_message(
            message, sender=self.sender, now=now
        )
        with self._lock:
            self._deliver(envelope)
        return EmailReceipt(message_id=envelope.message_id)

    def close(self) -> None:
        with self._lock:
            self._discard(polite=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _deliver(self, envelope: Envelope | Wire) -> None:
        if self._connection is not None and time.monotonic() - self._last_used > self._max_idle_seconds:
            self._discard(polite=True)
        while True:
            reused = self._connection is not None
            connection = self._connection or self._connect()
            try:
                if isinstance(envelope, Wire):
                    connection.sendmail(envelope.mail_from, [envelope.recipient], envelope.data)
                else:
                    connection.send_message(envelope.message, envelope.mail_from, [envelope.recipient])
            except STALE_CONNECTION_ERRORS as error:
                self._discard(polite=False)
                if reused:
                    continue  # the server closed a kept connection; one fresh connection, then give up
                raise _unreachable(error) from error
            except (smtplib.SMTPException, OSError) as error:
                raise self._failure(error, envelope) from error
            self._last_used = time.monotonic()
            return

    def _connect(self) -> smtplib.SMTP:
        connection: smtplib.SMTP | None = None
        try:
            connection = self._open()
            if self.config.security == "starttls":
                connection.starttls(context=self._tls_context())
                connection.ehlo()
            if self.config.username and self.config.password is not None:
                connection.login(self.config.username, self.config.password)
        except (smtplib.SMTPException, OSError) as error:
            if connection is not None:
                _close_quietly(connection)
            raise _connect_failure(error, self.config) from error
        self._connection = connection
        self.connections_opened += 1
        return connection

    def _open(self) -> smtplib.SMTP:
        config = self.config
        if config.security == "tls":
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                config.host,
                config.port,
                local_hostname=self._local_hostname,
                timeout=config.timeout_seconds,
                context=self._tls_context(),
            )
        else:
            connection = smtplib.SMTP(
                config.host, config.port, local_hostname=self._local_hostname, timeout=config.timeout_seconds
            )
        connection.ehlo()
        return connection

    def _tls_context(self) -> ssl.SSLContext:
        return self._ssl_context or ssl.create_default_context()

    def _failure(
        self, error: smtplib.SMTPException | OSError, envelope: Envelope | Wire
    ) -> ExternalServiceError:
        """Map a failed transaction; drop the connection unless smtplib left it usable (after RSET)."""
        if isinstance(error, smtplib.SMTPRecipientsRefused):
            code, reply = error.recipients.get(envelope.recipient, next(iter(error.recipients.values())))
            return _refusal("The SMTP server refused {recipient}: {code} {reply}", code, reply, envelope)
        if isinstance(error, smtplib.SMTPResponseException):
            if error.smtp_code == 421 or not isinstance(
                error, smtplib.SMTPSenderRefused | smtplib.SMTPDataError
            ):
                self._discard(polite=False)
            return _refusal(
                "The SMTP server refused the message to {recipient}: {code} {reply}",
                error.smtp_code,
                error.smtp_error,
                envelope,
            )
        self._discard(polite=False)
        if isinstance(error, smtplib.SMTPNotSupportedError):
            # Raised for an internationalised address the server cannot take (no SMTPUTF8).
            return ExternalServiceError(
                "The SMTP server cannot take the message to {recipient}: {reply}",
                permanent=True,
                recipient=envelope.recipient,
                reply=str(error),
            )
        return _unreachable(error)

    def _discard(self, *, polite: bool) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        if polite:
            _close_quietly(connection)
        else:
            connection.close()


def _refusal(message: str, code: int, reply: bytes | str, envelope: Envelope | Wire) -> ExternalServiceError:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return ExternalServiceError(
        message, permanent=code >= 500, recipient=envelope.recipient, code=code, reply=" ".join(text.split())
    )


def _unreachable(error: BaseException) -> ExternalServiceError:
    return ExternalServiceError(
        "{provider} could not be reached: {detail}",
        provider=PROVIDER,
        detail=f"{type(error).__name__}: {error}",
    )


def _connect_failure(error: smtplib.SMTPException | OSError, config: SmtpConfig) -> ExternalServiceError:
    """Bad credentials, a server without STARTTLS or a certificate that does not verify need a person."""
    if isinstance(error, smtplib.SMTPAuthenticationError | smtplib.SMTPNotSupportedError):
        permanent = True
    elif isinstance(error, smtplib.SMTPResponseException):
        permanent = error.smtp_code >= 500
    else:
        permanent = isinstance(error, ssl.SSLCertVerificationError)
    return ExternalServiceError(
        "Connecting to the SMTP server {server} failed: {detail}",
        permanent=permanent,
        server=config.redacted_url(),
        detail=f"{type(error).__name__}: {error}",
    )


def _close_quietly(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()
