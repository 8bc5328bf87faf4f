"""`hikeshi postmortem …`: list, show, edit, submit, send back, publish, reopen; `action add`.

Postmortems are named by their id (`hikeshi postmortem list` shows it beside the incident's number).
People act as themselves: `--by EMAIL` (or `--as EMAIL` to publish) names who does it.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hikeshi.accounts import service as accounts
from hikeshi.core.console import print_json, reported_errors
from hikeshi.core.errors import InvalidInput, NotFound
from hikeshi.incidents import queries as incidents
from hikeshi.postmortems import service
from hikeshi.postmortems.deps import (
    action_item_out,
    parse_day,
    postmortem_out,
    summary_out,
    today,
    user_by_email,
)
from hikeshi.postmortems.schemas import PostmortemOut, PostmortemUpdate

postmortem_app = typer.Typer(
    help="Postmortems: write, review and publish to the knowledge base.", no_args_is_help=True
)
action_app = typer.Typer(help="Action items (prevention measures) of a postmortem.", no_args_is_help=True)
postmortem_app.add_typer(action_app, name="action")

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
MAX_ID = 2_147_483_647
PostmortemId = Annotated[int, typer.Argument(min=1, max=MAX_ID, help="The postmortem's id.")]
ByOption = Annotated[str | None, typer.Option("--by", help="Email of the person doing it.")]
TextOption = Annotated[str | None, typer.Option(help="New text ('' clears it).")]


def _out(container: Any, db: Any, postmortem_id: int) -> PostmortemOut:
    postmortem = service.get_postmortem(session=db, postmortem_id=postmortem_id)
    return postmortem_out(db, postmortem, on=today(container.clock(), container.settings.timezone))


def _url(container: Any, postmortem_id: int) -> str:
    url: str = container.settings.public_url(f"/postmortems/{postmortem_id}")
    return url


def _print(detail: PostmortemOut, json_output: bool, *, full: bool = False) -> None:
    if json_output:
        print_json(detail)
        return
    console = Console(highlight=False, markup=False)
    console.print(
        f"{detail.id} [{detail.status}] #{detail.incident_number} {detail.incident_title}"
        f" (v{detail.version}, owner: {detail.owner_name or '-'})"
    )
    if detail.missing:
        console.print(f"missing: {', '.join(detail.missing)}")
    if detail.kb_location:
        console.print(f"knowledge base: {detail.kb_location}")
    if detail.kb_error:
        console.print(f"knowledge base error: {detail.kb_error}")
    if not full:
        return
    for name in ("symptom", "recovery", "impact", "cause", "prevention"):
        for language in ("ja", "en"):
            text = getattr(detail, f"{name}_{language}")
            console.print(f"\n## {name} ({language})\n{text or '-'}")
    for item in detail.action_items:
        console.print(
            f"- action {item.id} [{item.status}] {item.title} ({item.owner_name or '-'}, {item.due_on})"
        )


@postmortem_app.command("list")
def list_postmortems(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="draft, in_review or published.")] = None,
    incident: Annotated[int | None, typer.Option(min=1, max=MAX_ID, help="An incident's number.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 100,
    json_output: JsonOption = False,
) -> None:
    """Postmortems, newest incident first."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        rows = [
            summary_out(row)
            for row in service.list_postmortems(
                session=db, status=status, incident_number=incident, limit=limit
            )
        ]
    if json_output:
        print_json(rows)
        return
    gettext = ctx.obj.gettext
    table = Table("ID", gettext("Incident"), gettext("Status"), gettext("Owner"), gettext("Updated"))
    for row in rows:
        updated = ctx.obj.speaker.format_datetime(row.updated_at)
        about = f"#{row.incident_number} {row.incident_title}"
        table.add_row(str(row.id), about, row.status, row.owner_name or "-", updated)
    Console().print(table)


