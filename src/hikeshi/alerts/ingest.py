"""Machine entry points: PagerDuty's Events API v2 (`/v2/enqueue`, `/v2/change/enqueue`) and webhooks.

The body is read (at most 512 KB) and checked here, on the event loop; only a well-formed event becomes
a unit of work (find the integration, `service.ingest`) for the process's group commit
(`hikeshi.db.group_commit`), which answers once the batch it rode in has committed. So nothing is
answered 2xx before it is durable, and concurrent requests share one commit. Bad input gets a 4xx whose
body names the problem, without touching the database; the PagerDuty endpoints answer exactly as
PagerDuty does, so its clients understand the answer. A batch the database could not commit is
answered 503 with Retry-After: every sender retries a 5xx.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from hikeshi.accounts.deps import Public
from hikeshi.alerts import integrations, service
from hikeshi.alerts.models import Integration
from hikeshi.alerts.normalizers import parse_webhook
from hikeshi.alerts.normalizers.documents import load_json
from hikeshi.alerts.normalizers.pagerduty import (
    ChangeEvent,
    PagerDutyEvent,
    PagerDutyInvalid,
    validate_change_event,
    validate_event,
)
from hikeshi.alerts.notify import Context
from hikeshi.core.clock import Clock
from hikeshi.core.errors import InvalidInput, NotAuthenticated
from hikeshi.core.i18n import N_
from hikeshi.db.group_commit import BatchFailed, GroupCommit
from hikeshi.web.kit.context import container

router = APIRouter(tags=["ingest"])

MAX_BODY_BYTES = 512 * 1024
RETRY_AFTER_SECONDS = 1


async def limited_body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large() -> HTTPException:
    return HTTPException(status_code=413, detail=N_("The body is over 512 KB."))


Body = Annotated[bytes, Depends(limited_body)]


def _refused(invalid: PagerDutyInvalid) -> JSONResponse:
    """PagerDuty's 400: `{"status": "invalid event", "message": "Event object is invalid", "errors"}`."""
    return JSONResponse(invalid.response_body(), status_code=400)


def _pagerduty_document(body: bytes) -> Any:
    try:
        return load_json(body)
    except InvalidInput:
        raise PagerDutyInvalid(["JSON parse error"], unrecognized=True) from None


def _context(request: Request) -> Context:
    settings = container(request).settings
    return Context(language=settings.language, base_url=settings.public_url(""))


def _integration(session: Session, key: str) -> Integration | None:
    """One look-up per key and batch: the events of a storm from one source share it."""
    known: dict[str, Integration | None] = session.info.setdefault("ingest.integrations", {})
    if key not in known:
        known[key] = integrations.find_by_key(session=session, key=key)
    return known[key]


async def _committed(request: Request, work: Callable[[Session], Response], *, pagerduty: bool) -> Response:
    group_commit: GroupCommit = container(request).group_commit
    try:
        return await group_commit.run(work)
    except BatchFailed as failed:
        message = "The event could not be stored; try again."
        if pagerduty:
            body: dict[str, Any] = {"status": "unavailable", "message": message, "errors": [str(failed)]}
        else:
            body = {"error": {"code": "unavailable", "message": message}}
        headers = {"retry-after": str(RETRY_AFTER_SECONDS)}
        return JSONResponse(body, status_code=503, headers=headers)


@router.post("/v2/enqueue", dependencies=[Public], status_code=202)
async def enqueue_event(request: Request, body: Body) -> Response:
    try:
        document = _pagerduty_document(body)
        event = validate_event(document)
    except PagerDutyInvalid as invalid:
        return _refused(invalid)
    work = partial(
        _store_event, event=event, raw=document, context=_context(request), clock=container(request).clock
    )
    return await _committed(request, work, pagerduty=True)


def _store_event(
    session: Session, *, event: PagerDutyEvent, raw: Any, context: Context, clock: Clock
) -> Response:
    integration = _integration(session, event.routing_key)
    if integration is None:
        return _refused(PagerDutyInvalid(["Invalid routing key"]))
    now = clock()
    [outcome] = service.ingest(
        session=session,
        integration=integration,
        alerts=[event.to_normalized(now)],
        raw=_without_key(raw, integration),
        now=now,
        context=context,
    )
    body = {"status": "success", "message": "Event processed", "dedup_key": outcome.dedup_key}
    return JSONResponse(body, status_code=202)


def _without_key(raw: Any, integration: Integration) -> Any:
    """The event as sent, but the routing key (the integration's secret) only by its prefix."""
    if isinstance(raw, dict) and "routing_key" in raw:
        return {**raw, "routing_key": f"{integration.key_prefix}…"}
    return raw


@router.post("/v2/change/enqueue", dependencies=[Public], status_code=202)
async def enqueue_change(request: Request, body: Body) -> Response:
    try:
        change = validate_change_event(_pagerduty_document(body))
    except PagerDutyInvalid as invalid:
        return _refused(invalid)
    work = partial(_store_change, change=change, clock=container(request).clock)
    return await _committed(request, work, pagerduty=True)


def _store_change(session: Session, *, change: ChangeEvent, clock: Clock) -> Response:
    integration = _integration(session, change.routing_key)
    if integration is None:
        return _refused(PagerDutyInvalid(["Invalid routing key"]))
    now = clock()
    integrations.record_change(
        session=session,
        integration=integration,
        summary=change.summary,
        source=change.source,
        occurred_at=change.timestamp or now,
        links=[{"href": link.href, "text": link.text} for link in change.links],
        details=change.custom_details,
        now=now,
    )
    return JSONResponse({"status": "success", "message": "Change event processed"}, status_code=202)


@router.post("/hooks/{key}", dependencies=[Public], status_code=202)
async def receive_webhook(key: str, request: Request, body: Body) -> Response:
    work = partial(
        _store_webhook,
        key=key,
        body=body,
        headers=dict(request.headers),
        context=_context(request),
        clock=container(request).clock,
    )
    return await _committed(request, work, pagerduty=False)


def _store_webhook(
    session: Session, *, key: str, body: bytes, headers: Mapping[str, str], context: Context, clock: Clock
) -> Response:
    integration = _integration(session, key)
    if integration is None:
        raise NotAuthenticated("No integration has this key; check the URL (keys change when rotated).")
    now = clock()
    alerts = parse_webhook(integration.kind, body, headers=headers, config=integration.config, now=now)
    # Every parser reads JSON: the raw payload is kept as sent, less what databases refuse (`\u0000`).
    raw = load_json(body)
    outcomes = service.ingest(
        session=session, integration=integration, alerts=alerts, raw=raw, now=now, context=context
    )
    answer = {
        "status": "accepted",
        "alerts": len(outcomes),
        "dedup_keys": [outcome.dedup_key for outcome in outcomes],
    }
    return JSONResponse(answer, status_code=202)
