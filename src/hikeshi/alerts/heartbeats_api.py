"""Heartbeats over HTTP: the ping endpoints jobs call, and the JSON API under /api/v1/heartbeats.

    curl -fsS -m 10 --retry 5 https://hikeshi.example.com/ping/<key>          # the job succeeded
    curl -fsS -m 10 --retry 5 https://hikeshi.example.com/ping/<key>/start    # it starts (for its duration)
    curl -fsS -m 10 --retry 5 --data-raw "$log" https://…/ping/<key>/fail     # it failed: alert now
    curl -fsS -m 10 --retry 5 https://hikeshi.example.com/ping/<key>/$?       # by exit status: 0 succeeded

The ping URL is the job's only credential, so it is public; an unknown key gets 404 in JSON. The first
100 KB of a body are kept as the last ping's text; the rest is not read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from hikeshi.accounts.deps import DbSession, Now, Public, ResponderApi, StaffApi
from hikeshi.alerts import heartbeats
from hikeshi.alerts.heartbeats_rules import MAX_BODY_BYTES, PingKind, body_excerpt, shown_state
from hikeshi.alerts.heartbeats_schemas import (
    HeartbeatCreate,
    HeartbeatCreated,
    HeartbeatDetailOut,
    HeartbeatOut,
    PingAnswer,
)
from hikeshi.alerts.notify import Context
from hikeshi.core.errors import NotFound
from hikeshi.web.kit.context import container

router = APIRouter(tags=["heartbeats"])
PING_METHODS = ["GET", "POST"]


Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def _ping_route(path: str) -> Callable[[Endpoint], Endpoint]:
    """One route per method, so that each operation of the OpenAPI document has an id of its own."""

    def register(endpoint: Endpoint) -> Endpoint:
        for method in PING_METHODS:
            router.add_api_route(path, endpoint, methods=[method], dependencies=[Public])
        return endpoint

    return register


async def _body(request: Request) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_BODY_BYTES:
            break
    return b"".join(chunks)


async def _ping(request: Request, key: str, kind: PingKind) -> PingAnswer:
    body = body_excerpt(await _body(request))
    return await run_in_threadpool(_record, request, key, kind, body)


def _record(request: Request, key: str, kind: PingKind, body: str) -> PingAnswer:
    hikeshi = container(request)
    settings = hikeshi.settings
    context = Context(language=settings.language, base_url=settings.public_url(""))
    with hikeshi.sessions() as db:
        heartbeat = heartbeats.find_by_key(session=db, key=key)
        if heartbeat is None:
            raise NotFound("No heartbeat has this ping URL; check the key.")
        now = hikeshi.clock()
        heartbeats.record_ping(
            session=db, heartbeat=heartbeat, kind=kind, body=body, now=now, context=context
        )
        db.commit()
        return PingAnswer(state=shown_state(heartbeat.state, next_due_at=heartbeat.next_due_at, now=now))


@_ping_route("/ping/{key}")
async def ping(key: str, request: Request) -> PingAnswer:
    return await _ping(request, key, PingKind.SUCCESS)


@_ping_route("/ping/{key}/start")
async def ping_start(key: str, request: Request) -> PingAnswer:
    return await _ping(request, key, PingKind.START)


@_ping_route("/ping/{key}/fail")
async def ping_fail(key: str, request: Request) -> PingAnswer:
    return await _ping(request, key, PingKind.FAIL)


# A shell's `$?` as written: digits, perhaps a sign. Not `0.0` or `１` (a lax integer parse takes both).
EXIT_STATUS = Path(pattern=r"^[+-]?[0-9]{1,40}$", description="The job's exit status: 0 is success.")


@_ping_route("/ping/{key}/{exit_status}")
async def ping_exit_status(
    key: str, exit_status: Annotated[str, EXIT_STATUS], request: Request
) -> PingAnswer:
    """A shell's `$?`: 0 is success, anything else a failure."""
    return await _ping(request, key, PingKind.SUCCESS if int(exit_status) == 0 else PingKind.FAIL)


@router.get("/api/v1/heartbeats", response_model=list[HeartbeatOut])
def list_heartbeats(db: DbSession, now: Now, _: StaffApi) -> list[HeartbeatOut]:
    return [
        heartbeats.heartbeat_out(heartbeat, now=now) for heartbeat in heartbeats.list_heartbeats(session=db)
    ]


@router.post("/api/v1/heartbeats", response_model=HeartbeatCreated, status_code=status.HTTP_201_CREATED)
def create_heartbeat(
    body: HeartbeatCreate, request: Request, db: DbSession, now: Now, _: ResponderApi
) -> HeartbeatCreated:
    settings = container(request).settings
    heartbeat, key = heartbeats.create_heartbeat(
        session=db,
        name=body.name,
        now=now,
        default_timezone=settings.timezone,
        period_seconds=body.period_seconds,
        grace_seconds=body.grace_seconds,
        cron=body.cron,
        timezone=body.timezone,
        product_slug=body.product,
        chat_channel=body.chat_channel,
        page_user_id=body.page_user_id,
    )
    db.commit()
    url = heartbeats.ping_url(settings.public_url(""), key)
    return HeartbeatCreated(
        **heartbeats.heartbeat_out(heartbeat, now=now).model_dump(), key=key, ping_url=url
    )


@router.get("/api/v1/heartbeats/{heartbeat_id}", response_model=HeartbeatDetailOut)
def read_heartbeat(heartbeat_id: int, db: DbSession, now: Now, _: StaffApi) -> HeartbeatDetailOut:
    heartbeat = heartbeats.get_heartbeat(session=db, heartbeat_id=heartbeat_id)
    return HeartbeatDetailOut(
        **heartbeats.heartbeat_out(heartbeat, now=now).model_dump(), last_ping_body=heartbeat.last_ping_body
    )


@router.post("/api/v1/heartbeats/{heartbeat_id}/pause", response_model=HeartbeatOut)
def pause_heartbeat(heartbeat_id: int, db: DbSession, now: Now, _: ResponderApi) -> HeartbeatOut:
    heartbeat = heartbeats.pause_heartbeat(session=db, heartbeat_id=heartbeat_id)
    db.commit()
    return heartbeats.heartbeat_out(heartbeat, now=now)


@router.post("/api/v1/heartbeats/{heartbeat_id}/resume", response_model=HeartbeatOut)
def resume_heartbeat(heartbeat_id: int, db: DbSession, now: Now, _: ResponderApi) -> HeartbeatOut:
    heartbeat = heartbeats.resume_heartbeat(session=db, heartbeat_id=heartbeat_id, now=now)
    db.commit()
    return heartbeats.heartbeat_out(heartbeat, now=now)


@router.delete("/api/v1/heartbeats/{heartbeat_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_heartbeat(heartbeat_id: int, db: DbSession, _: ResponderApi) -> Response:
    heartbeats.delete_heartbeat(session=db, heartbeat_id=heartbeat_id)
    db.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
