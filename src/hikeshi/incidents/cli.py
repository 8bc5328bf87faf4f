"""`hikeshi incident …`: declare, list, show, update, resolve, dismiss, note, action."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hikeshi.accounts.service import find_user_by_email
from hikeshi.core.console import print_json, reported_errors
from hikeshi.core.errors import NotFound
from hikeshi.core.timezones import parse_moment
from hikeshi.incidents import queries, service, views, work
from hikeshi.incidents.announcing import AnnouncementContext
from hikeshi.incidents.models import Incident
from hikeshi.incidents.schemas import EventOut, IncidentCreate, IncidentOut, IncidentUpdate, RecoveryActionOut

incident_app = typer.Typer(help="Incidents: declare, follow, resolve.", no_args_is_help=True)
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
ByOption = Annotated[str | None, typer.Option("--by", help="Email of the person doing this.")]


def _user(db: Any, email: str | None, *, field: str) -> int | None:
    if email is None or not email.strip():
        return None
    person = find_user_by_email(session=db, email=email.strip())
    if person is None:
        raise NotFound("{field}: user {value} does not exist", field=field, value=email)
    return person.id


def _time(value: str | None, *, field: str, zone: str) -> datetime | None:
    """ISO 8601; without an offset, in the configured time zone."""
    return None if value is None else parse_moment(value, zone=zone, field=field)


def _context(container: Any) -> AnnouncementContext:
    return AnnouncementContext.from_settings(container.settings)


def _print_one(ctx: typer.Context, incident: Incident, json_output: bool) -> None:
    out = IncidentOut.model_validate(incident)
    if json_output:
        print_json(out)
    else:
        Console(highlight=False, markup=False).print(
            f"#{out.number} [{out.status}] {out.severity} {out.title}"
        )


@incident_app.command("declare")
def declare(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(help="What is broken, e.g. 'Web booking cannot be used'.")] = "",
    product: Annotated[
        list[str] | None, typer.Option("--product", help="Slug of an affected product.")
    ] = None,
    region: Annotated[
        list[str] | None, typer.Option("--region", help="jp or overseas; none: every region.")
    ] = None,
    severity: Annotated[str, typer.Option(help="SEV1, SEV2 or SEV3.")] = "SEV2",
    alert_group: Annotated[
        list[int] | None, typer.Option("--alert-group", help="Declare from this group.")
    ] = None,
    inquiry: Annotated[list[int] | None, typer.Option("--inquiry", help="Declare from this inquiry.")] = None,
    commander: Annotated[str | None, typer.Option(help="Email of the incident commander.")] = None,
    confirmed: Annotated[
        bool, typer.Option("--confirmed", help="Skip triage: customer impact is known.")
    ] = False,
    by: ByOption = None,
    json_output: JsonOption = False,
) -> None:
    """Open an incident (in triage unless --confirmed), by hand or from alert groups and inquiries."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        new = IncidentCreate.model_construct(
            title=title or None,
            products=product or [],
            regions=region or [],
            severity=severity,
            alert_group_ids=alert_group or [],
            inquiry_ids=inquiry or [],
            commander_id=_user(db, commander, field="commander"),
            declare=confirmed,
        )
        incident = service.declare_incident(
            session=db,
            new=new,
            by=_user(db, by, field="by"),
            now=container.clock(),
            context=_context(container),
        )
        db.commit()
        _print_one(ctx, incident, json_output)


