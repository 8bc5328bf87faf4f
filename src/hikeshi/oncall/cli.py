"""`hikeshi oncall …`: who is on call, schedules and their shifts, and what an administrator sets up.

Times are ISO 8601. With an offset (`2026-12-24T22:00+09:00`, `…Z`) they mean that instant; without one
they are wall-clock times in HIKESHI_TIMEZONE (Asia/Tokyo by default). People are given by email address.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from hikeshi.accounts.service import find_user_by_email
from hikeshi.core.console import print_json, reported_errors
from hikeshi.core.errors import InvalidInput
from hikeshi.oncall import editing, rules, schemas, service

oncall_app = typer.Typer(
    help="On call: who is on call, schedules, rotations, overrides.", no_args_is_help=True
)
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
TIME_HELP = "ISO 8601, e.g. 2026-12-24T22:00+09:00; without an offset, in HIKESHI_TIMEZONE."


def _user_id(db: Session, email: str, *, field: str) -> int:
    user = find_user_by_email(session=db, email=email)
    if user is None:
        raise InvalidInput("{field}: no user has the address '{value}'", field=field, value=email)
    return user.id


@oncall_app.command("who")
def who(
    ctx: typer.Context,
    schedule: Annotated[
        str | None, typer.Option("--schedule", help="Schedule name or id; default: all.")
    ] = None,
    at: Annotated[str | None, typer.Option("--at", help=TIME_HELP + " Default: now.")] = None,
    json_output: JsonOption = False,
) -> None:
    """Who is on call now (or at --at), until when, and who is next; gaps with nobody are flagged."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        moment = (
            service.parse_when(at, zone=container.settings.timezone, field="at") if at else container.clock()
        )
        chosen = service.find_schedule(session=db, name_or_id=schedule).id if schedule else None
        names = service.user_names(session=db)
        answers = [
            service.now_out(current, names)
            for current in service.current_shifts(session=db, now=moment)
            if chosen is None or current.schedule.id == chosen
        ]
    if json_output:
        print_json(answers)
        return
    _ = ctx.obj.gettext
    when = ctx.obj.speaker.format_datetime
    table = Table(_("Schedule"), _("On call"), _("Until"), _("Next"))
    for answer in answers:
        people = ", ".join(person.name for person in answer.users) or _("Nobody (gap)")
        following = answer.next
        upcoming = "—"
        if following is not None:
            upcoming = ", ".join(person.name for person in following.users) or _("Nobody (gap)")
        table.add_row(answer.schedule, people, when(answer.until, with_zone=True), upcoming)
    Console().print(table)


@oncall_app.command("schedules")
def list_schedules(ctx: typer.Context, json_output: JsonOption = False) -> None:
    """List schedules with their layers and overrides."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        rows = [service.schedule_out(schedule) for schedule in service.list_schedules(session=db)]
    if json_output:
        print_json(rows)
        return
    _ = ctx.obj.gettext
    table = Table("id", _("Name"), _("Time zone"), _("Layers"), _("Overrides"))
    for row in rows:
        table.add_row(str(row.id), row.name, row.timezone, str(len(row.rotations)), str(len(row.overrides)))
    Console().print(table)


@oncall_app.command("shifts")
def shifts(
    ctx: typer.Context,
    schedule: Annotated[str, typer.Argument(help="Schedule name or id.")],
    days: Annotated[int, typer.Option("--days", min=1, max=366, help="How many days ahead.")] = 14,
    start: Annotated[str | None, typer.Option("--start", help=TIME_HELP + " Default: now.")] = None,
    json_output: JsonOption = False,
) -> None:
    """The final schedule for the coming days: who, from when to when, and the gaps."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        zone = container.settings.timezone
        begins = service.parse_when(start, zone=zone, field="start") if start else container.clock()
        ends = begins + timedelta(days=days)
        found = service.find_schedule(session=db, name_or_id=schedule)
        final = service.schedule_shifts(session=db, schedule_id=found.id, start=begins, end=ends)
        out = service.shifts_out(found, final, service.user_names(session=db), begins, ends)
    if json_output:
        print_json(out)
        return
    _print_shifts(ctx, out)


def _print_shifts(ctx: typer.Context, out: schemas.ShiftsOut) -> None:
    _ = ctx.obj.gettext
    when = ctx.obj.speaker.format_datetime
    table = Table(_("Starts"), _("Ends"), _("On call"), title=out.schedule)
    for shift in out.shifts:
        people = ", ".join(person.name for person in shift.users)
        table.add_row(
            when(shift.start, with_zone=True), when(shift.end, with_zone=True), people or _("Nobody (gap)")
        )
    Console().print(table)
    if out.gaps:
        Console().print(_("{count} gap(s) with nobody on call.").format(count=len(out.gaps)))


