"""An in-memory `EmailPort` that records each message as the SMTP adapter would have built it."""

from __future__ import annotations

import itertools

from hikeshi.adapters.scripted import ScriptedFailures
from hikeshi.delivery.ports import EmailMessage, EmailReceipt


class FakeEmail(ScriptedFailures):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[EmailMessage] = []
        self.receipts: list[EmailReceipt] = []
        self.closed = 0
        self._counter = itertools.count(1)

    def send(self, message: EmailMessage) -> EmailReceipt:
        self._attempt()
        number = next(self._counter)
        receipt = EmailReceipt(message_id=message.message_id or f"<{number}.fake@hikeshi.invalid>")
        self.sent.append(message)
        self.receipts.append(receipt)
        return receipt

    def close(self) -> None:
        self.closed += 1

    def to(self, address: str) -> list[EmailMessage]:
        """Messages sent to one address, oldest first."""
        return [message for message in self.sent if message.to.lower() == address.lower()]
