"""Addresses that asked not to get notices by email: the unsubscribe link, or support on their behalf.

Every later campaign leaves them out (`campaigns.build_recipients` reads the same table). The link's
signed token is the authority for its one address; support and administrators keep the list.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hikeshi.accounts.rules import Role
from hikeshi.comms.campaign_rules import MAX_ADDRESS_LENGTH, address_from_token, normalise_address
from hikeshi.comms.models import EmailOptOut
from hikeshi.core.errors import InvalidInput, NotFound, PermissionDenied

# A customer may ask on the phone: support and administrators keep the list.
OPT_OUT_KEEPERS = frozenset({Role.ADMIN, Role.SUPPORT})


def check_opt_out_keeper(*, role: str) -> None:
    if Role(role) not in OPT_OUT_KEEPERS:
        raise PermissionDenied("Your role ({role}) does not allow this.", role=role)


def add_opt_out(
    *, session: Session, email: str, source: str, now: datetime, by: int | None = None
) -> EmailOptOut:
    """Opt an address out (again: nothing changes); `source` is `link` or `staff`."""
    address = _checked_address(email)
    existing = session.scalar(select(EmailOptOut).where(EmailOptOut.email == address))
    if existing is not None:
        return existing
    opt_out = EmailOptOut(email=address, source=source, created_by_id=by, created_at=now)
    try:
        with session.begin_nested():  # a mail app may POST the one-click link twice at once
            session.add(opt_out)
    except IntegrityError:
        return session.scalars(select(EmailOptOut).where(EmailOptOut.email == address)).one()
    return opt_out


def is_opted_out(*, session: Session, email: str) -> bool:
    address = normalise_address(email)
    return session.scalar(select(EmailOptOut.id).where(EmailOptOut.email == address)) is not None


def remove_opt_out(*, session: Session, email: str) -> None:
    """The address gets notices by email again."""
    address = normalise_address(email)
    opt_out = session.scalar(select(EmailOptOut).where(EmailOptOut.email == address))
    if opt_out is None:
        raise NotFound("{value} has not opted out", value=address, field="email")
    session.delete(opt_out)
    session.flush()


def list_opt_outs(
    *, session: Session, search: str | None = None, limit: int = 100, offset: int = 0
) -> tuple[list[EmailOptOut], int]:
    """Opted-out addresses, newest first, and how many there are in all."""
    condition = EmailOptOut.email.contains(normalise_address(search)) if search and search.strip() else None
    query = select(EmailOptOut).order_by(EmailOptOut.created_at.desc(), EmailOptOut.id.desc())
    count = select(func.count(EmailOptOut.id))
    if condition is not None:
        query, count = query.where(condition), count.where(condition)
    page = list(session.scalars(query.limit(max(1, min(limit, 1000))).offset(max(0, offset))))
    return page, session.scalar(count) or 0


def unsubscribe(*, session: Session, token: str, key: bytes, now: datetime) -> str:
    """Opt out the address a link was made for; the address. A forged or damaged link is refused."""
    address = token_address(token=token, key=key)
    add_opt_out(session=session, email=address, source="link", now=now)
    return address


def token_address(*, token: str, key: bytes) -> str:
    address = address_from_token(token=token, key=key)
    if address is None:
        raise InvalidInput(
            "token: this unsubscribe link is not valid; copy the whole link from the email", field="token"
        )
    return address


def _checked_address(email: str) -> str:
    address = normalise_address(email)
    local, at, domain = address.rpartition("@")
    if (
        not at
        or not local
        or "." not in domain
        or len(address) > MAX_ADDRESS_LENGTH
        or any(c.isspace() for c in address)
    ):
        raise InvalidInput("email: {value} is not an email address", field="email", value=email.strip()[:100])
    return address
