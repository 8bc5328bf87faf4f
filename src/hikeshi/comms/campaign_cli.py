"""`hikeshi notice campaign ID [--watch] [--json]` and `hikeshi notice campaign failures ID [--json]`."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer import _click
from typer.core import TyperGroup

from hikeshi.comms import campaigns
from hikeshi.comms.campaigns import CampaignProgress
from hikeshi.core.console import print_json, reported_errors
from hikeshi.core.errors import NotFound

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
NoticeId = Annotated[int, typer.Argument(help="The notice's number.", min=1)]
WATCH_INTERVAL_SECONDS = 1.0


class _NoticeIdFirst(TyperGroup):
    """`campaign 12` means `campaign show 12`: the progress is what people ask for most."""

    # Typer ships its own copy of click; its types are the ones the base class names.
    def resolve_command(
        self, ctx: _click.Context, args: list[str]
    ) -> tuple[str | None, _click.Command | None, list[str]]:
        if args and args[0].isdigit():
            return "show", self.commands["show"], args
        return super().resolve_command(ctx, args)


campaign_app = typer.Typer(
    cls=_NoticeIdFirst,
    help="A notice's email to the affected accounts: progress, failures.",
    no_args_is_help=True,
)


def _progress(ctx: typer.Context, notice_id: int) -> CampaignProgress:
    container = ctx.obj.container()
    with container.sessions() as db:
        progress = campaigns.campaign_progress(session=db, notice_id=notice_id)
    if progress is None:
        raise NotFound("notice {value} has no email campaign", value=notice_id)
    return progress


def _document(progress: CampaignProgress) -> dict[str, Any]:
    names = ("campaign_id", "notice_id", "status", "total", "queued", "sent", "failed", "opted_out")
    return {name: getattr(progress, name) for name in names}


@campaign_app.command("show")
def show_campaign(
    ctx: typer.Context,
    notice_id: NoticeId,
    watch: Annotated[bool, typer.Option("--watch", help="Follow the sending until it is done.")] = False,
    json_output: JsonOption = False,
) -> None:
    """How many emails are sent, waiting, failed, opted out; `--watch` shows a bar until done."""
    gettext = ctx.obj.gettext
    with reported_errors(gettext):
        progress = _progress(ctx, notice_id)
        if watch and not progress.finished:
            progress = _watch(ctx, notice_id, progress)
    if json_output:
        print_json(_document(progress))
        return
    console = Console()
    labels = {
        "preparing": gettext("Listing the recipients"),
        "sending": gettext("Sending"),
        "done": gettext("Done"),
    }
    total = "—" if progress.total is None else f"{progress.total:,}"
    console.print(f"{gettext('Status:')} {labels.get(progress.status, progress.status)}")
    console.print(f"{gettext('Recipients')}: {total}")
    console.print(f"{gettext('Sent')}: {progress.sent:,}")
    console.print(f"{gettext('Waiting to be sent')}: {progress.queued:,}")
    console.print(f"{gettext('Failed')}: {progress.failed:,}")
    console.print(f"{gettext('Opted out (not sent)')}: {progress.opted_out:,}")


def _watch(ctx: typer.Context, notice_id: int, progress: CampaignProgress) -> CampaignProgress:
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    )
    with bar:
        task = bar.add_task(ctx.obj.gettext("Sending"), total=progress.total, completed=progress.handled)
        while not progress.finished:
            time.sleep(WATCH_INTERVAL_SECONDS)
            progress = _progress(ctx, notice_id)
            bar.update(task, total=progress.total, completed=progress.handled)
    return progress


@campaign_app.command("failures")
def campaign_failures(ctx: typer.Context, notice_id: NoticeId, json_output: JsonOption = False) -> None:
    """The addresses the email could not reach, with their store and the server's answer."""
    gettext = ctx.obj.gettext
    container = ctx.obj.container()
    with reported_errors(gettext), container.sessions() as db:
        rows = campaigns.campaign_failures(session=db, notice_id=notice_id)
    if json_output:
        names = ("email", "store_id", "store_name", "language", "error")
        print_json([{name: getattr(row, name) for name in names} for row in rows])
        return
    if not rows:
        typer.echo(gettext("No email failed."))
        return
    table = Table(gettext("Address"), gettext("Store"), gettext("Error"))
    for row in rows:
        table.add_row(row.email, row.store_name, row.error)
    Console().print(table)
