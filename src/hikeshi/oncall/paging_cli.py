"""`hikeshi page SERVICE MESSAGE [--urgency]`, `hikeshi page ack|resolve ID`, `hikeshi page list`, and
`hikeshi escalation list|show|create|delete`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session
from typer import _click
from typer.core import TyperGroup

from hikeshi.accounts.models import User
from hikeshi.accounts.service import find_user_by_email
from hikeshi.core.console import fail, print_json, reported_errors
from hikeshi.core.errors import NotFound
from hikeshi.oncall import escalation, paging
from hikeshi.oncall.paging_rules import STATUS_LABELS, URGENCY_LABELS
from hikeshi.oncall.paging_schemas import PageOut, PolicyIn

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
ByOption = Annotated[str, typer.Option("--by", help="Email of the person acting.")]


class _PageGroup(TyperGroup):
    """`hikeshi page web-booking "…"` is `hikeshi page send web-booking "…"`: sending is the default."""

    # Typer ships its own copy of click; its types are the ones the base class names.
    def resolve_command(
        self, ctx: _click.Context, args: list[str]
    ) -> tuple[str | None, _click.Command | None, list[str]]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            return "send", self.commands["send"], args
        return super().resolve_command(ctx, args)


page_app = typer.Typer(
    cls=_PageGroup,
    help="Page the on-call engineer: `hikeshi page SERVICE MESSAGE`; ack, resolve and list pages.",
    no_args_is_help=True,
)
escalation_app = typer.Typer(help="Escalation policies: who is paged, in which order.", no_args_is_help=True)


@page_app.command("send")
def send_page(
    ctx: typer.Context,
    service: Annotated[str, typer.Argument(help="Product or team slug, e.g. web-booking.")],
    message: Annotated[str, typer.Argument(help="What is wrong.")],
    urgency: Annotated[str, typer.Option(help="high or low.")] = "high",
    by: Annotated[str, typer.Option("--by", help="Email of the person paging.")] = "",
    json_output: JsonOption = False,
) -> None:
    """Page whoever is on call for a product or team (the default sub-command)."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        person = _person(db, by) if by else None
        page = paging.page_service(
            session=db,
            service=service,
            message=message,
            urgency=urgency,
            now=container.clock(),
            requested_by_id=person.id if person else None,
            requested_by_name=person.name if person else "cli",
            source_kind="cli",
        )
        db.commit()
        out = PageOut.model_validate(page)
    if json_output:
        print_json(out)
        return
    Console(highlight=False).print(
        ctx.obj.gettext("Page {id} started: {title}").format(id=out.id, title=out.title)
    )


def _person(db: Session, email: str) -> User:
    person = find_user_by_email(session=db, email=email)
    if person is None:
        raise NotFound("user '{value}' does not exist", field="by", value=email)
    return person


@page_app.command("ack")
def ack_page(ctx: typer.Context, page_id: int, by: ByOption, json_output: JsonOption = False) -> None:
    """Acknowledge a page: no one else is notified."""
    _act(ctx, page_id, by, json_output, acknowledge=True)


@page_app.command("resolve")
def resolve_page(ctx: typer.Context, page_id: int, by: ByOption, json_output: JsonOption = False) -> None:
    """Resolve a page: it stops."""
    _act(ctx, page_id, by, json_output, acknowledge=False)


def _act(ctx: typer.Context, page_id: int, by: str, json_output: bool, *, acknowledge: bool) -> None:
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        person = _person(db, by)
        act = paging.acknowledge_page if acknowledge else paging.resolve_page
        page = act(session=db, page_id=page_id, user_id=person.id, now=container.clock())
        db.commit()
        out = PageOut.model_validate(page)
    if json_output:
        print_json(out)
        return
    status = ctx.obj.gettext(STATUS_LABELS[out.status])
    Console(highlight=False).print(ctx.obj.gettext("Page {id}: {status}").format(id=out.id, status=status))


@page_app.command("list")
def list_pages(
    ctx: typer.Context,
    status: Annotated[str, typer.Option(help="open, acknowledged, resolved, exhausted or all.")] = "all",
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    json_output: JsonOption = False,
) -> None:
    """Pages, newest first."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        pages = paging.list_pages(session=db, status=None if status == "all" else status, limit=limit)
        rows = [PageOut.model_validate(page) for page in pages]
    if json_output:
        print_json(rows)
        return
    _ = ctx.obj.gettext
    speaker = ctx.obj.speaker
    table = Table("id", _("Status"), _("Urgency"), _("Title"), _("Policy"), _("Started"))
    for row in rows:
        table.add_row(
            str(row.id),
            _(STATUS_LABELS[row.status]),
            _(URGENCY_LABELS[row.urgency]),
            row.title,
            str(row.policy_snapshot.get("name", "")),
            speaker.format_datetime(row.created_at),
        )
    Console().print(table)


@escalation_app.command("list")
def list_policies(ctx: typer.Context, json_output: JsonOption = False) -> None:
    """Escalation policies with their steps."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        rows = [escalation.policy_out(session=db, policy=p) for p in escalation.list_policies(session=db)]
    if json_output:
        print_json(rows)
        return
    _ = ctx.obj.gettext
    table = Table("id", _("Name"), _("Products"), _("Steps"), _("Repeats"))
    for row in rows:
        steps = " → ".join(
            f"{', '.join(target.name for target in step.targets)} ({step.delay_minutes}m)"
            for step in row.steps
        )
        table.add_row(str(row.id), row.name, ", ".join(row.products), steps, str(row.repeat_count))
    Console().print(table)


