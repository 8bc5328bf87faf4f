"""`hikeshi notice …`: list, show (with history), draft, publish, discard customer notices."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hikeshi.accounts.service import find_user_by_email
from hikeshi.comms import notices, publishing
from hikeshi.comms.models import Notice
from hikeshi.comms.publishing import PublishingContext
from hikeshi.comms.schemas import NoticeDetailOut, NoticeOut, RevisionOut
from hikeshi.core.console import print_json, reported_errors
from hikeshi.core.errors import InvalidInput, NotFound
from hikeshi.incidents import queries as incidents

notice_app = typer.Typer(help="Customer notices: draft, approve and publish, follow.", no_args_is_help=True)
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
MAX_ID = 2_147_483_647
NoticeId = Annotated[int, typer.Argument(min=1, max=MAX_ID, help="The notice's id.")]


def _user_id(db: Any, email: str | None, *, field: str) -> int | None:
    if email is None or not email.strip():
        return None
    person = find_user_by_email(session=db, email=email.strip())
    if person is None:
        raise NotFound("{field}: user {value} does not exist", field=field, value=email)
    return person.id


def _detail(db: Any, notice: Notice) -> NoticeDetailOut:
    return NoticeDetailOut(
        **NoticeOut.model_validate(notice).model_dump(),
        incident_number=notices.incident_number(session=db, incident_id=notice.incident_id),
        history=[
            RevisionOut.model_validate(r) for r in notices.notice_history(session=db, notice_id=notice.id)
        ],
    )


def _print_one(detail: NoticeDetailOut, json_output: bool) -> None:
    if json_output:
        print_json(detail)
        return
    console = Console(highlight=False, markup=False)
    about = f"#{detail.incident_number}" if detail.incident_number else "-"
    console.print(f"{detail.id} [{detail.status}] {detail.kind} {about} {detail.title_ja}")
    console.print(f"channels: {', '.join(detail.channels) or '-'}")


@notice_app.command("list")
def list_notices(
    ctx: typer.Context,
    incident: Annotated[
        int | None, typer.Option(min=1, max=MAX_ID, help="Only this incident's notices (its number).")
    ] = None,
    status: Annotated[str | None, typer.Option(help="draft, published or discarded.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 100,
    json_output: JsonOption = False,
) -> None:
    """Drafts awaiting approval first, then the others, newest first."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        incident_id = incidents.get_incident(session=db, number=incident).id if incident else None
        found = notices.list_notices(session=db, incident_id=incident_id, status=status, limit=limit)
        rows = [NoticeOut.model_validate(notice) for notice in found]
    if json_output:
        print_json(rows)
        return
    gettext = ctx.obj.gettext
    table = Table("ID", gettext("Status"), gettext("Kind"), gettext("Title"), gettext("Updated"))
    for row in rows:
        updated = ctx.obj.speaker.format_datetime(row.published_at or row.updated_at)
        table.add_row(str(row.id), row.status, row.kind, row.title_ja, updated)
    Console().print(table)


@notice_app.command("show")
def show(ctx: typer.Context, notice_id: NoticeId, json_output: JsonOption = False) -> None:
    """One notice with its texts and history."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        detail = _detail(db, notices.get_notice(session=db, notice_id=notice_id))
    if json_output:
        print_json(detail)
        return
    _print_one(detail, json_output=False)
    console = Console(highlight=False, markup=False)
    console.print("")
    console.print(detail.body_ja)
    console.print("")
    when = ctx.obj.speaker.format_datetime
    for revision in detail.history:
        console.print(f"{when(revision.at)} {revision.action} {revision.actor_user_id or 'hikeshi'}")


@notice_app.command("draft")
def draft(
    ctx: typer.Context,
    incident: Annotated[int, typer.Argument(min=1, max=MAX_ID, help="The incident's number.")],
    kind: Annotated[str, typer.Option(help="first, update or resolved.")] = "first",
    title_ja: Annotated[str | None, typer.Option(help="Japanese title; pre-filled when omitted.")] = None,
    body_ja: Annotated[str | None, typer.Option(help="Japanese body; pre-filled when omitted.")] = None,
    title_en: Annotated[str | None, typer.Option(help="English title; pre-filled when omitted.")] = None,
    body_en: Annotated[str | None, typer.Option(help="English body; pre-filled when omitted.")] = None,
    channels: Annotated[
        str | None, typer.Option(help="Comma-separated: status_page,in_app,email,calls,partners.")
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help="Email of the person drafting.")] = None,
    json_output: JsonOption = False,
) -> None:
    """Draft a notice about an incident, pre-filled from its facts."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        found = incidents.get_incident(session=db, number=incident)
        chosen = [c for c in channels.split(",") if c.strip()] if channels is not None else None
        if chosen is not None and not chosen:
            raise InvalidInput("channels: name at least one channel", field="channels")
        notice = notices.create_notice(
            session=db,
            incident_id=found.id,
            maintenance_id=None,
            kind=kind,
            by=_user_id(db, by, field="by"),
            now=container.clock(),
            channels=chosen,
            title_ja=title_ja,
            title_en=title_en,
            body_ja=body_ja,
            body_en=body_en,
            timezone=container.settings.timezone,
        )
        db.commit()
        detail = _detail(db, notice)
    _print_one(detail, json_output)


@notice_app.command("publish")
def publish(
    ctx: typer.Context,
    notice_id: NoticeId,
    approver: Annotated[
        str, typer.Option("--as", help="Email of the approver (an administrator or support team lead).")
    ],
    json_output: JsonOption = False,
) -> None:
    """Approve and publish a draft to its channels."""
    container = ctx.obj.container()
    context = PublishingContext.from_settings(container.settings)
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        by = _user_id(db, approver, field="as")
        if by is None:
            raise InvalidInput("as: give the approver's email", field="as")
        notice = publishing.publish_notice(
            session=db,
            notice_id=notice_id,
            by=by,
            now=container.clock(),
            base_url=context.base_url,
            open_hours=context.open_hours,
        )
        db.commit()
        detail = _detail(db, notice)
    _print_one(detail, json_output)


@notice_app.command("discard")
def discard(
    ctx: typer.Context,
    notice_id: NoticeId,
    reason: Annotated[str, typer.Option(help="Why it is not sent.")],
    by: Annotated[str | None, typer.Option("--by", help="Email of the person discarding.")] = None,
    json_output: JsonOption = False,
) -> None:
    """Discard a draft, with the reason kept in its history."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        notice = notices.discard_notice(
            session=db,
            notice_id=notice_id,
            reason=reason,
            by=_user_id(db, by, field="by"),
            now=container.clock(),
        )
        db.commit()
        detail = _detail(db, notice)
    _print_one(detail, json_output)
