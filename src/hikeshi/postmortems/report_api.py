"""`GET /api/v1/reports/weekly?week=2026-W48` and `GET /api/v1/reports/metrics?since=…&until=…` (days in
the company's time zone, both included)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from hikeshi.accounts.deps import DbSession, Now, StaffApi
from hikeshi.postmortems import weekly
from hikeshi.postmortems.metrics import response_metrics
from hikeshi.postmortems.report_schemas import MetricsOut, WeeklyReportOut
from hikeshi.postmortems.rules import parse_week
from hikeshi.web.kit.context import container

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


@router.get("/weekly", response_model=WeeklyReportOut)
def weekly_report(request: Request, db: DbSession, now: Now, _: StaffApi, week: str = "") -> WeeklyReportOut:
    """One ISO week (default: the last complete one): the figures and the 12-week trend."""
    settings = container(request).settings
    chosen = parse_week(week) if week.strip() else weekly.last_complete_week(now, settings.timezone)
    report = weekly.weekly_report(
        session=db, week=chosen, timezone=settings.timezone, language=settings.language, now=now
    )
    return weekly.report_out(report)


@router.get("/metrics", response_model=MetricsOut)
def metrics(
    request: Request, db: DbSession, now: Now, _: StaffApi, since: str = "", until: str = ""
) -> MetricsOut:
    """The figures over days `since` to `until` (YYYY-MM-DD, both included; default: the last 30 days)."""
    zone = container(request).settings.timezone
    _first, _last, start, end = weekly.day_range(since, until, timezone=zone, now=now)
    figures = response_metrics(session=db, since=start, until=end, timezone=zone, now=now)
    return weekly.metrics_out(figures)
