"""Calendar feed secrets: one per schedule and one per person, random, kept only as a hash, rotatable.

A feed URL carries its token (`?token=`), because calendar apps cannot sign in. The token is shown once,
when it is made; making a new one ends the old. The caller commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hikeshi.core.errors import NotFound
from hikeshi.core.i18n import Translator
from hikeshi.core.ids import constant_time_equal, hash_token, new_token
from hikeshi.oncall import ical, rules, service
from hikeshi.oncall.models import FeedToken, Schedule

TOKEN_PREFIX = "hkc"  # noqa: S105 - the visible label of feed tokens, not a secret
FEED_PAST = timedelta(weeks=4)
FEED_AHEAD = timedelta(weeks=12)


def find_feed_token(
    *, session: Session, schedule_id: int | None = None, user_id: int | None = None
) -> FeedToken | None:
    if schedule_id is not None:
        return session.scalar(select(FeedToken).where(FeedToken.schedule_id == schedule_id))
    return session.scalar(select(FeedToken).where(FeedToken.user_id == user_id))


def issue_feed_token(
    *, session: Session, now: datetime, schedule_id: int | None = None, user_id: int | None = None
) -> str:
    """A new secret for the schedule's feed (or the person's); the old one stops working."""
    if schedule_id is not None:
        service.get_schedule(session=session, schedule_id=schedule_id)
    existing = find_feed_token(session=session, schedule_id=schedule_id, user_id=user_id)
    if existing is not None:
        session.delete(existing)
        session.flush()
    secret = new_token(TOKEN_PREFIX)
    session.add(
        FeedToken(
            schedule_id=schedule_id,
            user_id=None if schedule_id is not None else user_id,
            token_hash=hash_token(secret),
            prefix=secret[:10],
            created_at=now,
        )
    )
    session.flush()
    return secret


def _check(stored: FeedToken | None, token: str, what: str, value: int) -> None:
    if stored is None or not token or not constant_time_equal(stored.token_hash, hash_token(token)):
        raise NotFound(what, value=value)


def feed_window(now: datetime, zone: str) -> tuple[datetime, datetime]:
    """Four weeks back to twelve ahead, from a local midnight so the first event's UID holds all day."""
    midnight = rules.local_wall(now, zone).replace(hour=0, minute=0, second=0, microsecond=0)
    start = rules.resolve_local(midnight, zone) - FEED_PAST
    return start, start + FEED_PAST + FEED_AHEAD + timedelta(days=1)


def schedule_feed(
    *, session: Session, schedule_id: int, token: str, now: datetime, speaker: Translator
) -> bytes:
    """The schedule's final shifts as iCalendar, one event per person per shift, gaps as their own events."""
    _check(
        find_feed_token(session=session, schedule_id=schedule_id),
        token,
        "schedule {value} does not exist",
        schedule_id,
    )
    schedule = service.get_schedule(session=session, schedule_id=schedule_id)
    start, end = feed_window(now, schedule.timezone)
    shifts = rules.final_schedule(service.spec_of(schedule), start, end)
    names = service.user_names(session=session)
    events = [
        event for shift in shifts for event in _events(schedule, shift, names, speaker, feed="schedule")
    ]
    title = speaker.gettext("On call: {schedule}").format(schedule=schedule.name)
    return ical.build_feed(name=title, timezone=schedule.timezone, events=events, stamp=now)


def user_feed(*, session: Session, user_id: int, token: str, now: datetime, speaker: Translator) -> bytes:
    """One person's own shifts on every schedule as iCalendar."""
    _check(find_feed_token(session=session, user_id=user_id), token, "user {value} does not exist", user_id)
    start, end = feed_window(now, speaker.timezone)
    names = service.user_names(session=session)
    found = service.user_shifts(session=session, user_id=user_id, start=start, end=end)
    events = [_event(schedule, shift, user_id, names, speaker, feed="user") for schedule, shift in found]
    title = speaker.gettext("My on-call shifts: {name}").format(name=names.get(user_id, ""))
    return ical.build_feed(name=title, timezone=speaker.timezone, events=events, stamp=now)


def _events(
    schedule: Schedule, shift: rules.Shift, names: dict[int, str], speaker: Translator, *, feed: str
) -> list[ical.FeedEvent]:
    if shift.is_gap:
        summary = speaker.gettext("{schedule}: nobody on call").format(schedule=schedule.name)
        uid = ical.shift_uid(feed=feed, schedule_id=schedule.id, user_id=None, start=shift.start)
        return [ical.FeedEvent(uid, shift.start, shift.end, summary)]
    return [_event(schedule, shift, user_id, names, speaker, feed=feed) for user_id in shift.user_ids]


def _event(
    schedule: Schedule,
    shift: rules.Shift,
    user_id: int,
    names: dict[int, str],
    speaker: Translator,
    *,
    feed: str,
) -> ical.FeedEvent:
    together = ", ".join(names.get(person, f"#{person}") for person in shift.user_ids)
    return ical.FeedEvent(
        uid=ical.shift_uid(feed=feed, schedule_id=schedule.id, user_id=user_id, start=shift.start),
        start=shift.start,
        end=shift.end,
        summary=speaker.gettext("{schedule}: {name} on call").format(
            schedule=schedule.name, name=names.get(user_id, f"#{user_id}")
        ),
        description=speaker.gettext("On call: {names}").format(names=together),
        priority=1 if shift.source == rules.OVERRIDE else 0,
    )
