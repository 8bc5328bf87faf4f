"""HTML pages for administrators: users and teams."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from hikeshi.accounts import service
from hikeshi.accounts.deps import AdminPage, DbSession, Now
from hikeshi.accounts.rules import ROLE_LABELS, Role
from hikeshi.core.errors import Conflict, InvalidInput, NotFound
from hikeshi.core.i18n import LANGUAGES
from hikeshi.core.timezones import common_timezones
from hikeshi.web.kit.context import translator

router = APIRouter(prefix="/admin", tags=["admin pages"], include_in_schema=False)


def _render(request: Request, name: str, context: Mapping[str, object], status_code: int = 200) -> Response:
    response: Response = request.app.state.templates.render(request, name, context, status_code=status_code)
    return response


def _user_form_context(**extra: object) -> dict[str, object]:
    return {
        "roles": list(Role),
        "role_labels": ROLE_LABELS,
        "timezones": common_timezones(),
        "languages": LANGUAGES,
        **extra,
    }


def _attempt(
    request: Request,
    db: Session,
    action: Callable[[], object],
    *,
    on_error: Callable[[str], Response],
    redirect_to: Callable[[object], str],
) -> Response:
    """Run one admin change and commit it, or roll back and show the form again with the message."""
    try:
        result = action()
    except (InvalidInput, Conflict, NotFound) as error:
        db.rollback()
        return on_error(error.render(translator(request).gettext))
    db.commit()
    return RedirectResponse(redirect_to(result), status_code=303)


@router.get("/users")
def list_users(request: Request, db: DbSession, _: AdminPage) -> Response:
    users = service.list_users(session=db)
    return _render(request, "accounts/admin_users.html", {"users": users, "role_labels": ROLE_LABELS})


@router.get("/users/new")
def new_user_form(request: Request, _: AdminPage) -> Response:
    return _render(request, "accounts/admin_user_new.html", _user_form_context(form={}))


@router.post("/users/new")
def create_user(
    request: Request,
    db: DbSession,
    now: Now,
    _: AdminPage,
    email: Annotated[str, Form(max_length=254)],
    name: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form(max_length=20)],
    password: Annotated[str, Form(max_length=1024)],
    timezone: Annotated[str, Form(max_length=64)] = "Asia/Tokyo",
    language: Annotated[str, Form(max_length=5)] = "ja",
) -> Response:
    form = {"email": email, "name": name, "role": role, "timezone": timezone, "language": language}
    return _attempt(
        request,
        db,
        lambda: service.create_user(
            session=db,
            email=email,
            name=name,
            role=role,
            password=password,
            timezone=timezone,
            language=language,
            now=now,
        ),
        on_error=lambda message: _render(
            request,
            "accounts/admin_user_new.html",
            _user_form_context(form=form, error=message),
            status_code=400,
        ),
        redirect_to=lambda user: f"/admin/users/{getattr(user, 'id', '')}?saved=1",
    )


@router.get("/users/{user_id}")
def edit_user_form(request: Request, user_id: int, db: DbSession, _: AdminPage) -> Response:
    person = service.get_user(session=db, user_id=user_id)
    return _render(request, "accounts/admin_user_edit.html", _user_form_context(person=person))


@router.post("/users/{user_id}")
def update_user(
    request: Request,
    user_id: int,
    db: DbSession,
    now: Now,
    _: AdminPage,
    name: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form(max_length=20)],
    timezone: Annotated[str, Form(max_length=64)],
    language: Annotated[str, Form(max_length=5)],
    is_active: Annotated[bool, Form()] = False,
) -> Response:
    def show_error(message: str) -> Response:
        person = service.get_user(session=db, user_id=user_id)
        context = _user_form_context(person=person, error=message)
        return _render(request, "accounts/admin_user_edit.html", context, status_code=400)

    return _attempt(
        request,
        db,
        lambda: service.update_user(
            session=db,
            user_id=user_id,
            name=name,
            role=role,
            timezone=timezone,
            language=language,
            is_active=is_active,
            now=now,
        ),
        on_error=show_error,
        redirect_to=lambda _: f"/admin/users/{user_id}?saved=1",
    )


@router.post("/users/{user_id}/password")
def reset_password(
    request: Request,
    user_id: int,
    db: DbSession,
    now: Now,
    _: AdminPage,
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    def show_error(message: str) -> Response:
        person = service.get_user(session=db, user_id=user_id)
        context = _user_form_context(person=person, error=message)
        return _render(request, "accounts/admin_user_edit.html", context, status_code=400)

    return _attempt(
        request,
        db,
        lambda: service.set_password(session=db, user_id=user_id, password=password, now=now),
        on_error=show_error,
        redirect_to=lambda _: f"/admin/users/{user_id}?saved=1",
    )


@router.get("/teams")
def list_teams(request: Request, db: DbSession, _: AdminPage) -> Response:
    context = {"teams": service.list_teams(session=db), "form": {}}
    return _render(request, "accounts/admin_teams.html", context)


@router.post("/teams")
def create_team(
    request: Request,
    db: DbSession,
    now: Now,
    _: AdminPage,
    slug: Annotated[str, Form(max_length=64)],
    name: Annotated[str, Form(max_length=200)],
    description: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    form = {"slug": slug, "name": name, "description": description}
    return _attempt(
        request,
        db,
        lambda: service.create_team(session=db, slug=slug, name=name, description=description, now=now),
        on_error=lambda message: _render(
            request,
            "accounts/admin_teams.html",
            {"teams": service.list_teams(session=db), "form": form, "error": message},
            status_code=400,
        ),
        redirect_to=lambda team: f"/admin/teams/{getattr(team, 'id', '')}?saved=1",
    )


@router.get("/teams/{team_id}")
def edit_team_form(request: Request, team_id: int, db: DbSession, _: AdminPage) -> Response:
    context = {
        "team": service.get_team(session=db, team_id=team_id),
        "users": service.list_users(session=db, include_inactive=False),
    }
    return _render(request, "accounts/admin_team_edit.html", context)


@router.post("/teams/{team_id}")
def update_team(
    request: Request,
    team_id: int,
    db: DbSession,
    _: AdminPage,
    name: Annotated[str, Form(max_length=200)],
    description: Annotated[str, Form(max_length=2000)] = "",
    members: Annotated[list[int] | None, Form()] = None,
    leads: Annotated[list[int] | None, Form()] = None,
) -> Response:
    def change() -> object:
        service.update_team(session=db, team_id=team_id, name=name, description=description)
        return service.set_team_members(
            session=db, team_id=team_id, user_ids=members or [], lead_ids=leads or []
        )

    def show_error(message: str) -> Response:
        context = {
            "team": service.get_team(session=db, team_id=team_id),
            "users": service.list_users(session=db, include_inactive=False),
            "error": message,
        }
        return _render(request, "accounts/admin_team_edit.html", context, status_code=400)

    return _attempt(
        request,
        db,
        change,
        on_error=show_error,
        redirect_to=lambda _: f"/admin/teams/{team_id}?saved=1",
    )
