"""Pure builder of iCalendar (RFC 5545) feeds of on-call shifts, with the icalendar library."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

PRODID = "-//hikeshi//on-call schedules//EN"
REFRESH = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class FeedEvent:
    uid: str
    start: datetime
    end: datetime
    summary: str
    description: str = ""
    priority: int = 0  # 0 from a rotation, 1 from an override (as Grafana OnCall's feeds say)


def shift_uid(*, feed: str, schedule_id: int, user_id: int | None, start: datetime) -> str:
    """Stable for the same person's shift starting at the same instant, so calendars update in place."""
    who = "gap" if user_id is None else str(user_id)
    return f"{feed}-{schedule_id}-{who}-{start.astimezone(UTC):%Y%m%dT%H%M%SZ}@hikeshi"


def build_feed(*, name: str, timezone: str, events: Sequence[FeedEvent], stamp: datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", timezone)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp.astimezone(UTC))
        event.add("dtstart", item.start.astimezone(UTC))
        event.add("dtend", item.end.astimezone(UTC))
        event.add("summary", item.summary)
        if item.description:
            event.add("description", item.description)
        event.add("priority", item.priority)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return bytes(calendar.to_ical())
