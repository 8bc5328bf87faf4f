"""`hikeshi heartbeat add|list|pause|resume|delete`: jobs that must ping on schedule.

hikeshi heartbeat add "FAX sender" --period 5m --grace 1m --product fax
hikeshi heartbeat add "Nightly backup" --cron "30 2 * * *" --timezone Asia/Tokyo
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hikeshi.accounts.service import find_user_by_email
from hikeshi.alerts import heartbeats
from hikeshi.alerts.heartbeats_rules import STATE_LABELS, HeartbeatState
from hikeshi.alerts.heartbeats_schemas import HeartbeatCreated, HeartbeatOut
from hikeshi.alerts.timing import format_duration, parse_duration
from hikeshi.core.console import print_json, reported_errors
from hikeshi.core.errors import NotFound

heartbeat_app = typer.Typer(help="Heartbeats: alert when a job stops pinging.", no_args_is_help=True)
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


def _seconds(text: str | None, field: str) -> int | None:
    return None if text is None else int(parse_duration(text, field=field).total_seconds())


def _user_id(db: Any, email: str | None) -> int | None:
    if not email:
        return None
    person = find_user_by_email(session=db, email=email)
    if person is None:
        raise NotFound("user {value} does not exist", value=email)
    return person.id


@heartbeat_app.command("add")
def add_heartbeat(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="What pings, e.g. 'FAX sender'.")],
    period: Annotated[str | None, typer.Option(help="Expect a ping this often, e.g. 5m.")] = None,
    cron: Annotated[str | None, typer.Option(help="Or on this cron schedule, e.g. '*/5 * * * *'.")] = None,
    timezone: Annotated[
        str | None, typer.Option(help="Zone of --cron; HIKESHI_TIMEZONE if not given.")
    ] = None,
    grace: Annotated[str | None, typer.Option(help="How late a ping may be before it alerts (5m).")] = None,
    product: Annotated[str | None, typer.Option(help="Slug of the product it serves.")] = None,
    chat_channel: Annotated[str | None, typer.Option(help="Slack channel to post its alerts to.")] = None,
    page: Annotated[str | None, typer.Option(help="Email of the person its alerts page.")] = None,
    json_output: JsonOption = False,
) -> None:
    """Create a heartbeat; its ping URL is printed once."""
    container = ctx.obj.container()
    settings = container.settings
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        now = container.clock()
        heartbeat, key = heartbeats.create_heartbeat(
            session=db,
            name=name,
            now=now,
            default_timezone=settings.timezone,
            period_seconds=_seconds(period, "period"),
            grace_seconds=_seconds(grace, "grace"),
            cron=cron,
            timezone=timezone,
            product_slug=product,
            chat_channel=chat_channel,
            page_user_id=_user_id(db, page),
        )
        db.commit()
        out = heartbeats.heartbeat_out(heartbeat, now=now)
    url = heartbeats.ping_url(settings.public_url(""), key)
    created = HeartbeatCreated(**out.model_dump(), key=key, ping_url=url)
    if json_output:
        print_json(created)
        return
    console = Console(highlight=False)
    console.print(ctx.obj.gettext("Heartbeat {name}, id {id}.").format(name=created.name, id=created.id))
    console.print(ctx.obj.gettext("Ping URL (shown once): {url}").format(url=created.ping_url))
    console.print(f"curl -fsS -m 10 --retry 5 {created.ping_url}")


def _schedule(row: HeartbeatOut) -> str:
    if row.cron:
        return f"{row.cron} ({row.timezone})"
    return format_duration(row.period_seconds or 0)


@heartbeat_app.command("list")
def list_heartbeats(ctx: typer.Context, json_output: JsonOption = False) -> None:
    """List heartbeats with their state, last ping and next due time."""
    container = ctx.obj.container()
    with container.sessions() as db:
        now = container.clock()
        rows = [heartbeats.heartbeat_out(h, now=now) for h in heartbeats.list_heartbeats(session=db)]
    if json_output:
        print_json(rows)
        return
    _ = ctx.obj.gettext
    when = ctx.obj.speaker.format_datetime
    table = Table("id", _("Name"), _("State"), _("Schedule"), _("Grace"), _("Last ping"), _("Next due"))
    for row in rows:
        grace = format_duration(row.grace_seconds)
        table.add_row(
            str(row.id),
            row.name,
            _(STATE_LABELS[HeartbeatState(row.state)]),
            _schedule(row),
            grace,
            when(row.last_ping_at),
            when(row.next_due_at),
        )
    Console().print(table)


def _change(ctx: typer.Context, heartbeat_id: int, action: str, json_output: bool) -> None:
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        now = container.clock()
        if action == "pause":
            heartbeat = heartbeats.pause_heartbeat(session=db, heartbeat_id=heartbeat_id)
        else:
            heartbeat = heartbeats.resume_heartbeat(session=db, heartbeat_id=heartbeat_id, now=now)
        db.commit()
        out = heartbeats.heartbeat_out(heartbeat, now=now)
    if json_output:
        print_json(out)
    else:
        Console().print(f"{out.id}: {out.state}")


@heartbeat_app.command("pause")
def pause(ctx: typer.Context, heartbeat_id: int, json_output: JsonOption = False) -> None:
    """Stop alerting for a heartbeat; its pings are still recorded."""
    _change(ctx, heartbeat_id, "pause", json_output)


@heartbeat_app.command("resume")
def resume(ctx: typer.Context, heartbeat_id: int, json_output: JsonOption = False) -> None:
    """Watch a paused heartbeat again: a ping is expected one period (or cron step) from now."""
    _change(ctx, heartbeat_id, "resume", json_output)


@heartbeat_app.command("delete")
def delete(ctx: typer.Context, heartbeat_id: int) -> None:
    """Delete a heartbeat: its ping URL stops working; its alerts stay in the history."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        heartbeats.delete_heartbeat(session=db, heartbeat_id=heartbeat_id)
        db.commit()
    Console().print(ctx.obj.gettext("Heartbeat {id} is deleted.").format(id=heartbeat_id))
