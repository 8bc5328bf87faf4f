"""Use cases for people: users, teams, contact methods. Services never commit; entry points do."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from hikeshi.accounts.models import ContactMethod, Team, TeamMember, User
from hikeshi.accounts.passwords import hash_password, verify_password
from hikeshi.accounts.rules import (
    Role,
    normalize_contact_address,
    normalize_email,
    parse_contact_kind,
    parse_role,
    validate_name,
    validate_password,
    validate_slug,
)
from hikeshi.core.errors import Conflict, InvalidInput, NotFound
from hikeshi.core.i18n import parse_language
from hikeshi.core.timezones import validate_timezone


def _language(value: str) -> str:
    language = parse_language(value)
    if language is None:
        raise InvalidInput("language: '{value}' is not ja or en", field="language", value=value)
    return language


def create_user(
    *,
    session: Session,
    email: str,
    name: str,
    role: str,
    now: datetime,
    password: str | None = None,
    timezone: str = "Asia/Tokyo",
    language: str = "ja",
    password_hash: str | None = None,
) -> User:
    """`password_hash`: one already hashed (the demo's people share one password, hashed once)."""
    address = normalize_email(email)
    if session.scalar(select(User.id).where(User.email == address)) is not None:
        raise Conflict("email: a user with {value} already exists", field="email", value=address)
    user = User(
        email=address,
        name=validate_name(name),
        role=parse_role(role).value,
        timezone=validate_timezone(timezone),
        language=_language(language),
        password_hash=hash_password(validate_password(password)) if password else password_hash,
        is_active=True,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    session.flush()
    return user


def update_user(
    *,
    session: Session,
    user_id: int,
    now: datetime,
    name: str | None = None,
    role: str | None = None,
    timezone: str | None = None,
    language: str | None = None,
    is_active: bool | None = None,
) -> User:
    user = get_user(session=session, user_id=user_id)
    if name is not None:
        user.name = validate_name(name)
    if timezone is not None:
        user.timezone = validate_timezone(timezone)
    if language is not None:
        user.language = _language(language)
    demoting = role is not None and parse_role(role) is not Role.ADMIN
    deactivating = is_active is False
    if user.role == Role.ADMIN and (demoting or deactivating):
        _keep_one_admin(session=session, leaving=user)
    if role is not None:
        user.role = parse_role(role).value
    if is_active is not None:
        user.is_active = is_active
    user.updated_at = now
    session.flush()
    return user


def _keep_one_admin(*, session: Session, leaving: User) -> None:
    others = session.scalar(
        select(func.count(User.id)).where(
            User.role == Role.ADMIN, User.is_active.is_(True), User.id != leaving.id
        )
    )
    if not others:
        raise Conflict("role: the last active administrator cannot be demoted or deactivated", field="role")


def set_password(*, session: Session, user_id: int, password: str, now: datetime) -> User:
    user = get_user(session=session, user_id=user_id)
    user.password_hash = hash_password(validate_password(password))
    user.updated_at = now
    session.flush()
    return user


def change_password(*, session: Session, user_id: int, current: str, new: str, now: datetime) -> User:
    user = get_user(session=session, user_id=user_id)
    if user.password_hash is None or not verify_password(user.password_hash, current):
        raise InvalidInput("current_password: the current password is wrong", field="current_password")
    return set_password(session=session, user_id=user_id, password=new, now=now)


def get_user(*, session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user {value} does not exist", value=user_id)
    return user


def find_user_by_email(*, session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def find_user_by_contact(*, session: Session, kind: str, address: str) -> User | None:
    """The active user with this contact method (a Slack member id, a phone number…), if any."""
    query = (
        select(User)
        .join(ContactMethod, ContactMethod.user_id == User.id)
        .where(ContactMethod.kind == kind, ContactMethod.address == address.strip(), User.is_active.is_(True))
        .order_by(User.id)
        .limit(1)
    )
    return session.scalar(query)


def list_users(*, session: Session, include_inactive: bool = True) -> list[User]:
    query = select(User).order_by(User.name, User.id)
    if not include_inactive:
        query = query.where(User.is_active.is_(True))
    return list(session.scalars(query))


def count_users(*, session: Session) -> int:
    return session.scalar(select(func.count(User.id))) or 0


def add_contact_method(
    *, session: Session, user_id: int, kind: str, address: str, now: datetime, label: str = ""
) -> ContactMethod:
    user = get_user(session=session, user_id=user_id)
    contact_kind = parse_contact_kind(kind)
    normalized = normalize_contact_address(contact_kind, address)
    if any(m.kind == contact_kind and m.address == normalized for m in user.contact_methods):
        raise Conflict("address: {value} is already a contact method", field="address", value=normalized)
    method = ContactMethod(
        user_id=user.id,
        kind=contact_kind.value,
        address=normalized,
        label=label.strip()[:100],
        created_at=now,
    )
    session.add(method)
    session.flush()
    return method


def get_contact_method(*, session: Session, user_id: int, contact_method_id: int) -> ContactMethod:
    """One of the user's own contact methods (another user's is as good as missing)."""
    method = session.get(ContactMethod, contact_method_id)
    if method is None or method.user_id != user_id:
        raise NotFound("contact method {value} does not exist", value=contact_method_id)
    return method


def remove_contact_method(*, session: Session, user_id: int, contact_method_id: int) -> None:
    method = get_contact_method(session=session, user_id=user_id, contact_method_id=contact_method_id)
    session.delete(method)
    session.flush()


def create_team(*, session: Session, slug: str, name: str, now: datetime, description: str = "") -> Team:
    team_slug = validate_slug(slug)
    if session.scalar(select(Team.id).where(Team.slug == team_slug)) is not None:
        raise Conflict("slug: a team '{value}' already exists", field="slug", value=team_slug)
    team = Team(
        slug=team_slug,
        name=validate_name(name),
        description=description.strip()[:2000],
        created_at=now,
    )
    session.add(team)
    session.flush()
    return team


def update_team(
    *, session: Session, team_id: int, name: str | None = None, description: str | None = None
) -> Team:
    team = get_team(session=session, team_id=team_id)
    if name is not None:
        team.name = validate_name(name)
    if description is not None:
        team.description = description.strip()[:2000]
    session.flush()
    return team


def set_team_members(
    *, session: Session, team_id: int, user_ids: Iterable[int], lead_ids: Iterable[int] = ()
) -> Team:
    team = get_team(session=session, team_id=team_id)
    wanted = set(user_ids)
    leads = set(lead_ids)
    if not leads <= wanted:
        raise InvalidInput("lead: a team lead must also be a member", field="lead")
    known = set(session.scalars(select(User.id).where(User.id.in_(wanted))))
    if missing := wanted - known:
        raise NotFound("user {value} does not exist", value=min(missing))
    team.members = [
        TeamMember(team_id=team.id, user_id=user_id, is_lead=user_id in leads) for user_id in sorted(wanted)
    ]
    session.flush()
    return team


def get_team(*, session: Session, team_id: int) -> Team:
    team = session.get(Team, team_id, options=[selectinload(Team.members)])
    if team is None:
        raise NotFound("team {value} does not exist", value=team_id)
    return team


def list_teams(*, session: Session) -> list[Team]:
    query = select(Team).options(selectinload(Team.members)).order_by(Team.name)
    return list(session.scalars(query))
