"""`hikeshi notice calls INCIDENT` (the call list) and `hikeshi notice calls record ID --outcome …`.

`INCIDENT` is the incident's number (`12` or `#12`). `--as EMAIL` names the person at the keyboard:
whose calls `--mine` lists, and who made the call that `record` writes down.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from hikeshi.accounts.service import find_user_by_email
from hikeshi.comms import calls
from hikeshi.comms.call_rules import OUTCOME_LABELS
from hikeshi.comms.call_schemas import CallListOut, CallOut, CallProgressOut
from hikeshi.comms.rules import CallOutcome
from hikeshi.core.console import print_json, reported_errors
from hikeshi.core.errors import InvalidInput, NotFound
from hikeshi.incidents.service import get_incident

LIST_COMMAND = "list"


class _ListByDefault(TyperGroup):
    """`calls 12` means `calls list 12`: the list is what people ask for most."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # a click Context
        wants_help = any(arg in ("--help", "-h") for arg in args)
        if args and args[0] not in self.commands and not (wants_help and args[0].startswith("-")):
            args = [LIST_COMMAND, *args]
        return super().parse_args(ctx, args)


call_app = typer.Typer(
    cls=_ListByDefault,
    help="Calls to the affected stores: the list, and what came of each call.",
    no_args_is_help=True,
)
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
AsOption = Annotated[str | None, typer.Option("--as", help="Email of the person at the keyboard.")]


def _number(value: str) -> int:
    text = value.strip().removeprefix("#")
    if not text.isdigit() or not 1 <= int(text) <= 2_147_483_647:
        raise InvalidInput(
            "incident: '{value}' is not an incident number such as 12", field="incident", value=value
        )
    return int(text)


def _person(db: Any, email: str | None, *, required: bool) -> int | None:
    if email is None or not email.strip():
        if required:
            raise InvalidInput("--as: say who you are, e.g. --as you@example.com", field="--as")
        return None
    person = find_user_by_email(session=db, email=email.strip())
    if person is None or not person.is_active:
        raise NotFound("--as: user {value} does not exist", field="--as", value=email)
    return person.id


@call_app.command(LIST_COMMAND)
def list_calls(
    ctx: typer.Context,
    incident: Annotated[str, typer.Argument(help="The incident's number, e.g. 12.")],
    mine: Annotated[bool, typer.Option("--mine", help="Only the calls assigned to --as.")] = False,
    as_email: AsOption = None,
    state: Annotated[str | None, typer.Option(help="to_call, called, or one outcome.")] = None,
    limit: Annotated[int, typer.Option(help="How many calls to show.")] = 50,
    offset: Annotated[int, typer.Option(help="How many to skip.")] = 0,
    json_output: JsonOption = False,
) -> None:
    """The incident's call list in priority order (open stores first), with its progress."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        now = container.clock()
        found = get_incident(session=db, number=_number(incident))
        me = _person(db, as_email, required=mine)
        page = calls.list_calls(
            session=db,
            incident_id=found.id,
            assignee_id=me if mine else None,
            state=state,
            limit=limit,
            offset=offset,
        )
        rows = calls.call_rows(
            session=db, tasks=page.tasks, now=now, open_hours=container.settings.store_open_hours
        )
        out = CallListOut(
            incident_number=found.number,
            progress=CallProgressOut.model_validate(calls.call_progress(session=db, incident_id=found.id)),
            total=page.total,
            limit=page.limit,
            offset=page.offset,
            calls=[CallOut.model_validate(row) for row in rows],
        )
    if json_output:
        print_json(out)
        return
    _print_list(ctx, out)


def _outcome(ctx: typer.Context, value: str | None) -> str:
    if value is None:
        return str(ctx.obj.gettext("To call"))
    return str(ctx.obj.gettext(OUTCOME_LABELS[CallOutcome(value)]))


def _print_list(ctx: typer.Context, out: CallListOut) -> None:
    _ = ctx.obj.gettext
    progress = out.progress
    console = Console(highlight=False, markup=False)
    console.print(
        _("{called} of {total} stores called ({percent}%).").format(
            called=progress.called,
            total=progress.total,
            percent=0 if progress.total == 0 else progress.called * 100 // progress.total,
        )
    )
    table = Table("id", "#", _("Store"), _("Local time"), _("Phone"), _("Caller"), _("Outcome"), _("Notes"))
    for call in out.calls:
        local = f"{call.local_time:%H:%M} {call.local_time.tzname() or ''}".strip()
        if call.open_now:
            local += f" ({_('Open now')})"
        table.add_row(
            str(call.id),
            str(call.priority),
            f"{call.store_name} [{call.store_external_id}]",
            local,
            call.phone or "—",
            call.assignee_name or _("Unassigned"),
            _outcome(ctx, call.outcome),
            call.notes,
        )
    console.print(table)


@call_app.command("record")
def record_call(
    ctx: typer.Context,
    call_id: Annotated[int, typer.Argument(help="The call's id (the first column of the list).")],
    outcome: Annotated[str, typer.Option(help="reached, voicemail, no_answer or wrong_number.")],
    as_email: AsOption = None,
    notes: Annotated[str | None, typer.Option(help="What was said; replaces the call's notes.")] = None,
    json_output: JsonOption = False,
) -> None:
    """Write down what came of a call (another attempt; a later outcome replaces an earlier one)."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        now = container.clock()
        me = _person(db, as_email, required=True)
        assert me is not None  # required above
        task = calls.update_call(session=db, call_id=call_id, by=me, now=now, outcome=outcome, notes=notes)
        db.commit()
        row = calls.call_rows(
            session=db, tasks=[task], now=now, open_hours=container.settings.store_open_hours
        )[0]
        out = CallOut.model_validate(row)
    if json_output:
        print_json(out)
        return
    message = ctx.obj.gettext("Call {id} to {store}: {outcome}.")
    Console(highlight=False, markup=False).print(
        message.format(id=out.id, store=out.store_name, outcome=_outcome(ctx, out.outcome))
    )