@incident_app.command("list")
def list_incidents(
    ctx: typer.Context,
    state: Annotated[str, typer.Option(help="open, closed, all, or a status.")] = "open",
    product: Annotated[str | None, typer.Option(help="Only incidents affecting this product.")] = None,
    severity: Annotated[str | None, typer.Option(help="SEV1, SEV2 or SEV3.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    json_output: JsonOption = False,
) -> None:
    """List incidents, newest first."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        found = queries.list_incidents(
            session=db, state=state, product_slug=product, severity=severity, limit=limit
        )
        rows = [IncidentOut.model_validate(incident) for incident in found]
    if json_output:
        print_json(rows)
        return
    gettext = ctx.obj.gettext
    table = Table("#", gettext("Status"), gettext("Severity"), gettext("Title"), gettext("Declared"))
    for row in rows:
        declared = ctx.obj.speaker.format_datetime(row.declared_at)
        table.add_row(str(row.number), row.status, row.severity, row.title, declared)
    Console().print(table)


@incident_app.command("show")
def show(ctx: typer.Context, number: int, json_output: JsonOption = False) -> None:
    """Everything about one incident: fields, tasks, recovery actions, timeline."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        detail = views.detail_out(views.war_room(session=db, number=number, now=container.clock()))
    if json_output:
        print_json(detail)
        return
    console = Console(highlight=False, markup=False)
    gettext, when = ctx.obj.gettext, ctx.obj.speaker.format_datetime
    console.print(f"#{detail.number} [{detail.status}] {detail.severity} {detail.title}")
    console.print(gettext("Next: {statuses}").format(statuses=", ".join(detail.allowed_transitions) or "—"))
    for task in detail.tasks:
        mark = "x" if task.done_at else ("!" if task.overdue else " ")
        console.print(f"[{mark}] {task.id}: {gettext(task.title)} ({task.role})")
    for action in detail.recovery_actions:
        console.print(f"* {when(action.performed_at)} {action.kind}: {action.description}")
    for event in detail.events:
        moved = f"{event.data['from']} → {event.data['to']} " if event.kind in ("status", "field") else ""
        console.print(f"{when(event.at)} {event.kind} {moved}{event.note}".rstrip())


@incident_app.command("update")
def update(
    ctx: typer.Context,
    number: int,
    title: Annotated[str | None, typer.Option(help="What is broken.")] = None,
    severity: Annotated[str | None, typer.Option(help="SEV1, SEV2 or SEV3.")] = None,
    product: Annotated[
        list[str] | None, typer.Option("--product", help="The affected products (all of them).")
    ] = None,
    status: Annotated[str | None, typer.Option(help="investigating, identified, monitoring, …")] = None,
    reason: Annotated[str, typer.Option(help="Why (for dismissed or resolved with no action).")] = "",
    commander: Annotated[str | None, typer.Option(help="Email of the incident commander.")] = None,
    comms_lead: Annotated[str | None, typer.Option(help="Email of the comms lead.")] = None,
    hotfix_by: Annotated[str | None, typer.Option(help="Email of who deploys the hotfix.")] = None,
    hotfix_at: Annotated[str | None, typer.Option(help="When the hotfix is deployed (ISO 8601).")] = None,
    started_at: Annotated[str | None, typer.Option(help="When the problem started (ISO 8601).")] = None,
    stores_japan: Annotated[int | None, typer.Option(min=0, help="Correct the stores in Japan.")] = None,
    stores_overseas: Annotated[int | None, typer.Option(min=0, help="Correct the stores overseas.")] = None,
    by: ByOption = None,
    json_output: JsonOption = False,
) -> None:
    """Change fields and/or the status of an incident."""
    container = ctx.obj.container()
    zone = container.settings.timezone
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        values: dict[str, Any] = {
            "title": title,
            "severity": severity,
            "products": product,
            "commander_id": _user(db, commander, field="commander"),
            "comms_lead_id": _user(db, comms_lead, field="comms_lead"),
            "hotfix_deployer_id": _user(db, hotfix_by, field="hotfix_by"),
            "hotfix_planned_at": _time(hotfix_at, field="hotfix_at", zone=zone),
            "started_at": _time(started_at, field="started_at", zone=zone),
            "override_stores_japan": stores_japan,
            "override_stores_overseas": stores_overseas,
        }
        changes = IncidentUpdate.model_construct(
            **{name: value for name, value in values.items() if value is not None}
        )
        actor = _user(db, by, field="by")
        now = container.clock()
        incident = service.update_incident(
            session=db, number=number, update=changes, by=actor, now=now, context=_context(container)
        )
        if status:
            incident = service.change_status(
                session=db,
                number=number,
                status=status,
                reason=reason,
                by=actor,
                now=now,
                context=_context(container),
            )
        db.commit()
        _print_one(ctx, incident, json_output)


@incident_app.command("resolve")
def resolve(
    ctx: typer.Context,
    number: int,
    no_action_reason: Annotated[
        str,
        typer.Option("--no-action-reason", help="Why no recovery action was needed, if none was recorded."),
    ] = "",
    by: ByOption = None,
    json_output: JsonOption = False,
) -> None:
    """Resolve an incident: it needs a recovery action, or a reason why none was needed."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        incident = service.resolve_incident(
            session=db,
            number=number,
            no_action_reason=no_action_reason,
            by=_user(db, by, field="by"),
            now=container.clock(),
            context=_context(container),
        )
        db.commit()
        _print_one(ctx, incident, json_output)


@incident_app.command("dismiss")
def dismiss(
    ctx: typer.Context,
    number: int,
    reason: Annotated[str, typer.Option(help="Why this is not an incident (kept on record).")] = "",
    by: ByOption = None,
    json_output: JsonOption = False,
) -> None:
    """Dismiss an incident in triage: not customer-affecting, with a reason."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        incident = service.dismiss_incident(
            session=db,
            number=number,
            reason=reason,
            by=_user(db, by, field="by"),
            now=container.clock(),
            context=_context(container),
        )
        db.commit()
        _print_one(ctx, incident, json_output)


@incident_app.command("note")
def note(
    ctx: typer.Context, number: int, text: str, by: ByOption = None, json_output: JsonOption = False
) -> None:
    """Add a note to the incident's timeline."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        event = work.add_note(
            session=db, number=number, text=text, by=_user(db, by, field="by"), now=container.clock()
        )
        db.commit()
        out = EventOut.model_validate(event)
    if json_output:
        print_json(out)
    else:
        Console(highlight=False, markup=False).print(f"#{number}: {out.note}")


@incident_app.command("action")
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
        actor = _user(db, by, field="by")
        recorded = work.add_recovery_action(
            session=db,
            number=number,
            kind=kind,
            description=description,
            performed_by_id=actor,
            performed_at=_time(at, field="at", zone=container.settings.timezone),
            by=actor,
            now=container.clock(),
        )
        db.commit()
        out = RecoveryActionOut.model_validate(recorded)
    if json_output:
        print_json(out)
    else:
        Console(highlight=False, markup=False).print(f"#{number}: {out.kind} {out.description}")
