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

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from hikeshi.accounts.deps import Public
from hikeshi.alerts import batch, integrations, service
from hikeshi.alerts.models import Integration
from hikeshi.alerts.normalized import Action
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


async def _committed(
    group_commit: GroupCommit, work: Callable[[Session], Response], *, pagerduty: bool
) -> Response:
    try:
        return await group_commit.run(work)
    except BatchFailed as failed:
        return unavailable(failed, pagerduty=pagerduty)


def unavailable(failed: BatchFailed, *, pagerduty: bool) -> Response:
    """503 with Retry-After: the batch could not be committed, and every sender retries a 5xx."""
    message = "The event could not be stored; try again."
    if pagerduty:
        body: dict[str, Any] = {"status": "unavailable", "message": message, "errors": [str(failed)]}
    else:
        body = {"error": {"code": "unavailable", "message": message}}
    headers = {"retry-after": str(RETRY_AFTER_SECONDS)}
    return JSONResponse(body, status_code=503, headers=headers)


@router.post("/v2/enqueue", dependencies=[Public], status_code=202)
async def enqueue_event(request: Request, body: Body) -> Response:
    hikeshi = container(request)
    return await enqueue_event_answer(
        hikeshi.group_commit, body, context=_context(request), clock=hikeshi.clock
    )


async def enqueue_event_answer(
    group_commit: GroupCommit, body: bytes, *, context: Context, clock: Clock
) -> Response:
    """The answer to an alert event, once it is stored (`hikeshi.alerts.ingest_asgi` calls this too)."""
    work = event_to_store(body, context=context, clock=clock)
    if isinstance(work, Response):
        return work
    return await _committed(group_commit, work, pagerduty=True)


def event_to_store(body: bytes, *, context: Context, clock: Clock) -> StoreEvent | Response:
    """The event checked as PagerDuty checks it: the unit of work storing it, or PagerDuty's 400."""
    try:
        document = _pagerduty_document(body)
        event = validate_event(document)
    except PagerDutyInvalid as invalid:
        return _refused(invalid)
    return StoreEvent(event=event, raw=document, context=context, clock=clock)


@dataclass(frozen=True, slots=True)
class StoreEvent:
    """One PagerDuty event as a unit of group commit: alone, or with the others of its batch at once."""

    event: PagerDutyEvent
    raw: Any
    context: Context
    clock: Clock

    def __call__(self, session: Session) -> Response:
        integration = _integration(session, self.event.routing_key)
        if integration is None:
            return _refused(PagerDutyInvalid(["Invalid routing key"]))
        now = self.clock()
        [outcome] = service.ingest(
            session=session,
            integration=integration,
            alerts=[self.event.to_normalized(now)],
            raw=_without_key(self.raw, integration),
            now=now,
            context=self.context,
        )
        return _processed(outcome.dedup_key)

    @staticmethod
    def together(session: Session, units: Sequence[StoreEvent]) -> list[Response]:
        """Triggers stored set-based (`batch`); acknowledge and resolve one by one, in order."""
        now = units[0].clock()
        answers: list[Response | None] = [None] * len(units)
        run: list[tuple[int, batch.Trigger]] = []

        def store_run() -> None:
            triggers = [trigger for _, trigger in run]
            outcomes = batch.ingest_triggers(session=session, triggers=triggers, now=now)
            for (index, _), outcome in zip(run, outcomes, strict=True):
                answers[index] = _processed(outcome.dedup_key)
            run.clear()

        for index, unit in enumerate(units):
            integration = _integration(session, unit.event.routing_key)
            if integration is None:
                answers[index] = _refused(PagerDutyInvalid(["Invalid routing key"]))
            elif unit.event.action is Action.TRIGGER:
                raw = _without_key(unit.raw, integration)
                alert = unit.event.to_normalized(now)
                run.append(
                    (
                        index,
                        batch.Trigger(integration=integration, alert=alert, raw=raw, context=unit.context),
                    )
                )
            else:
                store_run()
                answers[index] = unit(session)
        if run:
            store_run()
        return [answer for answer in answers if answer is not None]


