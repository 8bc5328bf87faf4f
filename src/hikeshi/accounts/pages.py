"""HTML pages of the accounts domain: sign-in and sign-out, language switch, profile."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from hikeshi.accounts import auth, service
from hikeshi.accounts.deps import (
    SESSION_COOKIE,
    AnyUserPage,
    DbSession,
    Now,
    Public,
    optional_page_user,
)
from hikeshi.accounts.rules import CONTACT_KIND_LABELS, ROLE_LABELS
from hikeshi.core.errors import Conflict, InvalidInput, TooManyRequests
from hikeshi.core.i18n import LANGUAGES, parse_language
from hikeshi.core.timezones import common_timezones
from hikeshi.web.kit.context import LANGUAGE_COOKIE, client_ip, container, translator

router = APIRouter(tags=["accounts pages"], include_in_schema=False)

LANGUAGE_COOKIE_SECONDS = 400 * 24 * 3600


def safe_next(target: str | None) -> str:
    """Only same-site paths: `//evil.example` or `https://…` would make sign-in an open redirect."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


def _render(request: Request, name: str, context: Mapping[str, object], status_code: int = 200) -> Response:
    templates = request.app.state.templates
    response: Response = templates.render(request, name, context, status_code=status_code)
    return response


@router.get("/login", dependencies=[Public])
def login_form(request: Request, db: DbSession, now: Now, next: str = "/") -> Response:
    if optional_page_user(request, db, now) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _render(request, "accounts/login.html", {"next": safe_next(next), "email": ""})


@router.post("/login", dependencies=[Public])
def login(
    request: Request,
    db: DbSession,
    now: Now,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    settings = container(request).settings
    context: dict[str, object] = {"next": safe_next(next), "email": email}
    speaker = translator(request)
    try:
        user = auth.sign_in(
            session=db,
            email=email,
            password=password,
            ip_address=client_ip(request),
            now=now,
            policy=container(request).throttle,
        )
    except TooManyRequests as error:
        context["error"] = error.render(speaker.gettext)
        response = _render(request, "accounts/login.html", context, status_code=429)
        response.headers["retry-after"] = str(error.retry_after_seconds)
        return response
    if user is None:
        db.commit()  # the failed attempt counts towards throttling
        context["error"] = speaker.gettext("The email address or password is wrong.")
        return _render(request, "accounts/login.html", context, status_code=401)
    token = auth.start_web_session(
        session=db,
        user=user,
        now=now,
        lifetime=timedelta(hours=settings.session_hours),
        user_agent=request.headers.get("user-agent", ""),
        ip_address=client_ip(request),
    )
    db.commit()
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_hours * 3600,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
    )
    response.delete_cookie(LANGUAGE_COOKIE)  # the user's own setting speaks from now on
    return response


@router.post("/logout", dependencies=[Public])
def logout(request: Request, db: DbSession) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        auth.end_web_session(session=db, token=token)
        db.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/language", dependencies=[Public])
def switch_language(
    request: Request,
    db: DbSession,
    now: Now,
    language: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    chosen = parse_language(language)
    if chosen is None:
        raise InvalidInput("language: '{value}' is not ja or en", field="language", value=language)
    user = optional_page_user(request, db, now)
    if user is not None:
        service.update_user(session=db, user_id=user.id, language=chosen, now=now)
        db.commit()
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        LANGUAGE_COOKIE, chosen, max_age=LANGUAGE_COOKIE_SECONDS, samesite="lax", httponly=True
    )
    return response


def _profile_context(request: Request, db: DbSession, user_id: int, **extra: object) -> dict[str, object]:
    return {
        "profile": service.get_user(session=db, user_id=user_id),
        "tokens": auth.list_api_tokens(session=db, user_id=user_id),
        "timezones": common_timezones(),
        "languages": LANGUAGES,
        "role_labels": ROLE_LABELS,
        "contact_kinds": CONTACT_KIND_LABELS,
        **extra,
    }


@router.get("/profile")
def profile(request: Request, db: DbSession, user: AnyUserPage) -> Response:
    return _render(request, "accounts/profile.html", _profile_context(request, db, user.id))


def _profile_action(request: Request, db: DbSession, user_id: int, action: Callable[[], object]) -> Response:
    """Run one profile change; on bad input show the page again with the message, keeping the rest."""
    speaker = translator(request)
    try:
        result = action()
    except (InvalidInput, Conflict) as error:
        db.rollback()
        context = _profile_context(request, db, user_id, error=error.render(speaker.gettext))
        return _render(request, "accounts/profile.html", context, status_code=400)
    db.commit()
    if isinstance(result, str):
        context = _profile_context(request, db, user_id, new_token=result)
        return _render(request, "accounts/profile.html", context)
    return RedirectResponse("/profile?saved=1", status_code=303)


@router.post("/profile")
def update_profile(
    request: Request,
    db: DbSession,
    now: Now,
    user: AnyUserPage,
    name: Annotated[str, Form(max_length=200)],
    timezone: Annotated[str, Form(max_length=64)],
    language: Annotated[str, Form(max_length=5)],
) -> Response:
    response = _profile_action(
        request,
        db,
        user.id,
        lambda: service.update_user(
            session=db, user_id=user.id, name=name, timezone=timezone, language=language, now=now
        ),
    )
    if response.status_code == 303:
        response.delete_cookie(LANGUAGE_COOKIE)
    return response


@router.post("/profile/password")
def change_password(
    request: Request,
    db: DbSession,
    now: Now,
    user: AnyUserPage,
    current_password: Annotated[str, Form(max_length=1024)],
    new_password: Annotated[str, Form(max_length=1024)],
) -> Response:
    return _profile_action(
        request,
        db,
        user.id,
        lambda: service.change_password(
            session=db, user_id=user.id, current=current_password, new=new_password, now=now
        ),
    )


@router.post("/profile/contacts")
def add_contact(
    request: Request,
    db: DbSession,
    now: Now,
    user: AnyUserPage,
    kind: Annotated[str, Form(max_length=20)],
    address: Annotated[str, Form(max_length=254)],
    label: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    return _profile_action(
        request,
        db,
        user.id,
        lambda: service.add_contact_method(
            session=db, user_id=user.id, kind=kind, address=address, label=label, now=now
        ),
    )


@router.post("/profile/contacts/{method_id}/delete")
def remove_contact(request: Request, method_id: int, db: DbSession, user: AnyUserPage) -> Response:
    service.remove_contact_method(session=db, user_id=user.id, contact_method_id=method_id)
    db.commit()
    return RedirectResponse("/profile?saved=1", status_code=303)


@router.post("/profile/tokens")
def create_token(
    request: Request,
    db: DbSession,
    now: Now,
    user: AnyUserPage,
    name: Annotated[str, Form(max_length=100)],
) -> Response:
    return _profile_action(
        request,
        db,
        user.id,
        lambda: auth.create_api_token(session=db, user_id=user.id, name=name, now=now)[1],
    )


@router.post("/profile/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: int, db: DbSession, now: Now, user: AnyUserPage) -> Response:
    auth.revoke_api_token(session=db, user_id=user.id, token_id=token_id, now=now)
    db.commit()
    return RedirectResponse("/profile?saved=1", status_code=303)