@escalation_app.command("show")
def show_policy(
    ctx: typer.Context,
    policy: Annotated[str, typer.Argument(help="Name or id.")],
    json_output: JsonOption = False,
) -> None:
    """One policy, step by step."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        found = escalation.find_policy(session=db, name_or_id=policy)
        out = escalation.policy_out(session=db, policy=found)
    if json_output:
        print_json(out)
        return
    _ = ctx.obj.gettext
    console = Console(highlight=False)
    console.print(f"[bold]{out.name}[/bold] (id {out.id}) {', '.join(out.products)}")
    for number, step in enumerate(out.steps, start=1):
        names = ", ".join(f"{target.type}:{target.name}" for target in step.targets)
        console.print(f"  {number}. {names} → {step.delay_minutes} min")
    console.print(f"  {_('Repeats')}: {out.repeat_count}")


@escalation_app.command("create")
def create_policy(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The policy's name.")],
    step: Annotated[
        list[str],
        typer.Option(
            "--step",
            help="MINUTES:TARGET[,TARGET…], in order; a target is user:EMAIL or schedule:NAME. Repeatable.",
        ),
    ],
    product: Annotated[list[str] | None, typer.Option("--product", help="Product slug (repeatable).")] = None,
    repeat: Annotated[int, typer.Option("--repeat", min=0, max=9, help="Times to run the steps again.")] = 0,
    json_output: JsonOption = False,
) -> None:
    """Create a policy: `--step 5:user:sato@example.jp --step 10:schedule:Primary`."""
    body = _policy_body(name=name, steps=step, products=product or [], repeat=repeat)
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        wanted = escalation.policy_input(session=db, body=body)
        policy = escalation.create_policy(session=db, policy=wanted, now=container.clock())
        db.commit()
        out = escalation.policy_out(session=db, policy=policy)
    if json_output:
        print_json(out)
        return
    Console(highlight=False).print(ctx.obj.gettext("Escalation policy {id} created.").format(id=out.id))


def _policy_body(*, name: str, steps: list[str], products: list[str], repeat: int) -> PolicyIn:
    parsed: list[dict[str, Any]] = []
    for number, text in enumerate(steps, start=1):
        minutes, _, targets = text.partition(":")
        if not minutes.strip().isdigit() or not targets.strip():
            fail(f"--step {number}: '{text}' is not MINUTES:TARGET[,TARGET…]")
        parsed.append(
            {"delay_minutes": int(minutes), "targets": [t for t in targets.split(",") if t.strip()]}
        )
    try:
        return PolicyIn.model_validate(
            {"name": name, "steps": parsed, "products": products, "repeat_count": repeat}
        )
    except ValidationError as error:
        first = error.errors()[0]
        fail(f"{'.'.join(str(part) for part in first['loc'])}: {first['msg']}")
        raise


@escalation_app.command("import")
def import_policy(ctx: typer.Context, file: Path, json_output: JsonOption = False) -> None:
    """Create a policy from a JSON file shaped like the API's (name, steps, products, repeat_count)."""
    try:
        body = PolicyIn.model_validate(json.loads(file.read_text(encoding="utf-8")))
    except (OSError, ValueError) as error:
        fail(f"{file}: {error}")
        raise
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        policy = escalation.create_policy(
            session=db, policy=escalation.policy_input(session=db, body=body), now=container.clock()
        )
        db.commit()
        out = escalation.policy_out(session=db, policy=policy)
    if json_output:
        print_json(out)
        return
    Console(highlight=False).print(ctx.obj.gettext("Escalation policy {id} created.").format(id=out.id))


@escalation_app.command("delete")
def delete_policy(ctx: typer.Context, policy: Annotated[str, typer.Argument(help="Name or id.")]) -> None:
    """Delete a policy; pages it started keep running on their snapshot."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        found = escalation.find_policy(session=db, name_or_id=policy)
        escalation.delete_policy(session=db, policy_id=found.id)
        db.commit()
    Console(highlight=False).print(ctx.obj.gettext("Escalation policy {id} deleted.").format(id=found.id))