_PROCESSED = b'{"status":"success","message":"Event processed","dedup_key":'
_JSON = (b"content-type", b"application/json")


class Processed(Response):
    """PagerDuty's 202, byte for byte what `JSONResponse` renders, without rendering the rest each time
    (nor working out the headers: a storm is answered tens of thousands of times a second)."""

    def __init__(self, dedup_key: str) -> None:
        self.status_code = 202
        self.background = None
        self.body = _PROCESSED + _json_text(dedup_key) + b"}"
        self.raw_headers = [(b"content-length", str(len(self.body)).encode()), _JSON]


def _json_text(text: str) -> bytes:
    """`json.dumps(text, ensure_ascii=False).encode()`, by orjson (the same bytes) when it takes it."""
    try:
        return orjson.dumps(text)
    except orjson.JSONEncodeError:  # an unpaired surrogate
        return json.dumps(text, ensure_ascii=False).encode("utf-8", "surrogatepass")


def _processed(dedup_key: str) -> Response:
    return Processed(dedup_key)


def _without_key(raw: Any, integration: Integration) -> Any:
    """The event as sent, but the routing key (the integration's secret) only by its prefix."""
    if isinstance(raw, dict) and "routing_key" in raw:
        return {**raw, "routing_key": f"{integration.key_prefix}…"}
    return raw


@router.post("/v2/change/enqueue", dependencies=[Public], status_code=202)
async def enqueue_change(request: Request, body: Body) -> Response:
    hikeshi = container(request)
    return await enqueue_change_answer(hikeshi.group_commit, body, clock=hikeshi.clock)


async def enqueue_change_answer(group_commit: GroupCommit, body: bytes, *, clock: Clock) -> Response:
    try:
        change = validate_change_event(_pagerduty_document(body))
    except PagerDutyInvalid as invalid:
        return _refused(invalid)
    work = partial(_store_change, change=change, clock=clock)
    return await _committed(group_commit, work, pagerduty=True)


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
    hikeshi = container(request)
    return await webhook_answer(
        hikeshi.group_commit,
        key,
        body,
        headers=dict(request.headers),
        context=_context(request),
        clock=hikeshi.clock,
    )


async def webhook_answer(
    group_commit: GroupCommit,
    key: str,
    body: bytes,
    *,
    headers: Mapping[str, str],
    context: Context,
    clock: Clock,
) -> Response:
    """Raises what the route's error handlers answer (an unknown key, a payload its parser refuses)."""
    work = partial(_store_webhook, key=key, body=body, headers=headers, context=context, clock=clock)
    return await _committed(group_commit, work, pagerduty=False)


# Webhooks that carry a list of alerts (`alerts`, one parsed alert per entry, in order).
MANY_ALERT_KINDS = frozenset({"alertmanager", "grafana"})


def _raw_per_alert(raw: Any, count: int) -> list[Any] | None:
    """Each alert keeps the envelope and its own entry, not the whole batch: a storm's webhook of 1,000
    alerts would otherwise be stored 1,000 times over (and read back whole with every alert)."""
    entries = raw.get("alerts") if isinstance(raw, dict) else None
    if count < 2 or not isinstance(entries, list) or len(entries) < count:
        return None
    envelope = {name: value for name, value in raw.items() if name != "alerts"}
    return [{**envelope, "alerts": [entry]} for entry in entries[:count]]


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
        session=session,
        integration=integration,
        alerts=alerts,
        raw=raw,
        raws=_raw_per_alert(raw, len(alerts)) if integration.kind in MANY_ALERT_KINDS else None,
        now=now,
        context=context,
    )
    answer = {
        "status": "accepted",
        "alerts": len(outcomes),
        "dedup_keys": [outcome.dedup_key for outcome in outcomes],
    }
    return JSONResponse(answer, status_code=202)
