"""`hikeshi maintenance add|list|end|delete`: windows in which new alerts notify no one.

Times are ISO 8601. With an offset (`2026-12-24T22:00+09:00`, `…Z`) they mean that instant; without
one (`2026-12-24T22:00`) they are wall-clock times in HIKESHI_TIMEZONE (Asia/Tokyo by default).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from hikeshi.alerts import maintenance
from hikeshi.alerts.maintenance_schemas import MaintenanceWindowOut
from hikeshi.core.console import print_json, reported_errors
from hikeshi.core.timezones import parse_moment

maintenance_app = typer.Typer(
    help="Maintenance windows: alerts inside one are recorded but notify no one.", no_args_is_help=True
)
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
TIME_HELP = "ISO 8601, e.g. 2026-12-24T22:00+09:00; without an offset, in HIKESHI_TIMEZONE."


@maintenance_app.command("add")
def add_window(
    ctx: typer.Context,
    start: Annotated[str, typer.Option("--start", help=TIME_HELP)],
    end: Annotated[str, typer.Option("--end", help=TIME_HELP)],
    reason: Annotated[str, typer.Option("--reason", help="What the work is.")],
    integration: Annotated[
        list[int] | None, typer.Option("--integration", help="Integration id it covers (repeatable).")
    ] = None,
    product: Annotated[
        list[str] | None, typer.Option("--product", help="Product slug it covers (repeatable).")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Schedule a window; with no --integration and no --product it covers every alert."""
    container = ctx.obj.container()
    zone = container.settings.timezone
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        now = container.clock()
        window = maintenance.create_window(
            session=db,
            starts_at=parse_moment(start, zone=zone, field="start"),
            ends_at=parse_moment(end, zone=zone, field="end"),
            reason=reason,
            integration_ids=integration or [],
            product_slugs=product or [],
            now=now,
        )
        db.commit()
        out = maintenance.window_out(window, now=now)
    if json_output:
        print_json(out)
        return
    message = ctx.obj.gettext("Maintenance window {id}: {start} to {end} ({status}).")
    Console(highlight=False).print(message.format(id=out.id, status=_status(ctx, out), **_span(ctx, out)))


def _status(ctx: typer.Context, out: MaintenanceWindowOut) -> str:
    return str(ctx.obj.gettext(maintenance.STATUS_LABELS[out.status]))


def _span(ctx: typer.Context, out: MaintenanceWindowOut) -> dict[str, str]:
    speaker = ctx.obj.speaker
    return {
        "start": speaker.format_datetime(out.starts_at, with_zone=True),
        "end": speaker.format_datetime(out.ends_at, with_zone=True),
    }


@maintenance_app.command("list")
def list_windows(
    ctx: typer.Context,
    status: Annotated[str, typer.Option(help="upcoming, active, past or all.")] = "all",
    json_output: JsonOption = False,
) -> None:
    """List maintenance windows: active and upcoming soonest first."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        now = container.clock()
        windows = maintenance.list_windows(session=db, now=now, status=status)
        rows = [maintenance.window_out(window, now=now) for window in windows]
    if json_output:
        print_json(rows)
        return
    _ = ctx.obj.gettext
    table = Table("id", _("Status"), _("Starts"), _("Ends"), _("Reason"), _("Covers"))
    for row in rows:
        span = _span(ctx, row)
        table.add_row(
            str(row.id), _status(ctx, row), span["start"], span["end"], row.reason, _covers(ctx, row)
        )
    Console().print(table)


def _covers(ctx: typer.Context, row: MaintenanceWindowOut) -> str:
    if not row.integration_ids and not row.product_ids:
        return str(ctx.obj.gettext("everything"))
    _ = ctx.obj.gettext
    parts = [_("integration {id}").format(id=value) for value in row.integration_ids]
    parts += [_("product {id}").format(id=value) for value in row.product_ids]
    return ", ".join(parts)


@maintenance_app.command("end")
def end_window(ctx: typer.Context, window_id: int, json_output: JsonOption = False) -> None:
    """End an active window now, or cancel an upcoming one."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        now = container.clock()
        window = maintenance.get_window(session=db, window_id=window_id)
        outcome = maintenance.end_window(session=db, window_id=window_id, now=now)
        db.commit()
        out = maintenance.window_out(window, now=now, status="cancelled" if outcome == "cancelled" else None)
    if json_output:
        print_json(out)
    elif outcome == "cancelled":
        Console().print(ctx.obj.gettext("Maintenance window {id} is cancelled.").format(id=window_id))
    else:
        Console().print(ctx.obj.gettext("Maintenance window {id} has ended.").format(id=window_id))


@maintenance_app.command("delete")
def delete_window(ctx: typer.Context, window_id: int) -> None:
    """Delete a window and its record."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        maintenance.delete_window(session=db, window_id=window_id)
        db.commit()
    Console().print(ctx.obj.gettext("Maintenance window {id} is deleted.").format(id=window_id))
