"""`hikeshi incident note|action|task|done|link`: the work on an incident from the command line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console

from hikeshi.accounts.models import User
from hikeshi.accounts.service import find_user_by_email
from hikeshi.core.console import print_json, reported_errors
from hikeshi.core.errors import InvalidInput, NotFound
from hikeshi.core.timezones import parse_moment
from hikeshi.incidents import escalate, service, work
from hikeshi.incidents.schemas import EventOut, PageRefOut, RecoveryActionOut, TaskOut

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
ByOption = Annotated[str | None, typer.Option("--by", help="Email of the person doing this.")]


def user_by_email(db: Any, email: str | None, *, field: str) -> int | None:
    person = person_by_email(db, email, field=field)
    return None if person is None else person.id


def person_by_email(db: Any, email: str | None, *, field: str) -> User | None:
    """The user this email names (None when none is given); the error names the field."""
    if email is None or not email.strip():
        return None
    person = find_user_by_email(session=db, email=email.strip())
    if person is None:
        raise NotFound("{field}: user {value} does not exist", field=field, value=email)
    return person


def moment(value: str | None, *, field: str, zone: str) -> datetime | None:
    """ISO 8601; without an offset, in the configured time zone."""
    return None if value is None else parse_moment(value, zone=zone, field=field)


def note(
    ctx: typer.Context, number: int, text: str, by: ByOption = None, json_output: JsonOption = False
) -> None:
    """Add a note to the incident's timeline."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        event = work.add_note(
            session=db, number=number, text=text, by=user_by_email(db, by, field="by"), now=container.clock()
        )
        db.commit()
        out = EventOut.model_validate(event)
    if json_output:
        print_json(out)
    else:
        Console(highlight=False, markup=False).print(f"#{number}: {out.note}")


def action(
    ctx: typer.Context,
    number: int,
    kind: Annotated[str, typer.Argument(help="hotfix, data_repair, scale_up or other.")],
    description: Annotated[str, typer.Argument(help="What was done.")] = "",
    at: Annotated[str | None, typer.Option(help="When it was done (ISO 8601); now when omitted.")] = None,
    by: ByOption = None,
    json_output: JsonOption = False,
) -> None:
    """Record a recovery action: who did what, and when."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        actor = user_by_email(db, by, field="by")
        recorded = work.add_recovery_action(
            session=db,
            number=number,
            kind=kind,
            description=description,
            performed_by_id=actor,
            performed_at=moment(at, field="at", zone=container.settings.timezone),
            by=actor,
            now=container.clock(),
        )
        db.commit()
        out = RecoveryActionOut.model_validate(recorded)
    if json_output:
        print_json(out)
    else:
        Console(highlight=False, markup=False).print(f"#{number}: {out.kind} {out.description}")


def task(
    ctx: typer.Context,
    number: int,
    title: Annotated[str, typer.Argument(help="What is to be done.")],
    role: Annotated[str, typer.Option(help="engineer, support, sales or admin.")] = "engineer",
    owner: Annotated[str | None, typer.Option(help="Email of who does it.")] = None,
    due: Annotated[str | None, typer.Option(help="When it is due (ISO 8601).")] = None,
    by: ByOption = None,
    json_output: JsonOption = False,
) -> None:
    """Add a task to the incident's checklist."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        added = work.add_task(
            session=db,
            number=number,
            title=title,
            role=role,
            owner_id=user_by_email(db, owner, field="owner"),
            due_at=moment(due, field="due", zone=container.settings.timezone),
            by=user_by_email(db, by, field="by"),
            now=container.clock(),
        )
        db.commit()
        out = TaskOut.model_validate(added)
    if json_output:
        print_json(out)
    else:
        Console(highlight=False, markup=False).print(f"#{number}: [ ] {out.id}: {out.title}")


def done(
    ctx: typer.Context,
    number: int,
    task_id: Annotated[int, typer.Argument(help="The task's id (see `hikeshi incident show`).")],
    undo: Annotated[bool, typer.Option("--undo", help="Mark it not done again.")] = False,
    by: ByOption = None,
    json_output: JsonOption = False,
) -> None:
    """Tick a task of the checklist (who and when are kept)."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        ticked = work.set_task_done(
            session=db,
            number=number,
            task_id=task_id,
            done=not undo,
            by=user_by_email(db, by, field="by"),
            now=container.clock(),
        )
        db.commit()
        out = TaskOut.model_validate(ticked)
    if json_output:
        print_json(out)
    else:
        mark = "[x]" if out.done_at else "[ ]"
        Console(highlight=False, markup=False).print(
            f"#{number}: {mark} {out.id}: {ctx.obj.gettext(out.title)}"
        )


def link(
    ctx: typer.Context,
    number: int,
    inquiry: Annotated[list[int] | None, typer.Option("--inquiry", help="Link this inquiry.")] = None,
    alert_group: Annotated[
        list[int] | None, typer.Option("--alert-group", help="Link this alert group (its pages stop).")
    ] = None,
    by: ByOption = None,
) -> None:
    """Link inquiries or alert groups to the incident."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        if not inquiry and not alert_group:
            raise InvalidInput("inquiry: give --inquiry or --alert-group", field="inquiry")
        actor, now = user_by_email(db, by, field="by"), container.clock()
        if inquiry:
            service.link_inquiries(session=db, number=number, inquiry_ids=inquiry, by=actor, now=now)
        for group_id in alert_group or []:
            service.link_alert_group(session=db, number=number, group_id=group_id, by=actor, now=now)
        db.commit()
    Console(highlight=False, markup=False).print(f"#{number}: ok")


def page(
    ctx: typer.Context,
    number: int,
    service: Annotated[
        str, typer.Option(help="Product or team slug to page; the incident's product when omitted.")
    ] = "",
    urgency: Annotated[str, typer.Option(help="high or low.")] = "high",
    by: ByOption = None,
    json_output: JsonOption = False,
) -> None:
    """Page the on-call engineer for the incident (the page is listed on the incident)."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        person = person_by_email(db, by, field="by")
        started = escalate.page_oncall(
            session=db,
            number=number,
            service=service,
            urgency=urgency,
            by=person.id if person else None,
            by_name=person.name if person else "",
            now=container.clock(),
        )
        db.commit()
        out = PageRefOut.model_validate(started)
    if json_output:
        print_json(out)
    else:
        Console(highlight=False, markup=False).print(f"#{number}: page {out.id} {out.status}")


COMMANDS: dict[str, Callable[..., None]] = {
    "note": note,
    "action": action,
    "task": task,
    "done": done,
    "link": link,
    "page": page,
}
