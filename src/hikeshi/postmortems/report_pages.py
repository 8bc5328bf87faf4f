"""The weekly report page (printable; previous and next week) and its Markdown, and the metrics page
(the same figures over any days). Figures are counted in the company's time zone (HIKESHI_TIMEZONE)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hikeshi.accounts.deps import DbSession, Now, StaffPage
from hikeshi.postmortems import metrics, weekly
from hikeshi.postmortems.rules import IsoWeek, parse_week
from hikeshi.web.kit.context import container, translator

router = APIRouter(tags=["report pages"], include_in_schema=False)


def _render(request: Request, name: str, context: Mapping[str, object]) -> Response:
    response: Response = request.app.state.templates.render(request, name, context)
    return response


def _week(request: Request, value: str, now: datetime) -> IsoWeek:
    zone = container(request).settings.timezone
    return parse_week(value) if value.strip() else weekly.last_complete_week(now, zone)


def _report(request: Request, db: DbSession, now: Now, week: str) -> weekly.WeeklyReport:
    settings = container(request).settings
    return weekly.weekly_report(
        session=db,
        week=_week(request, week, now),
        timezone=settings.timezone,
        language=translator(request).language,
        now=now,
    )


def _helpers(request: Request) -> dict[str, object]:
    language = translator(request).language
    gettext = translator(request).gettext
    return {
        **weekly.helpers(language, container(request).settings.timezone),
        "impact_text": lambda line: weekly.impact_text(line, gettext),
    }


@router.get("/reports/weekly")
def weekly_page(request: Request, db: DbSession, now: Now, user: StaffPage, week: str = "") -> Response:
    report = _report(request, db, now, week)
    context = {
        "report": report,
        "m": report.metrics,
        "previous_week": report.week.shifted(-1),
        "next_week": report.week.shifted(1),
        **_helpers(request),
    }
    return _render(request, "postmortems/report_weekly.html", context)


@router.get("/reports/weekly/markdown")
def weekly_markdown(request: Request, db: DbSession, now: Now, user: StaffPage, week: str = "") -> Response:
    report = _report(request, db, now, week)
    return Response(
        weekly.render_markdown(report),
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="weekly-report-{report.week}.md"'},
    )


@router.get("/reports/metrics")
def metrics_page(
    request: Request, db: DbSession, now: Now, user: StaffPage, since: str = "", until: str = ""
) -> Response:
    zone = container(request).settings.timezone
    first, last, start, end = weekly.day_range(since, until, timezone=zone, now=now)
    figures = metrics.response_metrics(session=db, since=start, until=end, timezone=zone, now=now)
    context = {"m": figures, "since": first.isoformat(), "until": last.isoformat(), **_helpers(request)}
    return _render(request, "postmortems/metrics.html", context)
