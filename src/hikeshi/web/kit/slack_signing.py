"""Slack's request signing, checked exactly as Slack documents it, against hikeshi's clock.

`v0=` + hex HMAC-SHA256(signing secret, `v0:{timestamp}:{raw body}`), compared in constant time, and
refused when the timestamp is more than five minutes from now (replay window). slack_sdk's
SignatureVerifier does the work; the clock is hikeshi's, so a frozen test clock works too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from slack_sdk.signature import Clock, SignatureVerifier


class _HikeshiClock(Clock):
    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock

    def now(self) -> float:
        return self._clock().timestamp()


def slack_signed(
    *, secret: str, body: bytes, headers: Mapping[str, str], clock: Callable[[], datetime]
) -> bool:
    """Whether Slack sent this body: a valid signature with a timestamp inside the replay window."""
    timestamp = headers.get("x-slack-request-timestamp", "")
    if not timestamp.strip().isdigit():
        return False
    verifier = SignatureVerifier(secret, clock=_HikeshiClock(clock))
    return verifier.is_valid(body=body, timestamp=timestamp, signature=headers.get("x-slack-signature"))
