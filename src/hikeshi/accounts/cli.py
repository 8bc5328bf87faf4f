"""`hikeshi user …` and `hikeshi token …`."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hikeshi.accounts import auth, service
from hikeshi.accounts.schemas import ApiTokenCreated, ApiTokenOut, UserDetailOut, UserOut
from hikeshi.core.console import print_json, reported_errors
from hikeshi.core.errors import NotFound

user_app = typer.Typer(help="Users: add, list, set a password.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for /api/v1.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


def _container(ctx: typer.Context) -> Any:
    return ctx.obj.container()


@user_app.command("add")
def add_user(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="Sign-in email address.")],
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    role: Annotated[str, typer.Option(help="admin, engineer, support, sales or viewer.")] = "viewer",
    password: Annotated[
        str | None,
        typer.Option(help="At least 10 characters; omitted: one is generated and printed once."),
    ] = None,
    timezone: Annotated[str, typer.Option(help="IANA time zone.")] = "Asia/Tokyo",
    language: Annotated[str, typer.Option(help="ja or en.")] = "ja",
    json_output: JsonOption = False,
) -> None:
    """Add a user who can sign in."""
    container = _container(ctx)
    chosen = password or secrets.token_urlsafe(12)
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        user = service.create_user(
            session=db,
            email=email,
            name=name or email.split("@")[0],
            role=role,
            password=chosen,
            timezone=timezone,
            language=language,
            now=container.clock(),
        )
        db.commit()
        out = UserDetailOut.model_validate(user)
    if json_output:
        document = out.model_dump(mode="json")
        if password is None:
            document["generated_password"] = chosen
        print_json(document)
        return
    console = Console()
    added = ctx.obj.gettext("Added user {email} ({role}, id {id}).")
    console.print(added.format(email=out.email, role=out.role, id=out.id), highlight=False)
    if password is None:
        shown = ctx.obj.gettext("Password (shown once): {password}")
        console.print(shown.format(password=chosen), highlight=False)


@user_app.command("list")
def list_users(ctx: typer.Context, json_output: JsonOption = False) -> None:
    """List every user."""
    container = _container(ctx)
    with container.sessions() as db:
        users = [UserOut.model_validate(user) for user in service.list_users(session=db)]
    if json_output:
        print_json(users)
        return
    table = Table("id", "email", ctx.obj.gettext("Name"), ctx.obj.gettext("Role"), ctx.obj.gettext("Active"))
    for user in users:
        table.add_row(str(user.id), user.email, user.name, user.role, "✓" if user.is_active else "—")
    Console().print(table)


@user_app.command("set-password")
def set_password(
    ctx: typer.Context,
    email: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """Set a user's password (asked for when not given)."""
    container = _container(ctx)
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        user = service.find_user_by_email(session=db, email=email)
        if user is None:
            raise NotFound("user {value} does not exist", value=email)
        service.set_password(session=db, user_id=user.id, password=password, now=container.clock())
        auth.end_all_web_sessions(session=db, user_id=user.id)
        db.commit()
    Console().print(ctx.obj.gettext("Password changed; the user's browser sessions were signed out."))


@token_app.command("create")
def create_token(
    ctx: typer.Context,
    user: Annotated[str, typer.Option("--user", help="Email address of the token's owner.")],
    name: Annotated[str, typer.Option(help="What the token is for, e.g. 'deploy script'.")] = "cli",
    days: Annotated[int | None, typer.Option(min=1, help="Expire after this many days.")] = None,
    json_output: JsonOption = False,
) -> None:
    """Create an API token; the secret is printed once."""
    container = _container(ctx)
    now = container.clock()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        owner = service.find_user_by_email(session=db, email=user)
        if owner is None:
            raise NotFound("user {value} does not exist", value=user)
        token, secret = auth.create_api_token(
            session=db,
            user_id=owner.id,
            name=name,
            now=now,
            expires_at=now + timedelta(days=days) if days else None,
        )
        db.commit()
        out = ApiTokenOut.model_validate(token)
    created = ApiTokenCreated.model_validate({**out.model_dump(), "token": secret})
    if json_output:
        print_json(created)
        return
    console = Console()
    shown = ctx.obj.gettext("API token (shown once): {token}")
    console.print(shown.format(token=secret), highlight=False)
    console.print("Authorization: Bearer " + secret, highlight=False)
