"""`hikeshi notice maintenance add|list|show|verify|complete|cancel`: maintenance announced to customers.

Times are ISO 8601. With an offset (`2026-12-24T02:00+09:00`, `…Z`) they mean that instant; without
one they are wall-clock times in HIKESHI_TIMEZONE (Asia/Tokyo by default). (`hikeshi maintenance` is
something else: windows in which alerts notify no one.)
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from hikeshi.comms import maintenance
from hikeshi.comms.maintenance import MaintenanceFields
from hikeshi.comms.maintenance_rules import STATUS_LABELS
from hikeshi.comms.maintenance_schemas import MaintenanceOut
from hikeshi.comms.rules import MaintenanceStatus
from hikeshi.core.console import print_json, reported_errors
from hikeshi.core.timezones import parse_moment

maintenance_app = typer.Typer(
    help="Scheduled maintenance announced to customers (status page, in-app feed, email).",
    no_args_is_help=True,
)
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
TIME_HELP = "ISO 8601, e.g. 2026-12-24T02:00+09:00; without an offset, in HIKESHI_TIMEZONE."


@maintenance_app.command("add")
def add_maintenance(
    ctx: typer.Context,
    title_ja: Annotated[str, typer.Option("--title-ja", help="What customers read, in Japanese.")],
    start: Annotated[str, typer.Option("--start", help=TIME_HELP)],
    end: Annotated[str, typer.Option("--end", help=TIME_HELP)],
    product: Annotated[list[str], typer.Option("--product", help="Product slug (repeatable).")],
    title_en: Annotated[str, typer.Option("--title-en", help="The same in English.")] = "",
    body_ja: Annotated[str, typer.Option("--body-ja", help="Details, in Japanese.")] = "",
    body_en: Annotated[str, typer.Option("--body-en", help="Details, in English.")] = "",
    region: Annotated[
        list[str] | None, typer.Option("--region", help="jp or overseas (repeatable); none: every region.")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Schedule a maintenance; its advance notice is drafted for approval."""
    container = ctx.obj.container()
    zone = container.settings.timezone
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        now = container.clock()
        fields = MaintenanceFields(
            title_ja=title_ja,
            title_en=title_en,
            body_ja=body_ja,
            body_en=body_en,
            products=product,
            regions=region or [],
            scheduled_for=parse_moment(start, zone=zone, field="start"),
            scheduled_until=parse_moment(end, zone=zone, field="end"),
        )
        created = maintenance.schedule_maintenance(session=db, fields=fields, by=None, now=now)
        db.commit()
        out = maintenance.maintenance_out(session=db, maintenance=created, now=now)
    if json_output:
        print_json(out)
        return
    message = ctx.obj.gettext("Maintenance {id}: {start} to {end}. Its notice {notice} awaits approval.")
    Console(highlight=False).print(message.format(id=out.id, notice=out.notices[0].id, **_span(ctx, out)))


def _span(ctx: typer.Context, out: MaintenanceOut) -> dict[str, str]:
    speaker = ctx.obj.speaker
    return {
        "start": speaker.format_datetime(out.scheduled_for, with_zone=True),
        "end": speaker.format_datetime(out.scheduled_until, with_zone=True),
    }


def _status(ctx: typer.Context, out: MaintenanceOut) -> str:
    return str(ctx.obj.gettext(STATUS_LABELS[MaintenanceStatus(out.status)]))


@maintenance_app.command("list")
def list_maintenances(
    ctx: typer.Context,
    status: Annotated[
        str, typer.Option(help="scheduled, in_progress, verifying, completed, cancelled or all.")
    ] = "all",
    json_output: JsonOption = False,
) -> None:
    """Maintenances not over yet soonest first, then the rest."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        now = container.clock()
        found = maintenance.list_maintenances(session=db, now=now, status=status)
        rows = [maintenance.maintenance_out(session=db, maintenance=item, now=now) for item in found]
    if json_output:
        print_json(rows)
        return
    _ = ctx.obj.gettext
    table = Table("id", _("Status"), _("Starts"), _("Ends"), _("Title"), _("Products"))
    for row in rows:
        span = _span(ctx, row)
        table.add_row(
            str(row.id), _status(ctx, row), span["start"], span["end"], row.title_ja, ", ".join(row.products)
        )
    Console().print(table)


@maintenance_app.command("show")
def show_maintenance(ctx: typer.Context, maintenance_id: int, json_output: JsonOption = False) -> None:
    """One maintenance and its notices."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        now = container.clock()
        found = maintenance.get_maintenance(session=db, maintenance_id=maintenance_id)
        out = maintenance.maintenance_out(session=db, maintenance=found, now=now)
    if json_output:
        print_json(out)
        return
    _ = ctx.obj.gettext
    console = Console(highlight=False)
    console.print(f"#{out.id} {out.title_ja} ({_status(ctx, out)})")
    console.print(_("{start} to {end}").format(**_span(ctx, out)))
    console.print(_("Products: {products}").format(products=", ".join(out.products)))
    for notice in out.notices:
        console.print(f"  {_('Notice')} {notice.id} [{notice.status}] {notice.title_ja}")


def _change(ctx: typer.Context, maintenance_id: int, action: str, json_output: bool) -> None:
    container = ctx.obj.container()
    move = {
        "verify": maintenance.verify_maintenance,
        "complete": maintenance.complete_maintenance,
        "cancel": maintenance.cancel_maintenance,
    }[action]
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        now = container.clock()
        changed = move(session=db, maintenance_id=maintenance_id, by=None, now=now)
        db.commit()
        out = maintenance.maintenance_out(session=db, maintenance=changed, now=now)
    if json_output:
        print_json(out)
        return
    message = ctx.obj.gettext("Maintenance {id} is now {status}.")
    Console(highlight=False).print(message.format(id=out.id, status=_status(ctx, out)))


@maintenance_app.command("verify")
def verify_maintenance(ctx: typer.Context, maintenance_id: int, json_output: JsonOption = False) -> None:
    """The work is done and being checked; it ends when marked completed."""
    _change(ctx, maintenance_id, "verify", json_output)


@maintenance_app.command("complete")
def complete_maintenance(ctx: typer.Context, maintenance_id: int, json_output: JsonOption = False) -> None:
    """Completed now; the "completed" notice is drafted for approval."""
    _change(ctx, maintenance_id, "complete", json_output)


@maintenance_app.command("cancel")
def cancel_maintenance(ctx: typer.Context, maintenance_id: int, json_output: JsonOption = False) -> None:
    """Call off a maintenance that has not started; its drafts are discarded."""
    _change(ctx, maintenance_id, "cancel", json_output)
