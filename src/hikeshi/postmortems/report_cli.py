"""`hikeshi report weekly [--week 2026-W48] [--format md|html|json] [--output FILE]` and
`hikeshi report metrics [--since DAY] [--until DAY] [--json]`: figures in HIKESHI_TIMEZONE."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from hikeshi.core.console import print_json, reported_errors
from hikeshi.core.errors import InvalidInput
from hikeshi.postmortems import weekly
from hikeshi.postmortems.metrics import response_metrics
from hikeshi.postmortems.rules import parse_week

report_app = typer.Typer(
    help="Reports: the weekly incident report and response metrics.", no_args_is_help=True
)
FORMATS = ("md", "html", "json")


@report_app.command("weekly")
def weekly_report(
    ctx: typer.Context,
    week: Annotated[
        str, typer.Option(help="ISO week, e.g. 2026-W48 (default: the last complete week).")
    ] = "",
    output_format: Annotated[str, typer.Option("--format", help="md, html or json.")] = "md",
    output: Annotated[Path | None, typer.Option(help="Write to this file instead of printing.")] = None,
) -> None:
    """The weekly report for the all-company meeting: incidents, MTTA/MTTD/MTTR, alerts, pages, trend."""
    container = ctx.obj.container()
    settings = container.settings
    with reported_errors(ctx.obj.gettext):
        if output_format not in FORMATS:
            raise InvalidInput(
                "format: '{value}' is not one of {choices}",
                field="format",
                value=output_format,
                choices=", ".join(FORMATS),
            )
        now = container.clock()
        chosen = parse_week(week) if week.strip() else weekly.last_complete_week(now, settings.timezone)
        with container.sessions() as db:
            report = weekly.weekly_report(
                session=db, week=chosen, timezone=settings.timezone, language=settings.language, now=now
            )
        if output_format == "md":
            text = weekly.render_markdown(report)
        elif output_format == "html":
            text = weekly.render_html(report)
        else:
            text = weekly.report_out(report).model_dump_json(indent=2) + "\n"
        if output is None:
            sys.stdout.write(text)
            return
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as error:
            raise InvalidInput(
                "output: cannot write {path}: {reason}",
                field="output",
                path=str(output),
                reason=error.strerror,
            ) from None
    sys.stdout.write(ctx.obj.gettext("Wrote {path}").format(path=output) + "\n")


@report_app.command("metrics")
def metrics(
    ctx: typer.Context,
    since: Annotated[str, typer.Option(help="First day, YYYY-MM-DD (default: 30 days ago).")] = "",
    until: Annotated[str, typer.Option(help="Last day, YYYY-MM-DD, included (default: today).")] = "",
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Response metrics over any days: MTTD, MTTA, MTTR, incidents, alerts, pages, action items."""
    container = ctx.obj.container()
    zone = container.settings.timezone
    _ = ctx.obj.gettext
    with reported_errors(_), container.sessions() as db:
        now = container.clock()
        first, last, start, end = weekly.day_range(since, until, timezone=zone, now=now)
        figures = response_metrics(session=db, since=start, until=end, timezone=zone, now=now)
    if json_output:
        print_json(weekly.metrics_out(figures))
        return
    helpers = weekly.helpers(container.settings.language, zone)
    table = Table(title=_("From {since} to {until} (both days included)").format(since=first, until=last))
    table.add_column(_("Figure"))
    table.add_column(_("Value"))
    rows = [
        (_("Incidents"), str(len(figures.incidents))),
        (_("MTTD (mean time to detect)"), helpers["duration"](figures.mttd.seconds)),
        (_("MTTA (mean time to acknowledge)"), helpers["duration"](figures.mtta.seconds)),
        (_("MTTR (mean time to resolve)"), helpers["duration"](figures.mttr.seconds)),
        (_("Alerts"), str(figures.alerts)),
        (_("Pages"), str(figures.pages)),
        (_("Night pages"), str(figures.night_pages)),
        (_("Open action items"), str(figures.action_items_open)),
        (_("Overdue action items"), str(figures.action_items_overdue)),
    ]
    for name, value in rows:
        table.add_row(name, value)
    Console(highlight=False).print(table)
