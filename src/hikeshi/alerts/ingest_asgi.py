"""The ingest routes' fast path: `POST /v2/enqueue`, `/v2/change/enqueue` and `/hooks/{key}` answered
in front of the web app, without the middleware meant for browsers (sessions, CSRF, templates,
FastAPI's dependency resolution), which cost more than storing an alert.

The answers are the routes' own (`hikeshi.alerts.ingest` builds them), with the same security headers
and the same request metrics as every other answer. What needs the app's error pages (a body over
512 KB, a webhook whose key or payload is refused, anything unexpected) is handed to the app with
the body as it was read, so it answers exactly as it always has; only well-formed requests and
PagerDuty's own refusals are answered here.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from hikeshi.alerts import ingest
from hikeshi.alerts.notify import Context
from hikeshi.db.group_commit import BatchFailed
from hikeshi.web.kit.http import Headers, Reply
from hikeshi.web.kit.metrics import HttpMetrics
from hikeshi.web.kit.security import security_headers

PAGERDUTY_PATHS = {"/v2/enqueue": "/v2/enqueue", "/v2/change/enqueue": "/v2/change/enqueue"}
HOOKS_PREFIX = "/hooks/"
HOOK_ROUTE = "/hooks/{key}"
Delegate = Callable[[Scope, Receive, Send], Awaitable[None]]


class _Gone(Exception):
    """The client went away before its body arrived: there is no one to answer."""


class _HandToApp(Exception):
    """This request needs the app's own answer (an error page): the body is replayed to it."""


class IngestFastPath:
    def __init__(self, *, container: Any, metrics: HttpMetrics, hsts: bool) -> None:
        self.container = container
        self.metrics = metrics
        settings = container.settings
        self.context = Context(language=settings.language, base_url=settings.public_url(""))
        self.security_headers = [
            (name.encode(), value.encode()) for name, value in security_headers(hsts=hsts)
        ]
        self._children: dict[tuple[str, int], tuple[Any, Any]] = {}
        self._security: dict[tuple[bytes, ...], list[tuple[bytes, bytes]]] = {}

    def route(self, scope: Scope) -> str | None:
        """The route template this fast path answers for the request, or None (the app answers)."""
        if scope["type"] != "http" or scope["method"] != "POST":
            return None
        path: str = scope["path"]
        if path in PAGERDUTY_PATHS:
            return PAGERDUTY_PATHS[path]
        if (
            path.startswith(HOOKS_PREFIX)
            and len(path) > len(HOOKS_PREFIX)
            and "/" not in path[len(HOOKS_PREFIX) :]
        ):
            return HOOK_ROUTE
        return None

    async def __call__(
        self, scope: Scope, receive: Receive, send: Send, *, route: str, app: Delegate
    ) -> None:
        started = time.perf_counter()
        try:
            chunks, complete = await _read_body(scope, receive)
        except _Gone:
            return
        body = b"".join(chunks) if complete else None
        try:
            if body is None:
                raise _HandToApp
            response = await self._answer(route, scope, body)
        except _HandToApp:
            # The app measures and answers this one itself, as it would have without the fast path.
            await app(scope, _replay(chunks, complete, receive), send)
            return
        await self._send(response, send)
        self._count(route, response.status_code, started)

    async def _answer(self, route: str, scope: Scope, body: bytes) -> Response:
        group_commit = self.container.group_commit
        clock = self.container.clock
        try:
            if route == "/v2/enqueue":
                return await ingest.enqueue_event_answer(
                    group_commit, body, context=self.context, clock=clock
                )
            if route == "/v2/change/enqueue":
                return await ingest.enqueue_change_answer(group_commit, body, clock=clock)
            key = scope["path"][len(HOOKS_PREFIX) :]
            headers = _headers(scope)
            return await ingest.webhook_answer(
                group_commit, key, body, headers=headers, context=self.context, clock=clock
            )
        except Exception:  # a refused key or payload, or a bug: the app's error pages answer it
            raise _HandToApp from None

    async def _send(self, response: Response, send: Send) -> None:
        headers = self._headers(response)
        await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
        await send({"type": "http.response.body", "body": response.body})

    def _headers(self, response: Response) -> list[tuple[bytes, bytes]]:
        headers = list(response.raw_headers)
        names = tuple(name for name, _ in headers)
        if (security := self._security.get(names)) is None:  # the few sets of names answers have
            security = self._security[names] = [
                header for header in self.security_headers if header[0] not in names
            ]
        headers.extend(security)
        return headers

    def _count(self, route: str, status: int, started: float) -> None:
        counted = (route, status)
        if (children := self._children.get(counted)) is None:  # a label look-up costs as much as a count
            requests = self.metrics.requests.labels("POST", route, str(status))
            children = self._children[counted] = (requests, self.metrics.duration.labels("POST", route))
        children[0].inc()
        children[1].observe(time.perf_counter() - started)

    # Answered on the HTTP protocol itself (`hikeshi.web.kit.http.DirectAnswers`): PagerDuty's events,
    # the bulk of a storm. The same answers as above, without an ASGI request.
    max_body = ingest.MAX_BODY_BYTES

    def direct_route(self, path: bytes) -> str | None:
        return "/v2/enqueue" if path == b"/v2/enqueue" else None

    def start(self, route: str, body: bytes, headers: Headers) -> Reply | asyncio.Future[Any] | None:
        work = ingest.event_to_store(body, context=self.context, clock=self.container.clock)
        if isinstance(work, Response):
            return self._reply(work)
        stored: asyncio.Future[Response] = self.container.group_commit.submit(work)
        return stored

    def finish(self, route: str, outcome: asyncio.Future[Any]) -> Reply | None:
        failed = outcome.exception()
        if isinstance(failed, BatchFailed):
            return self._reply(ingest.unavailable(failed, pagerduty=True))
        return None if failed is not None else self._reply(outcome.result())

    def answered(self, route: str, status: int, started: float) -> None:
        self._count(route, status, started)

    def _reply(self, response: Response) -> Reply:
        headers = [header for header in self._headers(response) if header[0] != b"content-length"]
        return response.status_code, headers, bytes(response.body)


async def _read_body(scope: Scope, receive: Receive) -> tuple[list[bytes], bool]:
    """The chunks read, and whether that is the whole body (False: it is over the limit)."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            if value.isdigit() and int(value) > ingest.MAX_BODY_BYTES:
                return [], False
            break
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise _Gone
        chunk = message.get("body", b"")
        if chunk:
            chunks.append(chunk)
            size += len(chunk)
            if size > ingest.MAX_BODY_BYTES:
                return chunks, False
        if not message.get("more_body", False):
            return chunks, True


def _replay(chunks: list[bytes], complete: bool, receive: Receive) -> Receive:
    """The request's body again for the app: what was read, then whatever was not."""
    pending = list(chunks) or [b""]

    async def replayed() -> Message:
        if pending:
            chunk = pending.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(pending) or not complete}
        return await receive()  # the rest of a body over the limit, or the client going away

    return replayed


def _headers(scope: Scope) -> dict[str, str]:
    """As `dict(request.headers)`: lower-case names, the first value of a repeated header."""
    headers: dict[str, str] = {}
    for name, value in scope["headers"]:
        headers.setdefault(name.decode("latin-1"), value.decode("latin-1"))
    return headers