@postmortem_app.command("show")
def show(
    ctx: typer.Context,
    postmortem_id: Annotated[
        int | None, typer.Argument(min=1, max=MAX_ID, help="The postmortem's id.")
    ] = None,
    incident: Annotated[
        int | None, typer.Option(min=1, max=MAX_ID, help="Or: the postmortem of this incident (number).")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """One postmortem with its texts, action items and the required fields still empty."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        if incident is not None:
            found = incidents.get_incident(session=db, number=incident)
            postmortem = service.postmortem_for_incident(session=db, incident_id=found.id)
            if postmortem is None:
                raise NotFound("Incident #{number} has no postmortem yet", number=incident)
            postmortem_id = postmortem.id
        if postmortem_id is None:
            raise InvalidInput("postmortem: give its id or --incident", field="postmortem")
        detail = _out(container, db, postmortem_id)
    _print(detail, json_output, full=True)


@postmortem_app.command("markdown")
def markdown(ctx: typer.Context, postmortem_id: PostmortemId) -> None:
    """The Markdown: as published, or as it would be published now."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        postmortem = service.get_postmortem(session=db, postmortem_id=postmortem_id)
        text = postmortem.published_markdown if postmortem.status == "published" else ""
        text = text or service.render_markdown(
            session=db,
            postmortem=postmortem,
            timezone=container.settings.timezone,
            url=_url(container, postmortem_id),
        )
    sys.stdout.write(text)


@postmortem_app.command("edit")
def edit(
    ctx: typer.Context,
    postmortem_id: PostmortemId,
    symptom_ja: TextOption = None,
    symptom_en: TextOption = None,
    recovery_ja: TextOption = None,
    recovery_en: TextOption = None,
    impact_ja: TextOption = None,
    impact_en: TextOption = None,
    cause_ja: TextOption = None,
    cause_en: TextOption = None,
    prevention_ja: TextOption = None,
    prevention_en: TextOption = None,
    owner: Annotated[str | None, typer.Option(help="Email of the postmortem's owner.")] = None,
    by: ByOption = None,
    json_output: JsonOption = False,
) -> None:
    """Change the texts given (a draft or one in review)."""
    texts = {
        "symptom_ja": symptom_ja,
        "symptom_en": symptom_en,
        "recovery_ja": recovery_ja,
        "recovery_en": recovery_en,
        "impact_ja": impact_ja,
        "impact_en": impact_en,
        "cause_ja": cause_ja,
        "cause_en": cause_en,
        "prevention_ja": prevention_ja,
        "prevention_en": prevention_en,
    }
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        values: dict[str, Any] = {name: value for name, value in texts.items() if value is not None}
        if owner is not None:
            values["owner_id"] = user_by_email(db, owner, field="owner")
        service.update_postmortem(
            session=db,
            postmortem_id=postmortem_id,
            changes=PostmortemUpdate.model_construct(**values),
            by=user_by_email(db, by, field="by"),
            now=container.clock(),
        )
        db.commit()
        detail = _out(container, db, postmortem_id)
    _print(detail, json_output)


@postmortem_app.command("submit")
def submit(
    ctx: typer.Context, postmortem_id: PostmortemId, by: ByOption = None, json_output: JsonOption = False
) -> None:
    """Ask for review: another person publishes it or sends it back."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        service.submit_postmortem(
            session=db,
            postmortem_id=postmortem_id,
            by=user_by_email(db, by, field="by"),
            now=container.clock(),
        )
        db.commit()
        detail = _out(container, db, postmortem_id)
    _print(detail, json_output)


@postmortem_app.command("return")
def send_back(
    ctx: typer.Context,
    postmortem_id: PostmortemId,
    note: Annotated[str, typer.Option(help="What to change.")] = "",
    by: ByOption = None,
    json_output: JsonOption = False,
) -> None:
    """Send a postmortem in review back to draft."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        service.return_to_draft(
            session=db,
            postmortem_id=postmortem_id,
            by=user_by_email(db, by, field="by"),
            now=container.clock(),
            note=note,
        )
        db.commit()
        detail = _out(container, db, postmortem_id)
    _print(detail, json_output)


@postmortem_app.command("publish")
def publish(
    ctx: typer.Context,
    postmortem_id: PostmortemId,
    publisher: Annotated[str, typer.Option("--as", help="Email of the reviewer who publishes it.")],
    json_output: JsonOption = False,
) -> None:
    """Publish a reviewed postmortem and copy it to the knowledge base (refused while a field is empty)."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        user_id = user_by_email(db, publisher, field="as")
        if user_id is None:
            raise InvalidInput("as: give the reviewer's email", field="as")
        service.publish_postmortem(
            session=db,
            postmortem_id=postmortem_id,
            by=accounts.get_user(session=db, user_id=user_id),
            now=container.clock(),
            url=_url(container, postmortem_id),
            timezone=container.settings.timezone,
        )
        db.commit()
        detail = _out(container, db, postmortem_id)
    _print(detail, json_output)


@postmortem_app.command("reopen")
def reopen(
    ctx: typer.Context, postmortem_id: PostmortemId, by: ByOption = None, json_output: JsonOption = False
) -> None:
    """A published postmortem back to draft; publishing it again updates the same post."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        service.reopen_postmortem(
            session=db,
            postmortem_id=postmortem_id,
            by=user_by_email(db, by, field="by"),
            now=container.clock(),
        )
        db.commit()
        detail = _out(container, db, postmortem_id)
    _print(detail, json_output)


@action_app.command("add")
def add_action(
    ctx: typer.Context,
    postmortem_id: PostmortemId,
    title: Annotated[str, typer.Option(help="What will be done.")],
    due: Annotated[str, typer.Option(help="The due day, YYYY-MM-DD (company time zone).")],
    owner: Annotated[str | None, typer.Option(help="Email of the person who does it.")] = None,
    description: Annotated[str, typer.Option(help="More details.")] = "",
    by: ByOption = None,
    json_output: JsonOption = False,
) -> None:
    """Add a prevention measure to a postmortem."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        now = container.clock()
        item = service.add_action_item(
            session=db,
            postmortem_id=postmortem_id,
            title=title,
            description=description,
            owner_id=user_by_email(db, owner, field="owner"),
            due_on=parse_day(due, field="due"),
            by=user_by_email(db, by, field="by"),
            now=now,
        )
        db.commit()
        number = incidents.get_incident_by_id(session=db, incident_id=item.incident_id).number
        out = action_item_out(db, item, number=number, on=today(now, container.settings.timezone))
    if json_output:
        print_json(out)
        return
    Console(highlight=False, markup=False).print(
        f"{out.id} [{out.status}] {out.title} ({out.owner_name or '-'}, {out.due_on})"
    )
