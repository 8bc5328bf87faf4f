"""The calendar view of a schedule (a week or two per page, in the schedule's zone), "my shifts", and the
iCalendar feeds, which calendar apps fetch with the token in their address instead of a sign-in.

A wrong or missing token answers 404 and says nothing about the schedule or the person.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from hikeshi.accounts.deps import DbSession, Now, Public, StaffPage
from hikeshi.accounts.models import User
from hikeshi.core.errors import InvalidInput
from hikeshi.core.i18n import Translator, parse_language
from hikeshi.oncall import feeds, grid, rules, service
from hikeshi.web.kit.context import container, translator

router = APIRouter(prefix="/oncall", tags=["on call calendar"], include_in_schema=False)
MY_SHIFTS_AHEAD = timedelta(weeks=4)
ICS_TYPE = "text/calendar; charset=utf-8"
EDGE = timedelta(days=1)


def _first_day(text: str | None, today: date) -> date:
    if not text:
        return grid.monday_of(today)
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            "{field}: '{value}' is not a date such as 2026-12-07", field="start", value=text
        ) from None


@router.get("/schedules/{schedule_id}/calendar")
def schedule_calendar(
    request: Request,
    schedule_id: int,
    db: DbSession,
    now: Now,
    _: StaffPage,
    start: Annotated[str | None, Query(max_length=10)] = None,
    days: Annotated[int, Query(ge=7, le=14)] = 7,
) -> Response:
    """Days from `start` (default: this week's Monday in the schedule's zone), gaps marked."""
    schedule = service.get_schedule(session=db, schedule_id=schedule_id)
    zone = schedule.timezone
    first = _first_day(start, rules.local_wall(now, zone).date())
    window_start = grid.day_bounds(first, zone)[0]
    window_end = grid.day_bounds(first + timedelta(days=days - 1), zone)[1]
    # A day more on each side, so shifts running past the grid's edges show as continuing.
    shifts = service.schedule_shifts(
        session=db, schedule_id=schedule_id, start=window_start - EDGE, end=window_end + EDGE
    )
    local = Translator(language=translator(request).language, timezone=zone)
    context = {
        "schedule": schedule,
        "days": grid.layout(shifts, zone=zone, first_day=first, days=days),
        "span": days,
        "first": first,
        "previous": (first - timedelta(days=days)).isoformat(),
        "following": (first + timedelta(days=days)).isoformat(),
        "this_week": grid.monday_of(rules.local_wall(now, zone).date()).isoformat(),
        "today": rules.local_wall(now, zone).date(),
        "names": service.user_names(session=db),
        "clock": lambda moment: local.format_datetime(moment)[-5:],
        "weekdays": grid.WEEKDAY_LABELS,
        "gap_count": len(
            [gap for gap in rules.gaps(shifts) if gap.end > window_start and gap.start < window_end]
        ),
    }
    response: Response = request.app.state.templates.render(request, "oncall/calendar_week.html", context)
    return response


def _my_shifts(
    request: Request, db: DbSession, now: Now, user: StaffPage, *, feed_url: str | None = None
) -> Response:
    found = service.user_shifts(session=db, user_id=user.id, start=now, end=now + MY_SHIFTS_AHEAD)
    context = {
        "found": found,
        "names": service.user_names(session=db),
        "feed": feeds.find_feed_token(session=db, user_id=user.id),
        "feed_url": feed_url,
    }
    response: Response = request.app.state.templates.render(request, "oncall/calendar_mine.html", context)
    return response


@router.get("/my-shifts")
def my_shifts(request: Request, db: DbSession, now: Now, user: StaffPage) -> Response:
    """The signed-in person's shifts on every schedule for the next four weeks, and their own feed."""
    return _my_shifts(request, db, now, user)


@router.post("/my-shifts/feed")
def rotate_my_feed(request: Request, db: DbSession, now: Now, user: StaffPage) -> Response:
    secret = feeds.issue_feed_token(session=db, user_id=user.id, now=now)
    db.commit()
    base = (container(request).settings.base_url or str(request.base_url)).rstrip("/")
    return _my_shifts(request, db, now, user, feed_url=f"{base}/oncall/users/{user.id}.ics?token={secret}")


def _ics(body: bytes) -> Response:
    return Response(body, media_type=ICS_TYPE, headers={"Cache-Control": "private, max-age=300"})


@router.get("/{schedule_id}.ics", dependencies=[Public])
def schedule_feed(
    request: Request,
    schedule_id: int,
    db: DbSession,
    now: Now,
    token: Annotated[str, Query(max_length=100)] = "",
    lang: Annotated[str | None, Query(max_length=5)] = None,
) -> Response:
    """The schedule's final shifts, four weeks back to twelve ahead, in the company's language."""
    settings = container(request).settings
    speaker = Translator(language=parse_language(lang) or settings.language, timezone=settings.timezone)
    return _ics(
        feeds.schedule_feed(session=db, schedule_id=schedule_id, token=token, now=now, speaker=speaker)
    )


@router.get("/users/{user_id}.ics", dependencies=[Public])
def user_feed(
    request: Request,
    user_id: int,
    db: DbSession,
    now: Now,
    token: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """One person's own shifts, in their language and zone."""
    body = feeds.user_feed(
        session=db, user_id=user_id, token=token, now=now, speaker=_speaker_of(db, user_id)
    )
    return _ics(body)


def _speaker_of(db: DbSession, user_id: int) -> Translator:
    user = db.get(User, user_id)
    if user is None:
        return Translator(language="ja", timezone="Asia/Tokyo")
    return Translator(language=parse_language(user.language) or "ja", timezone=user.timezone)