@oncall_app.command("schedule-add")
def add_schedule(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The schedule's name.")],
    timezone: Annotated[str, typer.Option("--timezone", help="IANA zone, e.g. Asia/Tokyo.")] = "Asia/Tokyo",
    description: Annotated[str, typer.Option("--description")] = "",
    json_output: JsonOption = False,
) -> None:
    """Create a schedule (then add rotations to it with rotation-add)."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        schedule = editing.create_schedule(
            session=db, name=name, timezone=timezone, description=description, now=container.clock()
        )
        db.commit()
        out = service.schedule_out(schedule)
    if json_output:
        print_json(out)
        return
    Console().print(ctx.obj.gettext("Schedule {id} ({name}) is created.").format(id=out.id, name=out.name))


@oncall_app.command("rotation-add")
def add_rotation(
    ctx: typer.Context,
    schedule: Annotated[str, typer.Argument(help="Schedule name or id.")],
    name: Annotated[str, typer.Option("--name", help="The layer's name, e.g. Primary.")],
    member: Annotated[
        list[str], typer.Option("--member", help="Member's email, in turn order (repeatable).")
    ],
    start_date: Annotated[str, typer.Option("--start-date", help="YYYY-MM-DD of the first turn.")],
    kind: Annotated[str, typer.Option("--kind", help="daily, weekly or custom.")] = "weekly",
    hours: Annotated[int | None, typer.Option("--hours", help="Custom: hours per turn.")] = None,
    handoff: Annotated[str, typer.Option("--handoff", help="Local handoff time, HH:MM.")] = "09:00",
    timezone: Annotated[str, typer.Option("--timezone", help="IANA zone of the handoff.")] = "Asia/Tokyo",
    restrict: Annotated[
        list[str] | None, typer.Option("--restrict", help='Active only then, e.g. "mon-fri 19:00-09:00".')
    ] = None,
    position: Annotated[
        int | None, typer.Option("--position", help="Higher layers win; default: top.")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Add a rotation (a layer) to a schedule."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        found = service.find_schedule(session=db, name_or_id=schedule)
        try:
            first_day = date.fromisoformat(start_date.strip())
        except ValueError:
            raise InvalidInput(
                "{field}: '{value}' is not a date such as 2026-12-07", field="start-date", value=start_date
            ) from None
        given = editing.RotationInput(
            name=name,
            kind=kind,
            shift_hours=hours,
            timezone=timezone,
            start_date=first_day,
            handoff_time=handoff,
            member_ids=[_user_id(db, email, field="member") for email in member],
            restrictions=restrict or [],
            position=position,
        )
        rotation = editing.create_rotation(
            session=db, schedule_id=found.id, given=given, now=container.clock()
        )
        db.commit()
        out = service.rotation_out(rotation)
    if json_output:
        print_json(out)
        return
    Console().print(ctx.obj.gettext("Rotation {id} ({name}) is added.").format(id=out.id, name=out.name))


@oncall_app.command("override-add")
def add_override(
    ctx: typer.Context,
    schedule: Annotated[str, typer.Argument(help="Schedule name or id.")],
    user: Annotated[str, typer.Option("--user", help="Email of who will be on call.")],
    start: Annotated[str, typer.Option("--start", help=TIME_HELP)],
    end: Annotated[str, typer.Option("--end", help=TIME_HELP)],
    replace: Annotated[
        str | None, typer.Option("--replace", help="Email of whom they replace; default: everyone.")
    ] = None,
    add: Annotated[bool, typer.Option("--add", help="On call alongside, replacing no one.")] = False,
    reason: Annotated[str, typer.Option("--reason")] = "",
    json_output: JsonOption = False,
) -> None:
    """Put someone on call for a window, instead of someone or alongside."""
    container = ctx.obj.container()
    zone = container.settings.timezone
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        found = service.find_schedule(session=db, name_or_id=schedule)
        override = editing.create_override(
            session=db,
            schedule_id=found.id,
            kind=rules.ADD if add else rules.REPLACE,
            user_id=_user_id(db, user, field="user"),
            replaced_user_id=_user_id(db, replace, field="replace") if replace else None,
            starts_at=service.parse_when(start, zone=zone, field="start"),
            ends_at=service.parse_when(end, zone=zone, field="end"),
            reason=reason,
            now=container.clock(),
        )
        db.commit()
        out = schemas.OverrideOut.model_validate(override)
    if json_output:
        print_json(out)
        return
    Console().print(ctx.obj.gettext("Override {id} is added.").format(id=out.id))


@oncall_app.command("override-delete")
def delete_override(
    ctx: typer.Context,
    schedule: Annotated[str, typer.Argument(help="Schedule name or id.")],
    override_id: Annotated[int, typer.Argument(help="The override's id.")],
) -> None:
    """Remove an override."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        found = service.find_schedule(session=db, name_or_id=schedule)
        editing.delete_override(session=db, schedule_id=found.id, override_id=override_id)
        db.commit()
    Console().print(ctx.obj.gettext("Override {id} is removed.").format(id=override_id))


@oncall_app.command("rotation-delete")
def delete_rotation(
    ctx: typer.Context, rotation_id: Annotated[int, typer.Argument(help="The rotation's id.")]
) -> None:
    """Remove a rotation (a layer) from its schedule."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        editing.delete_rotation(session=db, rotation_id=rotation_id)
        db.commit()
    Console().print(ctx.obj.gettext("Rotation {id} is removed.").format(id=rotation_id))


@oncall_app.command("schedule-delete")
def delete_schedule(
    ctx: typer.Context, schedule: Annotated[str, typer.Argument(help="Schedule name or id.")]
) -> None:
    """Delete a schedule with its layers, overrides and feed."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        found = service.find_schedule(session=db, name_or_id=schedule)
        name = found.name
        editing.delete_schedule(session=db, schedule_id=found.id)
        db.commit()
    Console().print(ctx.obj.gettext("Schedule {name} is deleted.").format(name=name))
