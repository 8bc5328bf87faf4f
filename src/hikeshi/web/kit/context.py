"""Per-request facts that every page needs: the container, the language, the CSRF token, the user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm.exc import DetachedInstanceError
from starlette.requests import Request

from hikeshi.core.i18n import DEFAULT_LANGUAGE, Language, Translator, negotiate, parse_language
from hikeshi.core.timezones import DEFAULT_TIMEZONE

LANGUAGE_COOKIE = "hikeshi_lang"


@dataclass(frozen=True, slots=True)
class Viewer:
    """What pages show of the signed-in user, read when the user was loaded: an error page is rendered
    after the route's session was rolled back and closed, when the user's attributes cannot be loaded."""

    id: int
    name: str
    email: str
    role: str
    language: str
    timezone: str


def viewer(request: Request) -> Any:
    """The signed-in user for a template: the loaded user, or its `Viewer` once the user is detached."""
    user = getattr(request.state, "user", None)
    if user is None:
        return None
    try:
        user.role  # noqa: B018 - reloads it if the route rolled back while its session is still open
    except DetachedInstanceError:
        return getattr(request.state, "viewer", None)
    return user


def container(request: Request) -> Any:
    """The process's Container (typed as Any here: the kit sits below the wiring module)."""
    return request.app.state.container


def request_language(request: Request) -> Language:
    """The switch (cookie) wins, then the signed-in user's setting, then Accept-Language, then ja.

    An API client's Accept-Language is a deliberate choice (a browser's is not), so under /api/ it
    comes first.
    """
    header = request.headers.get("accept-language")
    if header and request.url.path.startswith("/api/"):
        return negotiate(header, default=_default_language(request))
    chosen = parse_language(request.cookies.get(LANGUAGE_COOKIE))
    if chosen is not None:
        return chosen
    from_user = parse_language(_user_setting(request, "language"))
    if from_user is not None:
        return from_user
    return negotiate(header, default=_default_language(request))


def _default_language(request: Request) -> Language:
    return parse_language(container(request).settings.language) or DEFAULT_LANGUAGE


def translator(request: Request) -> Translator:
    zone = _user_setting(request, "timezone") or container(request).settings.timezone
    return Translator(language=request_language(request), timezone=zone or DEFAULT_TIMEZONE)


def _user_setting(request: Request, name: str) -> str | None:
    """The signed-in user's `language` or `timezone`, as read when the user was loaded."""
    remembered = getattr(request.state, "viewer", None)
    if remembered is not None:
        return str(getattr(remembered, name))
    user = getattr(request.state, "user", None)
    value = getattr(user, name, None) if user is not None else None
    return str(value) if value is not None else None


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""
