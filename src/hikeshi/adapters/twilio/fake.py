"""In-memory `SmsPort` and `VoicePort` recording each text and call."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from hikeshi.adapters.scripted import ScriptedFailures
from hikeshi.delivery.ports import ProviderReceipt


@dataclass(frozen=True, slots=True)
class SentSms:
    to: str
    body: str
    receipt: ProviderReceipt


@dataclass(frozen=True, slots=True)
class PlacedCall:
    to: str
    twiml: str
    receipt: ProviderReceipt


class FakeSms(ScriptedFailures):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[SentSms] = []
        self._counter = itertools.count(1)

    def send(self, *, to: str, body: str) -> ProviderReceipt:
        self._attempt()
        receipt = ProviderReceipt(provider_id=f"SM{next(self._counter):032x}", status="queued")
        self.sent.append(SentSms(to=to, body=body, receipt=receipt))
        return receipt


class FakeVoice(ScriptedFailures):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[PlacedCall] = []
        self._counter = itertools.count(1)

    def call(self, *, to: str, twiml: str) -> ProviderReceipt:
        self._attempt()
        receipt = ProviderReceipt(provider_id=f"CA{next(self._counter):032x}", status="queued")
        self.calls.append(PlacedCall(to=to, twiml=twiml, receipt=receipt))
        return receipt
