"""Who may speak for the company: approve a notice and publish it to customers.

An administrator, or a support person who leads a team (the support lead). Engineers, other support
staff and sales may draft and edit; what customers read is approved by someone who answers for it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from hikeshi.accounts import service as accounts
from hikeshi.accounts.models import User
from hikeshi.accounts.rules import Role
from hikeshi.core.errors import NotFound


def speaks_for_company(user: User) -> bool:
    """The rule on a loaded user (with its team memberships)."""
    if not user.is_active:
        return False
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.SUPPORT and any(member.is_lead for member in user.memberships)


def may_speak_for_company(*, session: Session, user_id: int) -> bool:
    try:
        user = accounts.get_user(session=session, user_id=user_id)
    except NotFound:
        return False
    return speaks_for_company(user)


def list_approvers(*, session: Session) -> list[User]:
    """Everyone who may approve a notice, administrators first."""
    people = accounts.list_users(session=session, include_inactive=False)
    allowed = [user for user in people if speaks_for_company(user)]
    return sorted(allowed, key=lambda user: (user.role != Role.ADMIN, user.name, user.id))
