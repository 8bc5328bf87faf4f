"""`hikeshi action-item list|done|cancel|reopen`: action items across incidents from the command line.

The command line is the operator's: it changes any item. `--as EMAIL` records who did it.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hikeshi.accounts.service import find_user_by_email
from hikeshi.core.console import print_json, reported_errors
from hikeshi.core.errors import InvalidInput, NotFound
from hikeshi.postmortems import action_items
from hikeshi.postmortems.rules import (
    ACTION_ITEM_STATUS_LABELS,
    ActionItemStatus,
    local_day,
    parse_action_item_status,
)
from hikeshi.postmortems.schemas import ActionItemOut

action_item_app = typer.Typer(
    help="Action items (prevention measures) across incidents: list them, mark them done.",
    no_args_is_help=True,
)
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
AsOption = Annotated[str | None, typer.Option("--as", help="Email of the person at the keyboard.")]
ItemId = Annotated[int, typer.Argument(help="The action item's id (the first column of the list).")]


def _person(db: Any, email: str | None, *, option: str) -> int | None:
    if email is None or not email.strip():
        return None
    person = find_user_by_email(session=db, email=email.strip())
    if person is None or not person.is_active:
        raise NotFound("{field}: user {value} does not exist", field=option, value=email)
    return person.id


def _incident(value: str | None) -> int | None:
    if value is None:
        return None
    text = value.strip().removeprefix("#")
    if not text.isdigit() or not 1 <= int(text) <= 2_147_483_647:
        raise InvalidInput(
            "incident: '{value}' is not an incident number such as 12", field="incident", value=value
        )
    return int(text)


@action_item_app.command("list")
def list_items(
    ctx: typer.Context,
    owner: Annotated[str | None, typer.Option(help="Only this person's items (their email).")] = None,
    status: Annotated[str | None, typer.Option(help="open, done or cancelled.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only open items past their due day.")] = False,
    incident: Annotated[str | None, typer.Option(help="Only this incident's items, e.g. 12.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=action_items.MAX_PAGE, help="How many.")] = 100,
    offset: Annotated[int, typer.Option(min=0, help="How many to skip.")] = 0,
    json_output: JsonOption = False,
) -> None:
    """Action items across incidents, the earliest due first (overdue: open after the due day)."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        today = local_day(container.clock(), container.settings.timezone)
        page = action_items.list_action_items(
            session=db,
            today=today,
            status=parse_action_item_status(status) if status is not None else None,
            owner_id=_person(db, owner, option="--owner"),
            overdue_on=today if overdue else None,
            incident_number=_incident(incident),
            limit=limit,
            offset=offset,
        )
        out = [ActionItemOut.model_validate(asdict(row)) for row in page.rows]
    if json_output:
        print_json(out)
        return
    _print_list(ctx, out, total=page.total)


def _print_list(ctx: typer.Context, items: list[ActionItemOut], *, total: int) -> None:
    _ = ctx.obj.gettext
    console = Console(highlight=False, markup=False)
    message = ctx.obj.speaker.ngettext("{count} action item matches.", "{count} action items match.", total)
    console.print(message.format(count=total))
    table = Table("id", _("Incident"), _("Action item"), _("Owner"), _("Due date"), _("Status"))
    for item in items:
        status = _(ACTION_ITEM_STATUS_LABELS[ActionItemStatus(item.status)])
        if item.overdue:
            status += f" ({_('Overdue')})"
        table.add_row(
            str(item.id),
            f"#{item.incident_number}",
            item.title,
            item.owner_name or _("Nobody"),
            item.due_on.isoformat(),
            status,
        )
    console.print(table)


def _set_status(
    ctx: typer.Context,
    item_id: int,
    status: ActionItemStatus,
    *,
    note: str,
    as_email: str | None,
    json_output: bool,
) -> None:
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        now = container.clock()
        item = action_items.set_action_item_status(
            session=db,
            item_id=item_id,
            status=status,
            user_id=_person(db, as_email, option="--as"),
            now=now,
            note=note,
        )
        db.commit()
        today = local_day(now, container.settings.timezone)
        row = action_items.action_item_row(session=db, item=item, today=today)
        out = ActionItemOut.model_validate(asdict(row))
    if json_output:
        print_json(out)
        return
    _ = ctx.obj.gettext
    label = _(ACTION_ITEM_STATUS_LABELS[ActionItemStatus(out.status)])
    message = _("Action item {id} (#{number} {title}): {status}.")
    Console(highlight=False, markup=False).print(
        message.format(id=out.id, number=out.incident_number, title=out.title, status=label)
    )


@action_item_app.command("done")
def mark_done(
    ctx: typer.Context,
    item_id: ItemId,
    note: Annotated[str, typer.Option(help="How it was done.")] = "",
    as_email: AsOption = None,
    json_output: JsonOption = False,
) -> None:
    """Mark an action item done."""
    _set_status(ctx, item_id, ActionItemStatus.DONE, note=note, as_email=as_email, json_output=json_output)


@action_item_app.command("cancel")
def cancel(
    ctx: typer.Context,
    item_id: ItemId,
    note: Annotated[str, typer.Option(help="Why it is cancelled (required).")] = "",
    as_email: AsOption = None,
    json_output: JsonOption = False,
) -> None:
    """Cancel an action item, saying why."""
    _set_status(
        ctx, item_id, ActionItemStatus.CANCELLED, note=note, as_email=as_email, json_output=json_output
    )


@action_item_app.command("reopen")
def reopen(
    ctx: typer.Context,
    item_id: ItemId,
    note: Annotated[str, typer.Option(help="Why it is open again.")] = "",
    as_email: AsOption = None,
    json_output: JsonOption = False,
) -> None:
    """Open a done or cancelled action item again."""
    _set_status(ctx, item_id, ActionItemStatus.OPEN, note=note, as_email=as_email, json_output=json_output)
