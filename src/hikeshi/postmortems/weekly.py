"""The weekly report for the all-company meeting: one ISO week of `metrics`, the 12-week trend charts,
and its renderings: Markdown, a standalone printable HTML file, the short chat summary, JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Final
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.orm import Session

from hikeshi.core.errors import InvalidInput
from hikeshi.core.i18n import N_, Translator
from hikeshi.postmortems.charts import column_chart
from hikeshi.postmortems.metrics import ResponseMetrics, WeekPoint, response_metrics, weekly_trend
from hikeshi.postmortems.report_schemas import MetricsOut, WeeklyReportOut, WeekPointOut
from hikeshi.postmortems.rules import IsoWeek, format_duration, local_day, week_of

MAX_RANGE_DAYS: Final = 366 * 2

# What each figure means, printed on the pages and in the report (see metrics' module docstring).
DEFINITIONS: Final[tuple[tuple[str, str], ...]] = (
    (
        N_("Incidents"),
        N_(
            "Incidents declared in the period; dismissed ones are left out. Duration: from the start "
            "(or, when unknown, the detection) to the resolution."
        ),
    ),
    (
        N_("MTTD (mean time to detect)"),
        N_("The mean of detection minus start, over the period's incidents whose start is known."),
    ),
    (
        N_("MTTA (mean time to acknowledge)"),
        N_(
            "The mean of first acknowledgement minus the page's start, over pages started in the period "
            "that someone acknowledged."
        ),
    ),
    (
        N_("MTTR (mean time to resolve)"),
        N_("The mean of resolution minus detection, over incidents resolved in the period."),
    ),
    (
        N_("Alerts"),
        N_("Alerts first received in the period; a repeat of an alert still open is not counted again."),
    ),
    (
        N_("Night pages"),
        N_("Pages that reached someone between 22:00 and 07:00 in their own time zone."),
    ),
    (
        N_("Overdue action items"),
        N_(
            "Action items still open at the end of the period whose due day is before the period's "
            "last day (in the company's time zone)."
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class Chart:
    key: str
    title: str
    svg: str


@dataclass(frozen=True, slots=True)
class WeeklyReport:
    week: IsoWeek
    timezone: str
    language: str
    generated_at: datetime
    metrics: ResponseMetrics
    trend: list[WeekPoint]
    charts: list[Chart]

    @property
    def first_day(self) -> date:
        return self.week.monday

    @property
    def last_day(self) -> date:
        return self.week.monday + timedelta(days=6)


def parse_day(value: str, *, field: str) -> date | None:
    """`2026-12-01`, or None when empty."""
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            "{field}: '{value}' is not a date such as 2026-12-01", field=field, value=value
        ) from None


def day_range(
    since: str, until: str, *, timezone: str, now: datetime, default_days: int = 30
) -> tuple[date, date, datetime, datetime]:
    """The days asked for (both included; by default the last `default_days` days up to today) and
    the UTC instants [first day 00:00, the day after the last 00:00) in the company's time zone."""
    today = local_day(now, timezone)
    last = parse_day(until, field="until") or today
    first = parse_day(since, field="since") or last - timedelta(days=default_days - 1)
    if last < first:
        raise InvalidInput("until: must not be before since", field="until")
    if (last - first).days > MAX_RANGE_DAYS:
        raise InvalidInput("until: a period may last at most {days} days", field="until", days=MAX_RANGE_DAYS)
    zone = ZoneInfo(timezone)
    start = datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return first, last, start, end


def last_complete_week(now: datetime, timezone: str) -> IsoWeek:
    """The week before the one `now` falls in, in the company's time zone."""
    return week_of(now, timezone).shifted(-1)


def _charts(trend: list[WeekPoint], speaker: Translator) -> list[Chart]:
    _ = speaker.gettext
    specs: list[tuple[str, str, list[tuple[str, float | None]], bool]] = [
        ("incidents", _("Incidents per week"), [(p.label, p.incidents) for p in trend], True),
        (
            "mttr",
            _("MTTR per week (hours)"),
            [(p.label, None if p.mttr_seconds is None else round(p.mttr_seconds / 3600, 2)) for p in trend],
            False,
        ),
        ("alerts", _("Alerts per week"), [(p.label, p.alerts) for p in trend], True),
        ("pages", _("Pages per week"), [(p.label, p.pages) for p in trend], True),
    ]
    return [
        Chart(
            key=key,
            title=title,
            svg=column_chart(
                points,
                title=title,
                whole=whole,
                description=", ".join(f"{label}: {'-' if v is None else f'{v:g}'}" for label, v in points),
            ),
        )
        for key, title, points, whole in specs
    ]


