"""Use cases for access: signing in (with throttling), browser sessions, API tokens."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hikeshi.accounts.models import ApiToken, LoginAttempt, User, WebSession
from hikeshi.accounts.passwords import dummy_hash, hash_password, needs_rehash, verify_password
from hikeshi.accounts.rules import throttle_wait, validate_name
from hikeshi.accounts.service import get_user
from hikeshi.core.errors import InvalidInput, NotFound, TooManyRequests
from hikeshi.core.ids import hash_token, new_token

SESSION_TOKEN_PREFIX = "hks"  # noqa: S105 - a prefix, not a secret
API_TOKEN_PREFIX = "hkt"  # noqa: S105 - a prefix, not a secret
# Writing last_seen / last_used on every request would turn reads into writes; once a minute is enough.
TOUCH_INTERVAL = timedelta(minutes=1)
# The same IP may hold many accounts (an office behind one address), so it gets a looser limit.
IP_FAILURE_FACTOR = 4


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    max_failures: int
    window: timedelta


def sign_in(
    *,
    session: Session,
    email: str,
    password: str,
    ip_address: str,
    now: datetime,
    policy: ThrottlePolicy,
) -> User | None:
    """Check a password: the user, or None when it is wrong.

    Every attempt is recorded (so a wrong password returns rather than raises: the caller commits
    the record either way), and too many recent failures refuse the attempt before it is checked.
    """
    address = email.strip().lower()[:254]
    _refuse_when_throttled(session=session, email=address, ip_address=ip_address, now=now, policy=policy)
    user = session.scalar(select(User).where(User.email == address))
    if user is None or user.password_hash is None or not user.is_active:
        verify_password(dummy_hash(), password)
        ok = False
    else:
        ok = verify_password(user.password_hash, password)
    session.add(LoginAttempt(email=address, ip_address=ip_address, succeeded=ok, attempted_at=now))
    session.flush()
    if not ok or user is None:
        return None
    if user.password_hash is not None and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _refuse_when_throttled(
    *, session: Session, email: str, ip_address: str, now: datetime, policy: ThrottlePolicy
) -> None:
    since = now - policy.window
    failed = LoginAttempt.succeeded.is_(False) & (LoginAttempt.attempted_at > since)
    by_email = list(
        session.scalars(select(LoginAttempt.attempted_at).where(failed, LoginAttempt.email == email))
    )
    by_ip = list(
        session.scalars(
            select(LoginAttempt.attempted_at).where(failed, LoginAttempt.ip_address == ip_address)
        )
    )
    waits = [
        throttle_wait(by_email, now=now, max_failures=policy.max_failures, window=policy.window),
        throttle_wait(
            by_ip,
            now=now,
            max_failures=policy.max_failures * IP_FAILURE_FACTOR,
            window=policy.window,
        ),
    ]
    longest = max((wait for wait in waits if wait is not None), default=None)
    if longest is not None:
        minutes = max(1, math.ceil(longest.total_seconds() / 60))
        raise TooManyRequests(
            "Too many failed sign-in attempts. Try again in {minutes} minutes.",
            retry_after_seconds=max(1, math.ceil(longest.total_seconds())),
            minutes=minutes,
        )


def start_web_session(
    *,
    session: Session,
    user: User,
    now: datetime,
    lifetime: timedelta,
    user_agent: str = "",
    ip_address: str = "",
) -> str:
    """Create a browser session and return its cookie value (only the hash is stored)."""
    token = new_token(SESSION_TOKEN_PREFIX)
    session.add(
        WebSession(
            token_hash=hash_token(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + lifetime,
            last_seen_at=now,
            user_agent=user_agent[:300],
            ip_address=ip_address[:64],
        )
    )
    session.flush()
    return token


def user_for_web_session(*, session: Session, token: str, now: datetime) -> User | None:
    web_session = session.scalar(select(WebSession).where(WebSession.token_hash == hash_token(token)))
    if web_session is None or web_session.expires_at <= now:
        return None
    user = session.get(User, web_session.user_id)
    if user is None or not user.is_active:
        return None
    if now - web_session.last_seen_at > TOUCH_INTERVAL:
        web_session.last_seen_at = now
    return user


def end_web_session(*, session: Session, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == hash_token(token)))


def end_all_web_sessions(*, session: Session, user_id: int) -> None:
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))


def create_api_token(
    *, session: Session, user_id: int, name: str, now: datetime, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token for `/api/v1`; the secret is returned once and never stored."""
    user = get_user(session=session, user_id=user_id)
    if expires_at is not None and expires_at <= now:
        raise InvalidInput("expires_at: must be in the future", field="expires_at")
    secret = new_token(API_TOKEN_PREFIX)
    token = ApiToken(
        user_id=user.id,
        name=validate_name(name, max_length=100),
        token_hash=hash_token(secret),
        prefix=secret[:10],
        created_at=now,
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    return token, secret


def user_for_api_token(*, session: Session, secret: str, now: datetime) -> User | None:
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > TOUCH_INTERVAL:
        token.last_used_at = now
    return user


def list_api_tokens(*, session: Session, user_id: int) -> list[ApiToken]:
    query = select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.created_at.desc())
    return list(session.scalars(query))


def revoke_api_token(*, session: Session, user_id: int, token_id: int, now: datetime) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user_id:
        raise NotFound("API token {value} does not exist", value=token_id)
    if token.revoked_at is None:
        token.revoked_at = now
    session.flush()
    return token


def purge_expired_sessions(*, session: Session, now: datetime, keep_attempts: timedelta) -> None:
    """Housekeeping: forget expired sessions and old sign-in attempts."""
    session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at < now - keep_attempts))
