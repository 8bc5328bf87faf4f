"""Use cases of heartbeats: create one (its ping URL is shown once), take pings, notice missed ones.

A heartbeat's alerts go through `service.ingest` on its own integration (kind `heartbeat`), with one
dedup key per heartbeat: a missed or failed ping triggers it, the next good ping resolves it, and
routing, chat posts, pages and maintenance windows apply as to any alert. The caller commits.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hikeshi.accounts.rules import validate_name
from hikeshi.alerts import integrations, service
from hikeshi.alerts.heartbeats_models import Heartbeat
from hikeshi.alerts.heartbeats_rules import (
    HeartbeatState,
    PingKind,
    Schedule,
    missed,
    parse_schedule,
    shown_state,
)
from hikeshi.alerts.heartbeats_schemas import HeartbeatOut
from hikeshi.alerts.normalized import Action, Link, NormalizedAlert, Severity
from hikeshi.alerts.notify import Context
from hikeshi.alerts.timing import format_duration
from hikeshi.core.errors import NotFound
from hikeshi.core.i18n import N_, translations
from hikeshi.core.ids import hash_token
from hikeshi.jobs.service import enqueue

HEARTBEAT_CHECK_JOB = "alerts.heartbeat_check"
MISSED = N_("Heartbeat '{name}' missed its ping")
FAILED = N_("Heartbeat '{name}' reported a failure")


def new_ping_key() -> str:
    """128 random bits in URL-safe text: the ping URL is the only credential a job needs."""
    return secrets.token_urlsafe(16)


def ping_url(base_url: str, key: str) -> str:
    return f"{base_url}/ping/{key}"


def dedup_key(heartbeat_id: int) -> str:
    return f"heartbeat:{heartbeat_id}"


def create_heartbeat(
    *,
    session: Session,
    name: str,
    now: datetime,
    default_timezone: str,
    period_seconds: int | None = None,
    grace_seconds: int | None = None,
    cron: str | None = None,
    timezone: str | None = None,
    product_slug: str | None = None,
    chat_channel: str | None = None,
    page_user_id: int | None = None,
) -> tuple[Heartbeat, str]:
    """The heartbeat and its ping key (not stored, only its hash), with its own integration for routing."""
    schedule = parse_schedule(
        period_seconds=period_seconds,
        grace_seconds=grace_seconds,
        cron=cron,
        timezone=timezone,
        default_timezone=default_timezone,
    )
    integration, _ = integrations.create_integration(
        session=session,
        name=validate_name(name),
        kind="heartbeat",
        now=now,
        product_slug=product_slug,
        chat_channel=chat_channel,
        page_user_id=page_user_id,
    )
    key = new_ping_key()
    heartbeat = Heartbeat(
        name=integration.name,
        key_hash=hash_token(key),
        key_prefix=key[:8],
        integration_id=integration.id,
        period_seconds=schedule.period_seconds,
        cron=schedule.cron,
        timezone=schedule.timezone,
        grace_seconds=schedule.grace_seconds,
        state=HeartbeatState.NEW.value,
        last_ping_body="",
        created_at=now,
    )
    session.add(heartbeat)
    session.flush()
    return heartbeat, key


def schedule_of(heartbeat: Heartbeat) -> Schedule:
    return Schedule(
        period_seconds=heartbeat.period_seconds,
        cron=heartbeat.cron,
        timezone=heartbeat.timezone,
        grace_seconds=heartbeat.grace_seconds,
    )


def find_by_key(*, session: Session, key: str) -> Heartbeat | None:
    """The heartbeat, its row locked: its pings and its missed-ping check take turns (PostgreSQL)."""
    if not key or len(key) > 200:
        return None
    query = select(Heartbeat).where(Heartbeat.key_hash == hash_token(key)).with_for_update()
    return session.scalar(query)


def get_heartbeat(*, session: Session, heartbeat_id: int) -> Heartbeat:
    heartbeat = session.get(Heartbeat, heartbeat_id)
    if heartbeat is None:
        raise NotFound("heartbeat {value} does not exist", value=heartbeat_id)
    return heartbeat


def heartbeat_out(heartbeat: Heartbeat, *, now: datetime) -> HeartbeatOut:
    """The API's view: the state shows `late` once an up heartbeat is past due."""
    state = shown_state(heartbeat.state, next_due_at=heartbeat.next_due_at, now=now)
    return HeartbeatOut.model_validate(heartbeat).model_copy(update={"state": state.value})


def list_heartbeats(*, session: Session) -> list[Heartbeat]:
    return list(session.scalars(select(Heartbeat).order_by(Heartbeat.name, Heartbeat.id)))