def weekly_report(
    *, session: Session, week: IsoWeek, timezone: str, language: str, now: datetime
) -> WeeklyReport:
    since, until = week.bounds(timezone)
    metrics = response_metrics(session=session, since=since, until=until, timezone=timezone, now=now)
    trend = weekly_trend(session=session, last=week, timezone=timezone)
    speaker = Translator(language="en" if language == "en" else "ja", timezone=timezone)
    return WeeklyReport(
        week=week,
        timezone=timezone,
        language=speaker.language,
        generated_at=now,
        metrics=metrics,
        trend=trend,
        charts=_charts(trend, speaker),
    )


def metrics_out(metrics: ResponseMetrics) -> MetricsOut:
    return MetricsOut.model_validate(metrics)


def report_out(report: WeeklyReport) -> WeeklyReportOut:
    return WeeklyReportOut(
        week=str(report.week),
        previous_week=str(report.week.shifted(-1)),
        next_week=str(report.week.shifted(1)),
        first_day=report.first_day,
        last_day=report.last_day,
        timezone=report.timezone,
        generated_at=report.generated_at,
        metrics=metrics_out(report.metrics),
        trend=[WeekPointOut.model_validate(point) for point in report.trend],
    )


def helpers(language: str, timezone: str) -> dict[str, Any]:
    """What the report templates use to show figures: durations, company-zone times, labels."""
    speaker = Translator(language="en" if language == "en" else "ja", timezone=timezone)

    def duration(seconds: float | None) -> str:
        return format_duration(
            None if seconds is None else timedelta(seconds=seconds), language=speaker.language
        )

    return {
        "duration": duration,
        "at": speaker.format_datetime,
        "definitions": [(speaker.gettext(term), speaker.gettext(text)) for term, text in DEFINITIONS],
        "report_zone": timezone,
    }


# --- Markdown ---------------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|") or "-"


def impact_text(metrics_line: Any, gettext: Any) -> str:
    text = gettext("Stores: {japan} in Japan, {overseas} overseas").format(
        japan=metrics_line.stores_japan, overseas=metrics_line.stores_overseas
    )
    if metrics_line.diners:
        text += gettext("; web-booking diners affected")
    return str(text)


