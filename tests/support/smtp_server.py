"""A real SMTP server on 127.0.0.1 (aiosmtpd) that records what it accepts and can refuse on purpose.

- `messages`: every accepted message, parsed (`email.message.EmailMessage`), with its envelope,
  the connection that carried it and the user it authenticated as;
- `connections`: how many SMTP sessions clients opened (the first EHLO/HELO of each);
- `refuse(address)` answers 550 to RCPT TO, `defer(address)` 451; `refuse_data(554)` refuses content;
- `users={"name": "password"}` offers AUTH (PLAIN, LOGIN) and requires it before MAIL FROM;
- `starttls_context=` offers STARTTLS; `tls_context=` speaks implicit TLS (smtps) instead;
- `stop()` and `start()` again keep the port and the records: "the mail server is down" for fault tests.

    python -m tests.support.smtp_server --port 0 [--user NAME:PASSWORD] [--spool DIR]

Out of process, `--spool DIR` writes each message as `DIR/<n>.eml` and a line of `DIR/messages.jsonl`.
"""

# ruff: noqa: N802  (aiosmtpd calls its hooks handle_EHLO, handle_DATA, …)
from __future__ import annotations

import argparse
import email.policy
import json
import socket
import ssl
import threading
import time
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.support.local_http import HOST, wait_for_signal

SERVER_NAME = "smtp.hikeshi.test"  # fixed, so aiosmtpd does not look the host name up for every session


@dataclass
class ReceivedEmail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes
    connection: int
    authenticated_as: str | None
    tls: bool  # the message travelled encrypted (STARTTLS or implicit TLS)


class SmtpServer:
    def __init__(
        self,
        *,
        host: str = HOST,
        port: int = 0,
        users: dict[str, str] | None = None,
        starttls_context: ssl.SSLContext | None = None,
        tls_context: ssl.SSLContext | None = None,
        spool: Path | None = None,
    ) -> None:
        self.host = host
        self.port = port  # 0: a free port, chosen at the first start() and kept for restarts
        self.users = dict(users or {})
        self.starttls_context = starttls_context
        self.tls_context = tls_context
        self.spool = spool
        self.messages: list[ReceivedEmail] = []
        self.connections = 0
        self.refusals: dict[str, str] = {}
        self.data_reply: str | None = None
        self.lock = threading.Lock()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        """A `HIKESHI_SMTP_URL` for this server (add credentials and `from=` as the test needs)."""
        scheme = "smtps" if self.tls_context else "smtp+starttls" if self.starttls_context else "smtp"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._controller is not None

    def refuse(self, address: str, reply: str = "550 5.1.1 User unknown") -> None:
        with self.lock:
            self.refusals[address.lower()] = reply

    def defer(self, address: str, reply: str = "451 4.7.1 Please try again later") -> None:
        self.refuse(address, reply)

    def refuse_data(self, reply: str | None = "554 5.6.0 Message content rejected") -> None:
        with self.lock:
            self.data_reply = reply

    def to(self, address: str) -> list[ReceivedEmail]:
        with self.lock:
            return [item for item in self.messages if address.lower() in (a.lower() for a in item.rcpt_tos)]

    def start(self) -> Self:
        if self._controller is not None:
            return self
        # Bound here, so port 0 works (aiosmtpd wants a number) and two test workers cannot race for one.
        listener = socket.create_server((self.host, self.port))
        self.port = int(listener.getsockname()[1])
        controller = _Controller(
            _Handler(self),
            listener,
            server_hostname=SERVER_NAME,
            ssl_context=self.tls_context,
            tls_context=self.starttls_context,
            authenticator=_Authenticator(self.users) if self.users else None,
            # AUTH waits for STARTTLS when it is offered; aiosmtpd cannot tell that an implicit-TLS
            # session is encrypted, and without TLS the loopback tests exchange AUTH in the clear.
            auth_require_tls=self.starttls_context is not None,
            enable_SMTPUTF8=True,
        )
        try:
            controller.start()
        except BaseException:
            listener.close()
            raise
        self._controller = controller
        return self

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _record(self, item: ReceivedEmail) -> None:
        with self.lock:
            self.messages.append(item)
        if self.spool is not None:
            _spool(self.spool, item)


