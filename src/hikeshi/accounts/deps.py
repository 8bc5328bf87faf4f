"""FastAPI dependencies for every domain's routes: the database session, the time, who is asking.

Every route states who may use it with one of the `*Page` / `*Api` types below (or `public`), and a
test walks the routes to check that none forgot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from hikeshi.accounts.auth import user_for_api_token, user_for_web_session
from hikeshi.accounts.models import User
from hikeshi.accounts.rules import ADMINS, EVERYONE, RESPONDERS, STAFF, Role
from hikeshi.core.errors import NotAuthenticated, PermissionDenied
from hikeshi.web.kit.context import Viewer, container

SESSION_COOKIE = "hikeshi_session"
ROLE_CHECK_MARK = "hikeshi_roles"


def db_session(request: Request) -> Iterator[Session]:
    """One session per request; the route commits, anything uncommitted is rolled back."""
    with container(request).sessions() as session:
        yield session


DbSession = Annotated[Session, Depends(db_session)]


def current_time(request: Request) -> datetime:
    now: datetime = container(request).clock()
    return now


Now = Annotated[datetime, Depends(current_time)]


def _page_user(request: Request, db: Session, now: datetime) -> User:
    token = request.cookies.get(SESSION_COOKIE)
    user = user_for_web_session(session=db, token=token, now=now) if token else None
    if user is None:
        raise NotAuthenticated("Sign in first.")
    if db.dirty:
        db.commit()  # the once-a-minute "last seen" touch, so plain page views keep it current
    _remember(request, user)
    return user


def _api_user(request: Request, db: Session, now: datetime) -> User:
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    user = None
    if scheme.lower() == "bearer" and secret.strip():
        user = user_for_api_token(session=db, secret=secret.strip(), now=now)
    if user is None:
        raise NotAuthenticated("A valid API token is required: Authorization: Bearer <token>")
    if db.dirty:
        db.commit()
    _remember(request, user)
    return user


def _remember(request: Request, user: User) -> None:
    """The user for the rest of the request, with the settings an error page needs read now: after a
    failed route rolled its session back, the user's attributes can no longer be loaded."""
    request.state.user = user
    request.state.viewer = Viewer(
        id=user.id,
        name=user.name,
        email=user.email,
        role=user.role,
        language=user.language,
        timezone=user.timezone,
    )


def _requiring(
    roles: frozenset[Role], find_user: Callable[[Request, Session, datetime], User]
) -> Callable[[Request, Session, datetime], User]:
    def dependency(request: Request, db: DbSession, now: Now) -> User:
        user = find_user(request, db, now)
        if Role(user.role) not in roles:
            raise PermissionDenied("Your role ({role}) does not allow this.", role=user.role)
        return user

    setattr(dependency, ROLE_CHECK_MARK, roles)
    return dependency


async def public(request: Request) -> None:
    """Marks a route as open to everyone, on purpose (sign-in page, health checks, public feeds).

    `async` because it does no I/O: a plain function would cost every public request a thread hop.
    """
    request.state.user = getattr(request.state, "user", None)


setattr(public, ROLE_CHECK_MARK, frozenset())
Public = Depends(public)

AnyUserPage = Annotated[User, Depends(_requiring(EVERYONE, _page_user))]
StaffPage = Annotated[User, Depends(_requiring(STAFF, _page_user))]
ResponderPage = Annotated[User, Depends(_requiring(RESPONDERS, _page_user))]
AdminPage = Annotated[User, Depends(_requiring(ADMINS, _page_user))]

AnyUserApi = Annotated[User, Depends(_requiring(EVERYONE, _api_user))]
StaffApi = Annotated[User, Depends(_requiring(STAFF, _api_user))]
ResponderApi = Annotated[User, Depends(_requiring(RESPONDERS, _api_user))]
AdminApi = Annotated[User, Depends(_requiring(ADMINS, _api_user))]


def optional_page_user(request: Request, db: DbSession, now: Now) -> User | None:
    """The signed-in user if any, for public pages that greet people who are signed in."""
    try:
        return _page_user(request, db, now)
    except NotAuthenticated:
        return None
