"""`hikeshi incident …`: declare, list, show, update, resolve, dismiss, note, action."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hikeshi.catalog.service import list_products
from hikeshi.core.console import print_json, reported_errors
from hikeshi.incidents import cli_work, queries, service, views
from hikeshi.incidents.announcing import AnnouncementContext, announced_facts
from hikeshi.incidents.cli_text import room_lines
from hikeshi.incidents.models import Incident
from hikeshi.incidents.rules import STATUS_LABELS, Status
from hikeshi.incidents.schemas import IncidentCreate, IncidentOut, IncidentUpdate

incident_app = typer.Typer(help="Incidents: declare, follow, resolve.", no_args_is_help=True)
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
ByOption = Annotated[str | None, typer.Option("--by", help="Email of the person doing this.")]


_user = cli_work.user_by_email
_time = cli_work.moment


def _context(container: Any) -> AnnouncementContext:
    return AnnouncementContext.from_settings(container.settings)


def _print_one(ctx: typer.Context, incident: Incident, json_output: bool) -> None:
    out = IncidentOut.model_validate(incident)
    if json_output:
        print_json(out)
    else:
        status = ctx.obj.gettext(STATUS_LABELS[Status(out.status)])
        Console(highlight=False, markup=False).print(f"#{out.number} [{status}] {out.severity} {out.title}")


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
        status = gettext(STATUS_LABELS[Status(row.status)])
        table.add_row(str(row.number), status, row.severity, row.title, declared)
    Console().print(table)


@incident_app.command("show")
def show(ctx: typer.Context, number: int, json_output: JsonOption = False) -> None:
    """Everything about one incident: fields, tasks, recovery actions, timeline."""
    container = ctx.obj.container()
    speaker = ctx.obj.speaker
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        room = views.war_room(session=db, number=number, now=container.clock())
        detail = views.detail_out(room)
        if not json_output:
            facts = announced_facts(session=db, incident=room.incident, base_url=_context(container).base_url)
            names = {
                product.id: product.name_en if speaker.language == "en" else product.name_ja
                for product in list_products(session=db)
            }
            lines = room_lines(room, facts, speaker=speaker, product_names=names)
    if json_output:
        print_json(detail)
        return
    console = Console(highlight=False, markup=False)
    for line in lines:
        console.print(line, soft_wrap=True)


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
    web_booking: Annotated[
        bool | None,
        typer.Option(
            "--web-booking/--no-web-booking", help="Correct whether web-booking diners are affected."
        ),
    ] = None,
    detected_at: Annotated[str | None, typer.Option(help="When it was detected (ISO 8601).")] = None,
    summary: Annotated[str | None, typer.Option(help="A summary of what is known.")] = None,
    impact_note: Annotated[str | None, typer.Option(help="A note on the impact.")] = None,
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
            "override_web_booking": web_booking,
            "detected_at": _time(detected_at, field="detected_at", zone=zone),
            "summary": summary,
            "impact_note": impact_note,
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


# The work on an incident (notes, recovery actions, tasks, links) lives in cli_work.
for _name, _command in cli_work.COMMANDS.items():
    incident_app.command(_name)(_command)