class _Controller(Controller):
    """aiosmtpd's threaded controller, serving a socket that is already bound."""

    def __init__(self, handler: Any, listener: socket.socket, **kwargs: Any) -> None:
        host, port = listener.getsockname()[:2]
        super().__init__(handler, hostname=host, port=port, **kwargs)
        self._listener = listener

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self._listener, ssl=self.ssl_context)


class _Handler:
    """aiosmtpd's hooks; they run on the server's event-loop thread."""

    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    def _count(self, smtp: SMTP) -> int:
        number = getattr(smtp, "hikeshi_connection", None)
        if number is None:
            with self.server.lock:
                self.server.connections += 1
                number = self.server.connections
            smtp.hikeshi_connection = number  # type: ignore[attr-defined]
        return int(number)

    async def handle_HELO(self, smtp: SMTP, session: Session, envelope: Envelope, hostname: str) -> str:
        self._count(smtp)
        session.host_name = hostname
        return f"250 {smtp.hostname}"

    async def handle_EHLO(
        self, smtp: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        self._count(smtp)
        session.host_name = hostname
        return responses

    async def handle_MAIL(
        self, smtp: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.server.users and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, smtp: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        with self.server.lock:
            refusal = self.server.refusals.get(address.lower())
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, smtp: SMTP, session: Session, envelope: Envelope) -> str:
        with self.server.lock:
            refusal = self.server.data_reply
        if refusal is not None:
            return refusal
        raw = envelope.original_content or b""
        auth = session.auth_data
        self.server._record(
            ReceivedEmail(
                mail_from=str(envelope.mail_from),
                rcpt_tos=list(envelope.rcpt_tos),
                message=BytesParser(policy=email.policy.default).parsebytes(raw),  # type: ignore[arg-type]
                raw=raw,
                connection=self._count(smtp),
                authenticated_as=auth.login.decode() if isinstance(auth, LoginPassword) else None,
                tls=session.ssl is not None or self.server.tls_context is not None,
            )
        )
        return "250 Message accepted for delivery"


class _Authenticator:
    def __init__(self, users: dict[str, str]) -> None:
        self.users = users

    def __call__(
        self, smtp: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, password = data.login.decode(), data.password.decode()
        return AuthResult(success=self.users.get(login) == password, handled=False, auth_data=data)


def _spool(directory: Path, item: ReceivedEmail) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
    (directory / name).write_bytes(item.raw)
    line = {
        "file": name,
        "mail_from": item.mail_from,
        "rcpt_tos": item.rcpt_tos,
        "message_id": item.message["Message-ID"],
        "subject": item.message["Subject"],
        "connection": item.connection,
    }
    with (directory / "messages.jsonl").open("a", encoding="utf-8") as log:
        log.write(json.dumps(line, ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description="A local SMTP server (aiosmtpd) for hikeshi's tests.")
    parser.add_argument("--host", default=HOST)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed on stdout)")
    parser.add_argument("--user", action="append", default=[], help="NAME:PASSWORD; AUTH is then required")
    parser.add_argument("--refuse", action="append", default=[], help="answer 550 to this recipient")
    parser.add_argument("--defer", action="append", default=[], help="answer 451 to this recipient")
    parser.add_argument("--spool", type=Path, help="write each accepted message into this directory")
    arguments = parser.parse_args()
    users = dict(user.partition(":")[::2] for user in arguments.user)
    server = SmtpServer(host=arguments.host, port=arguments.port, users=users, spool=arguments.spool)
    for address in arguments.refuse:
        server.refuse(address)
    for address in arguments.defer:
        server.defer(address)
    wait_for_signal(server.start, server.stop, lambda: {"url": server.url, "port": server.port})


if __name__ == "__main__":
    main()