def render_markdown(report: WeeklyReport) -> str:
    speaker = Translator(language="en" if report.language == "en" else "ja", timezone=report.timezone)
    _ = speaker.gettext
    h = helpers(report.language, report.timezone)
    m = report.metrics
    lines = [
        "# "
        + _("Weekly incident report {week} ({first} to {last})").format(
            week=report.week, first=report.first_day, last=report.last_day
        ),
        "",
        _("Time zone: {zone}").format(zone=report.timezone),
        "",
        "## " + _("Summary"),
        "",
        "- " + _("Incidents: {count}").format(count=len(m.incidents)),
    ]
    for name, mean in (("MTTD", m.mttd), ("MTTA", m.mtta), ("MTTR", m.mttr)):
        lines.append(
            "- "
            + _("{name}: {value} (over {count})").format(
                name=name, value=h["duration"](mean.seconds), count=mean.count
            )
        )
    lines += [
        "- " + _("Alerts: {count}").format(count=m.alerts),
        "- " + _("Pages: {count} (at night: {night})").format(count=m.pages, night=m.night_pages),
        "- "
        + _("Action items: {open} open, {overdue} overdue, {done} done this period").format(
            open=m.action_items_open, overdue=m.action_items_overdue, done=m.action_items_done
        ),
        "",
        "## " + _("Incidents"),
        "",
    ]
    if m.incidents:
        lines.append(
            "| # | "
            + " | ".join((_("Title"), _("Severity"), _("Products"), _("Duration"), _("Impact"), _("Cause")))
            + " |"
        )
        lines.append("|---|---|---|---|---|---|---|")
        for line in m.incidents:
            products = ", ".join(label.name(report.language) for label in line.products)
            cells = (
                line.title,
                line.severity,
                products,
                h["duration"](line.duration_seconds),
                impact_text(line, _),
                line.cause(report.language),
            )
            lines.append(f"| #{line.number} | " + " | ".join(_cell(c) for c in cells) + " |")
    else:
        lines.append(_("No incidents in this period."))
    lines += ["", "## " + _("By product and severity"), ""]
    for count in m.by_product:
        lines.append(f"- {count.label.name(report.language)}: {count.count}")
    lines.append("- " + ", ".join(f"{count.label.key}: {count.count}" for count in m.by_severity))
    lines += ["", "## " + _("Noisiest integrations"), ""]
    lines += [f"- {_cell(v.name)} ({v.kind}): {v.alerts}" for v in m.integrations] or [
        _("No alerts in this period.")
    ]
    lines += ["", "## " + _("Pages per person"), ""]
    lines += [
        "- "
        + _("{name}: {pages} pages, {night} at night").format(name=p.name, pages=p.pages, night=p.night_pages)
        for p in m.people
    ] or [_("No one was paged in this period.")]
    lines += ["", "## " + _("Open action items"), ""]
    lines += [
        f"- {'**' + _('Overdue') + '** ' if item.overdue else ''}{_cell(item.title)} "
        f"(#{item.incident_number}, {_cell(item.owner_name or _('No owner'))}, {item.due_on.isoformat()})"
        for item in m.open_items
    ] or [_("No open action items.")]
    lines += ["", "## " + _("12-week trend"), "", "| | " + " | ".join(p.label for p in report.trend) + " |"]
    lines.append("|---|" + "---|" * len(report.trend))
    lines.append("| " + _("Incidents") + " | " + " | ".join(str(p.incidents) for p in report.trend) + " |")
    lines.append("| MTTR | " + " | ".join(h["duration"](p.mttr_seconds) for p in report.trend) + " |")
    lines.append("| " + _("Alerts") + " | " + " | ".join(str(p.alerts) for p in report.trend) + " |")
    lines.append("| " + _("Pages") + " | " + " | ".join(str(p.pages) for p in report.trend) + " |")
    lines += ["", "## " + _("Definitions"), ""]
    lines += [f"- **{term}**: {text}" for term, text in h["definitions"]]
    return "\n".join(lines) + "\n"


# --- HTML -------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("hikeshi.postmortems", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(report: WeeklyReport) -> str:
    """A standalone, printable HTML file: its own small stylesheet, the charts inline."""
    speaker = Translator(language="en" if report.language == "en" else "ja", timezone=report.timezone)
    context = {
        "_": speaker.gettext,
        "lang": speaker.language,
        "report": report,
        "m": report.metrics,
        "impact_text": lambda line: impact_text(line, speaker.gettext),
        **helpers(report.language, report.timezone),
    }
    return _environment().get_template("postmortems/report_standalone.html").render(context)


def chat_summary(report: WeeklyReport, *, link: str) -> str:
    """The short text posted to chat on Monday morning."""
    _ = Translator(language="en" if report.language == "en" else "ja", timezone=report.timezone).gettext
    h = helpers(report.language, report.timezone)
    m = report.metrics
    lines = [
        _("Weekly incident report {week} ({first} to {last})").format(
            week=report.week, first=report.first_day, last=report.last_day
        ),
        _("Incidents: {count}").format(count=len(m.incidents))
        + " / "
        + " / ".join(
            f"{name} {h['duration'](mean.seconds)}"
            for name, mean in (("MTTD", m.mttd), ("MTTA", m.mtta), ("MTTR", m.mttr))
        ),
        _("Alerts: {count}").format(count=m.alerts)
        + " / "
        + _("Pages: {count} (at night: {night})").format(count=m.pages, night=m.night_pages),
        _("Action items: {open} open, {overdue} overdue, {done} done this period").format(
            open=m.action_items_open, overdue=m.action_items_overdue, done=m.action_items_done
        ),
    ]
    lines += [
        f"• #{line.number} {line.title} ({line.severity}, {h['duration'](line.duration_seconds)})"
        for line in m.incidents
    ]
    lines.append(link)
    return "\n".join(lines)
