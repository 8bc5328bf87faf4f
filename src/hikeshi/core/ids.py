"""Secrets and identifiers: random tokens for people and machines, and their stored hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token(prefix: str, *, nbytes: int = 32) -> str:
    """A high-entropy secret such as an API token: `prefix_` plus URL-safe random text."""
    return f"{prefix}_{secrets.token_urlsafe(nbytes)}"


def hash_token(token: str) -> str:
    """Tokens carry 256 bits of entropy, so a plain SHA-256 is a safe and fast lookup hash."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def constant_time_equal(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode("utf-8"), right.encode("utf-8"))
