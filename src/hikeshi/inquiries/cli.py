"""`hikeshi inquiry add|list|show`."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hikeshi.accounts.service import find_user_by_email
from hikeshi.alerts.notify import Context
from hikeshi.core.console import print_json, reported_errors
from hikeshi.core.errors import NotFound
from hikeshi.inquiries import service
from hikeshi.inquiries.rules import InquiryPolicy, summary_text
from hikeshi.inquiries.schemas import InquiryDetailOut, InquiryOut, InquiryPageOut, SimilarInquiryOut

inquiry_app = typer.Typer(help="Support inquiries: log, list, show.", no_args_is_help=True)
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


def _detail(db: Any, container: Any, inquiry_id: int) -> InquiryDetailOut:
    inquiry = InquiryOut.model_validate(service.get_inquiry(session=db, inquiry_id=inquiry_id))
    similar = service.similar_to(
        session=db,
        inquiry_id=inquiry_id,
        now=container.clock(),
        policy=InquiryPolicy.from_settings(container.settings),
    )
    return InquiryDetailOut(
        **inquiry.model_dump(),
        similar=[
            SimilarInquiryOut(inquiry=InquiryOut.model_validate(item.inquiry), score=item.score)
            for item in similar
        ],
    )


def _print(ctx: typer.Context, out: InquiryDetailOut) -> None:
    gettext = ctx.obj.gettext
    console = Console(highlight=False)
    console.print(f"#{out.id} [{out.channel}] {summary_text(out.body)}")
    if out.alert_group_id is not None:
        console.print(gettext("Alert group: {id}").format(id=out.alert_group_id))
    for item in out.similar:
        console.print(f"  ~ #{item.inquiry.id} ({item.score:.2f}) {summary_text(item.inquiry.body, 80)}")


@inquiry_app.command("add")
def add_inquiry(
    ctx: typer.Context,
    body: Annotated[str, typer.Argument(help="What the store (or you) said.")],
    by: Annotated[str, typer.Option("--by", help="Email of the person logging it.")],
    channel: Annotated[str, typer.Option(help="phone, email, chat or internal.")] = "phone",
    store: Annotated[str | None, typer.Option(help="The store's external id, or #ID.")] = None,
    product: Annotated[str | None, typer.Option(help="Slug of the product it is about.")] = None,
    bug: Annotated[
        bool, typer.Option("--bug", help="Looks like a bug: an engineer investigates at once.")
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Log an inquiry; --bug raises an alert at once."""
    container = ctx.obj.container()
    settings = container.settings
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        person = find_user_by_email(session=db, email=by)
        if person is None:
            raise NotFound("user {value} does not exist", value=by)
        inquiry = service.log_inquiry(
            session=db,
            reported_by_id=person.id,
            channel=channel,
            body=body,
            store=store,
            product_slug=product,
            looks_like_bug=bug,
            now=container.clock(),
            policy=InquiryPolicy.from_settings(settings),
            context=Context(language=settings.language, base_url=settings.public_url("")),
        )
        db.commit()
        out = _detail(db, container, inquiry.id)
    if json_output:
        print_json(out)
    else:
        _print(ctx, out)


@inquiry_app.command("list")
def list_inquiries(
    ctx: typer.Context,
    product: Annotated[str | None, typer.Option(help="Only this product (slug).")] = None,
    channel: Annotated[str | None, typer.Option(help="phone, email, chat or internal.")] = None,
    bugs: Annotated[bool, typer.Option("--bugs", help="Only those that look like a bug.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 50,
    json_output: JsonOption = False,
) -> None:
    """List inquiries, newest first."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        page = service.list_inquiries(
            session=db,
            product_slug=product,
            channel=channel,
            looks_like_bug=True if bugs else None,
            limit=limit,
        )
        rows = [InquiryOut.model_validate(inquiry) for inquiry in page.inquiries]
    if json_output:
        print_json(InquiryPageOut(inquiries=rows, total=page.total, limit=page.limit, offset=page.offset))
        return
    gettext = ctx.obj.gettext
    table = Table("id", gettext("Logged"), gettext("Channel"), gettext("Bug?"), gettext("Inquiry"))
    for row in rows:
        table.add_row(
            str(row.id),
            str(row.created_at),
            row.channel,
            "✓" if row.looks_like_bug else "",
            summary_text(row.body, 60),
        )
    Console().print(table)


@inquiry_app.command("show")
def show_inquiry(ctx: typer.Context, inquiry_id: int, json_output: JsonOption = False) -> None:
    """One inquiry and the recent similar ones."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        out = _detail(db, container, inquiry_id)
    if json_output:
        print_json(out)
    else:
        _print(ctx, out)
