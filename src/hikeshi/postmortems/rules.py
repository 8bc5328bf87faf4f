"""Pure rules of postmortems: statuses and their transitions, the publishing gate, durations, ISO weeks.

Durations are differences of UTC instants, so an incident that crosses midnight or a change of the
clocks (DST) lasts exactly as long as it did; only the displayed wall times move.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Final
from zoneinfo import ZoneInfo

from hikeshi.core.errors import Conflict, InvalidInput
from hikeshi.core.i18n import N_


class PostmortemStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"


STATUS_LABELS: Final[dict[PostmortemStatus, str]] = {
    PostmortemStatus.DRAFT: N_("Draft"),
    PostmortemStatus.IN_REVIEW: N_("In review"),
    PostmortemStatus.PUBLISHED: N_("Published"),
}

# draft → in review (submitted) → published; a reviewer sends it back to draft; a published postmortem
# is reopened as a draft to be corrected and published again (the knowledge base post is updated).
TRANSITIONS: Final[dict[PostmortemStatus, frozenset[PostmortemStatus]]] = {
    PostmortemStatus.DRAFT: frozenset({PostmortemStatus.IN_REVIEW}),
    PostmortemStatus.IN_REVIEW: frozenset({PostmortemStatus.DRAFT, PostmortemStatus.PUBLISHED}),
    PostmortemStatus.PUBLISHED: frozenset({PostmortemStatus.DRAFT}),
}
EDITABLE: Final = frozenset({PostmortemStatus.DRAFT, PostmortemStatus.IN_REVIEW})


# The job that copies a published postmortem to the knowledge base (payload: postmortem_id, version).
PUBLISH_JOB: Final = "postmortems.publish"


class KnowledgeBaseKind(StrEnum):
    ESA = "esa"
    FOLDER = "folder"


class ActionItemStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


ACTION_ITEM_STATUS_LABELS: Final[dict[ActionItemStatus, str]] = {
    ActionItemStatus.OPEN: N_("Open"),
    ActionItemStatus.DONE: N_("Done"),
    ActionItemStatus.CANCELLED: N_("Cancelled"),
}


class RequiredField(StrEnum):
    """What must be written before a postmortem is published (in Japanese, the company's language)."""

    SYMPTOM = "symptom"
    RECOVERY = "recovery"
    DURATION = "duration"  # the incident's start time, so that start to resolution can be computed
    CAUSE = "cause"
    IMPACT = "impact"
    PREVENTION = "prevention"  # at least one action item
    ACTION_ITEM_OWNERS = "action_item_owners"  # every open action item has an owner


FIELD_LABELS: Final[dict[RequiredField, str]] = {
    RequiredField.SYMPTOM: N_("Symptom"),
    RequiredField.RECOVERY: N_("Recovery actions"),
    RequiredField.DURATION: N_("Incident start time"),
    RequiredField.CAUSE: N_("Cause"),
    RequiredField.IMPACT: N_("Impact scope"),
    RequiredField.PREVENTION: N_("Prevention measures (at least one action item)"),
    RequiredField.ACTION_ITEM_OWNERS: N_("An owner for every action item"),
}

# The people-written text fields, in the order the document shows them.
TEXT_FIELDS: Final = ("symptom", "recovery", "impact", "cause", "prevention")
MAX_TEXT = 20_000
MAX_TITLE = 500


class IncompletePostmortem(Conflict):
    """Publishing refused: names every empty required field in the reader's language."""

    code = "postmortem_incomplete"

    def __init__(self, missing: Iterable[RequiredField]) -> None:
        self.missing = list(missing)
        super().__init__(
            N_("The postmortem cannot be published until these are filled in: {fields}"),
            fields=", ".join(field.value for field in self.missing),
        )

    def render(self, translate: Callable[[str], str]) -> str:
        fields = ", ".join(translate(FIELD_LABELS[field]) for field in self.missing)
        return translate(self.message).format(fields=fields)


@dataclass(frozen=True, slots=True)
class GateFacts:
    """What the publishing gate looks at."""

    symptom: str
    recovery: str
    cause: str
    impact: str
    incident_started: bool
    action_items: int  # open or done, not cancelled
    action_items_without_owner: int


def missing_fields(facts: GateFacts) -> list[RequiredField]:
    missing: list[RequiredField] = []
    if not facts.symptom.strip():
        missing.append(RequiredField.SYMPTOM)
    if not facts.recovery.strip():
        missing.append(RequiredField.RECOVERY)
    if not facts.incident_started:
        missing.append(RequiredField.DURATION)
    if not facts.cause.strip():
        missing.append(RequiredField.CAUSE)
    if not facts.impact.strip():
        missing.append(RequiredField.IMPACT)
    if facts.action_items == 0:
        missing.append(RequiredField.PREVENTION)
    elif facts.action_items_without_owner:
        missing.append(RequiredField.ACTION_ITEM_OWNERS)
    return missing


def check_transition(current: PostmortemStatus, target: PostmortemStatus) -> None:
    if target not in TRANSITIONS[current]:
        raise Conflict(
            "A postmortem cannot go from {current} to {target}", current=current.value, target=target.value
        )


def check_reviewer(*, submitted_by_id: int | None, publisher_id: int, publisher_is_admin: bool) -> None:
    """Someone other than the person who submitted it publishes it; admins may publish their own."""
    if submitted_by_id == publisher_id and not publisher_is_admin:
        raise Conflict("Another person must review and publish the postmortem you submitted")


def parse_status(value: str) -> PostmortemStatus:
    try:
        return PostmortemStatus(value)
    except ValueError:
        raise InvalidInput(
            "status must be one of: {choices}", choices=", ".join(PostmortemStatus), field="status"
        ) from None


def parse_action_item_status(value: str) -> ActionItemStatus:
    try:
        return ActionItemStatus(value)
    except ValueError:
        raise InvalidInput(
            "status must be one of: {choices}", choices=", ".join(ActionItemStatus), field="status"
        ) from None


def clean_text(value: str, *, field: str, limit: int = MAX_TEXT, required: bool = False) -> str:
    text = value.strip()
    if required and not text:
        raise InvalidInput("{field} must not be empty", field=field)
    if len(text) > limit:
        raise InvalidInput("{field} is longer than {limit} characters", field=field, limit=limit)
    return text


@dataclass(frozen=True, slots=True)
class Durations:
    """How long the incident lasted; None where a time is unknown."""

    start_to_detection: timedelta | None
    detection_to_resolution: timedelta | None
    start_to_resolution: timedelta | None


def _between(earlier: datetime | None, later: datetime | None) -> timedelta | None:
    if earlier is None or later is None:
        return None
    # In UTC: Python subtracts two times of one ZoneInfo as wall-clock times, ignoring a DST change.
    return max(later.astimezone(UTC) - earlier.astimezone(UTC), timedelta(0))


def durations(
    *, started_at: datetime | None, detected_at: datetime | None, resolved_at: datetime | None
) -> Durations:
    return Durations(
        start_to_detection=_between(started_at, detected_at),
        detection_to_resolution=_between(detected_at, resolved_at),
        start_to_resolution=_between(started_at, resolved_at),
    )


def format_duration(value: timedelta | None, *, language: str) -> str:
    """`1時間5分` / `1 h 5 min`; days when it is that long; `-` when unknown."""
    if value is None:
        return "-"
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    units = ("日", "時間", "分") if language == "ja" else (" d", " h", " min")
    parts = [f"{amount}{unit}" for amount, unit in zip((days, hours, minutes), units, strict=True) if amount]
    if not parts:
        return "0分" if language == "ja" else "0 min"
    return ("" if language == "ja" else " ").join(parts)


@dataclass(frozen=True, slots=True, order=True)
class IsoWeek:
    """An ISO 8601 week (`2026-W48`: Monday to Sunday) in the company's time zone."""

    year: int
    week: int

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    def bounds(self, zone: str) -> tuple[datetime, datetime]:
        """[Monday 00:00, next Monday 00:00) in `zone`, as UTC instants (167 or 169 hours across DST)."""
        tz = ZoneInfo(zone)
        start = datetime.combine(self.monday, time(0), tzinfo=tz)
        end = datetime.combine(self.monday + timedelta(days=7), time(0), tzinfo=tz)
        return start.astimezone(UTC), end.astimezone(UTC)

    def shifted(self, weeks: int) -> IsoWeek:
        return week_of_day(self.monday + timedelta(weeks=weeks))


def week_of_day(day: date) -> IsoWeek:
    year, week, _ = day.isocalendar()
    return IsoWeek(year, week)


def week_of(moment: datetime, zone: str) -> IsoWeek:
    return week_of_day(moment.astimezone(ZoneInfo(zone)).date())


def parse_week(value: str) -> IsoWeek:
    text = value.strip().upper()
    try:
        year_text, week_text = text.split("-W")
        year, week = int(year_text), int(week_text)
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise InvalidInput("week must look like 2026-W48: {value}", value=value, field="week") from None
    return IsoWeek(year, week)


def next_weekly_time(after: datetime, *, zone: str, weekday: int, at: str) -> datetime:
    """The first `weekday` (0 is Monday) at `at` (HH:MM) in `zone` strictly after `after`, in UTC.

    A wall time the clocks skip is taken as the instant the clocks jump (zoneinfo's fold=0 reading).
    """
    tz = ZoneInfo(zone)
    hour, minute = (int(part) for part in at.split(":"))
    local = after.astimezone(tz)
    day = local.date() + timedelta(days=(weekday - local.weekday()) % 7)
    while True:
        candidate = datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(UTC)
        if candidate > after:
            return candidate
        day += timedelta(days=7)


def next_daily_time(after: datetime, *, zone: str, at: str) -> datetime:
    """The first `at` (HH:MM) in `zone` strictly after `after`, in UTC."""
    tz = ZoneInfo(zone)
    hour, minute = (int(part) for part in at.split(":"))
    day = after.astimezone(tz).date()
    while True:
        candidate = datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(UTC)
        if candidate > after:
            return candidate
        day += timedelta(days=1)


def local_day(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()