def record_ping(
    *, session: Session, heartbeat: Heartbeat, kind: PingKind, body: str, now: datetime, context: Context
) -> Heartbeat:
    """A ping from the job: `start` notes the time; success and fail set the next due time."""
    if kind is PingKind.START:
        heartbeat.last_start_at = now
        session.flush()
        return heartbeat
    if heartbeat.last_start_at is not None and (
        heartbeat.last_ping_at is None or heartbeat.last_start_at > heartbeat.last_ping_at
    ):
        heartbeat.last_duration_seconds = (now - heartbeat.last_start_at).total_seconds()
    heartbeat.last_ping_at = now
    heartbeat.last_ping_kind = kind.value
    heartbeat.last_ping_body = body
    if heartbeat.state == HeartbeatState.PAUSED:
        session.flush()
        return heartbeat
    _expect_next(session, heartbeat, after=now)
    was_alerting = heartbeat.state in (HeartbeatState.DOWN, HeartbeatState.FAILING)
    if kind is PingKind.FAIL:
        heartbeat.state = HeartbeatState.FAILING.value
        _alert(session, heartbeat, Action.TRIGGER, FAILED, now=now, context=context, body=body)
    else:
        heartbeat.state = HeartbeatState.UP.value
        if was_alerting:
            _alert(session, heartbeat, Action.RESOLVE, MISSED, now=now, context=context)
    session.flush()
    return heartbeat


def _expect_next(session: Session, heartbeat: Heartbeat, *, after: datetime) -> None:
    """Set the next due time and move this heartbeat's one pending check to due time plus grace."""
    heartbeat.next_due_at = schedule_of(heartbeat).next_due(after)
    enqueue(
        session=session,
        kind=HEARTBEAT_CHECK_JOB,
        payload={"heartbeat_id": heartbeat.id},
        now=after,
        due_at=heartbeat.next_due_at + timedelta(seconds=heartbeat.grace_seconds),
        replace_key=dedup_key(heartbeat.id),
    )


def check_heartbeat(*, session: Session, heartbeat_id: int, now: datetime, context: Context) -> bool:
    """The timer: an up heartbeat with no ping by its due time plus grace goes down and alerts (True).

    A ping that came meanwhile moved the due time, and a down, failing or paused heartbeat alerts no
    more: so one missed stretch opens one alert however often this runs.
    """
    heartbeat = session.scalar(select(Heartbeat).where(Heartbeat.id == heartbeat_id).with_for_update())
    if heartbeat is None or not missed(
        state=heartbeat.state,
        next_due_at=heartbeat.next_due_at,
        grace_seconds=heartbeat.grace_seconds,
        now=now,
    ):
        return False
    heartbeat.state = HeartbeatState.DOWN.value
    _alert(session, heartbeat, Action.TRIGGER, MISSED, now=now, context=context)
    session.flush()
    return True


def _alert(
    session: Session,
    heartbeat: Heartbeat,
    action: Action,
    summary: str,
    *,
    now: datetime,
    context: Context,
    body: str = "",
) -> None:
    speaker = translations("en" if context.language == "en" else "ja")
    details: dict[str, Any] = {
        "heartbeat_id": heartbeat.id,
        "schedule": heartbeat.cron or f"every {format_duration(heartbeat.period_seconds or 0)}",
        "expected_at": heartbeat.next_due_at.isoformat() if heartbeat.next_due_at else None,
        "last_ping_at": heartbeat.last_ping_at.isoformat() if heartbeat.last_ping_at else None,
    }
    if body:
        details["body"] = body[:2000]
    alert = NormalizedAlert(
        action=action,
        summary=speaker.gettext(summary).format(name=heartbeat.name),
        severity=Severity.CRITICAL,
        dedup_key=dedup_key(heartbeat.id),
        source="heartbeat",
        name=heartbeat.name,
        links=(Link(href=f"{context.base_url}/heartbeats#heartbeat-{heartbeat.id}", text=heartbeat.name),),
        details=details,
    )
    integration = integrations.get_integration(session=session, integration_id=heartbeat.integration_id)
    raw = {"heartbeat": heartbeat.id, "action": action.value, **details}
    service.ingest(
        session=session, integration=integration, alerts=[alert], raw=raw, now=now, context=context
    )


def pause_heartbeat(*, session: Session, heartbeat_id: int) -> Heartbeat:
    """Pings are still recorded; nothing alerts until it is resumed. Open alerts stay as they are."""
    heartbeat = get_heartbeat(session=session, heartbeat_id=heartbeat_id)
    heartbeat.state = HeartbeatState.PAUSED.value
    session.flush()
    return heartbeat


def resume_heartbeat(*, session: Session, heartbeat_id: int, now: datetime) -> Heartbeat:
    """Back to watching: a ping is expected one schedule step from now (new if it never pinged)."""
    heartbeat = get_heartbeat(session=session, heartbeat_id=heartbeat_id)
    if heartbeat.state != HeartbeatState.PAUSED:
        return heartbeat
    if heartbeat.last_ping_at is None:
        heartbeat.state = HeartbeatState.NEW.value
        heartbeat.next_due_at = None
    else:
        heartbeat.state = HeartbeatState.UP.value
        _expect_next(session, heartbeat, after=now)
    session.flush()
    return heartbeat


def delete_heartbeat(*, session: Session, heartbeat_id: int) -> None:
    """Its ping URL stops working; its integration is disabled and its alerts stay in the history."""
    heartbeat = get_heartbeat(session=session, heartbeat_id=heartbeat_id)
    integration = integrations.get_integration(session=session, integration_id=heartbeat.integration_id)
    integration.is_enabled = False
    session.delete(heartbeat)
    session.flush()
