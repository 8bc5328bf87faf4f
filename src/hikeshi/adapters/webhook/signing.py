"""How hikeshi signs a webhook, and how a receiver checks it (a pure function, no I/O).

    X-Hikeshi-Timestamp: 1764355200
    X-Hikeshi-Signature: t=1764355200,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd

`v1` is the hex HMAC-SHA256, keyed with the shared secret (UTF-8), of the timestamp, a full stop and
the raw request body exactly as received: `f"{t}.".encode() + body`. A receiver must:
1. compute the HMAC over the raw bytes, before parsing the JSON (re-serialising changes the bytes);
2. compare with a constant-time comparison (`hmac.compare_digest`);
3. refuse a timestamp more than 5 minutes from its own clock, so a captured request cannot be replayed.
More than one `v1=` may appear while a secret is being rotated; any match is valid. Each retry is
signed afresh with the time it is sent. `verify_signature` below does all of this.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

SIGNATURE_HEADER = "X-Hikeshi-Signature"
TIMESTAMP_HEADER = "X-Hikeshi-Timestamp"
DEFAULT_TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex `v1` value for one body at one moment."""
    signed = f"{timestamp}.".encode("ascii") + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify_signature(
    secret: str, header: str, body: bytes, now: datetime, tolerance: int = DEFAULT_TOLERANCE_SECONDS
) -> bool:
    """True when `header` signs `body` with `secret` within `tolerance` seconds of `now`."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1" and value:
            candidates.append(value.strip().lower())
    if timestamp is None or not candidates:
        return False
    if abs(now.timestamp() - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    # Check every candidate, so the time taken does not tell which one matched.
    matches = [hmac.compare_digest(expected, candidate) for candidate in candidates]
    return any(matches)
