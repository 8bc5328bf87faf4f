"""The embedded mailbox: with no SMTP server configured, email is kept in the database for admins to read."""

from __future__ import annotations

from datetime import datetime
from email.utils import make_msgid

from sqlalchemy.orm import Session, sessionmaker

from hikeshi.core.clock import Clock
from hikeshi.delivery.models import CapturedEmail
from hikeshi.delivery.ports import EmailMessage, EmailReceipt

DEFAULT_SENDER = "hikeshi@localhost"


class MailboxEmail:
    """An EmailPort that never fails: what `make run` uses, so every email the product sends is visible."""

    def __init__(
        self, *, sessions: sessionmaker[Session], clock: Clock, sender: str = DEFAULT_SENDER
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._sender = sender

    def send(self, message: EmailMessage) -> EmailReceipt:
        sender = message.from_address or self._sender
        message_id = message.message_id or make_msgid(domain=sender.rpartition("@")[2] or "localhost")
        with self._sessions() as session:
            capture_email(
                session=session, message=message, sender=sender, message_id=message_id, now=self._clock()
            )
            session.commit()
        return EmailReceipt(message_id=message_id)

    def close(self) -> None:
        """Nothing is held open."""


def capture_email(
    *, session: Session, message: EmailMessage, sender: str, message_id: str, now: datetime
) -> CapturedEmail:
    """Keep one email in the mailbox (also how the demo shows mail it sent in the past)."""
    captured = CapturedEmail(
        message_id=message_id,
        from_address=sender,
        to_address=message.to,
        subject=message.subject,
        text=message.text,
        html=message.html,
        created_at=now,
    )
    session.add(captured)
    session.flush()
    return captured
