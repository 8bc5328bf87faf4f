"""`GET /notices/feed.json` answered in front of the web app, so thousands of polling iPads cost little.

Most polls carry the ETag of the last answer and get 304: that needs the feed's state (the comms
version and the last clock mark), which this process reads at most once a second and shares among
all requests, so a 304 touches no database. A 200's bytes are kept by ETag (the ETag names the query
and the state, so they never go stale). The answers, headers and request metrics are those of the
route in `feed_api`; anything that needs an error answer (a bad parameter, an unknown store) is handed
to the app, which answers it as the route always does.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from anyio import to_thread
from starlette.types import Receive, Scope, Send

from hikeshi.comms import feed, feed_rules
from hikeshi.comms.feed import FeedState
from hikeshi.comms.feed_rules import FeedQuery
from hikeshi.core.errors import HikeshiError
from hikeshi.web.kit.metrics import HttpMetrics
from hikeshi.web.kit.security import security_headers

FEED_PATH = "/notices/feed.json"
STATE_SECONDS = 1.0  # how long this process answers from the state it read
BODIES_KEPT = 2048  # feeds kept rendered: one per store that polled since the last change, about
Delegate = Callable[[Scope, Receive, Send], Awaitable[None]]


class _HandToApp(Exception):
    """The app answers this request itself (an error answer)."""


class FeedFastPath:
    def __init__(self, *, container: Any, metrics: HttpMetrics, hsts: bool) -> None:
        self.container = container
        self.metrics = metrics
        self.base_url = container.settings.public_url("")
        self.security_headers = [
            (name.encode(), value.encode()) for name, value in security_headers(hsts=hsts)
        ]
        self.state_seconds = STATE_SECONDS
        self._state: FeedState | None = None
        self._state_read_at = 0.0
        self._state_lock = asyncio.Lock()
        self._bodies: OrderedDict[str, bytes] = OrderedDict()
        self._children: dict[tuple[str, int], tuple[Any, Any]] = {}

    def route(self, scope: Scope) -> str | None:
        if scope["type"] == "http" and scope["path"] == FEED_PATH and scope["method"] in ("GET", "HEAD"):
            return FEED_PATH
        return None

    async def __call__(
        self, scope: Scope, receive: Receive, send: Send, *, route: str, app: Delegate
    ) -> None:
        started = time.perf_counter()
        try:
            status, text_headers, body = await self._answer(scope)
        except _HandToApp:
            await app(scope, receive, send)
            return
        headers = [(name.encode(), value.encode()) for name, value in text_headers]
        if body:
            headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        headers += self.security_headers
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
        counted = (scope["method"], status)
        if (children := self._children.get(counted)) is None:
            method = scope["method"]
            requests = self.metrics.requests.labels(method, route, str(status))
            children = self._children[counted] = (requests, self.metrics.duration.labels(method, route))
        children[0].inc()
        children[1].observe(time.perf_counter() - started)

    async def _answer(self, scope: Scope) -> tuple[int, list[tuple[str, str]], bytes]:
        params = dict(parse_qsl(scope["query_string"].decode("latin-1")))
        try:
            query = feed_rules.parse_feed_query(
                store=params.get("store"), product=params.get("product"), lang=params.get("lang")
            )
        except HikeshiError:
            raise _HandToApp from None
        state = await self._current_state()
        etag = state.etag(query)
        headers = feed_rules.feed_headers(current_etag=etag, modified=state.last_modified)
        if_none_match = if_modified_since = None
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                if_none_match = value.decode("latin-1")
            elif name == b"if-modified-since":
                if_modified_since = value.decode("latin-1")
        if feed_rules.not_modified(
            current_etag=etag,
            modified=state.last_modified,
            if_none_match=if_none_match,
            if_modified_since=if_modified_since,
        ):
            return 304, headers, b""
        body = self._bodies.get(etag)
        if body is None:
            try:
                body = await to_thread.run_sync(self._render, query)
            except HikeshiError:
                raise _HandToApp from None
            self._bodies[etag] = body
            if len(self._bodies) > BODIES_KEPT:
                self._bodies.popitem(last=False)
        else:
            self._bodies.move_to_end(etag)
        return 200, headers, body

    async def _current_state(self) -> FeedState:
        if self._state is not None and time.monotonic() - self._state_read_at < self.state_seconds:
            return self._state
        async with self._state_lock:  # one read for all the requests waiting for it
            if self._state is None or time.monotonic() - self._state_read_at >= self.state_seconds:
                read_at = time.monotonic()
                self._state = await to_thread.run_sync(self._read_state)
                self._state_read_at = read_at
            return self._state

    def _read_state(self) -> FeedState:
        with self.container.sessions() as db:
            return feed.feed_state(session=db, now=self._now())

    def _render(self, query: FeedQuery) -> bytes:
        with self.container.sessions() as db:
            document = feed.feed_document(session=db, now=self._now(), query=query, base_url=self.base_url)
        return feed.render_feed(document)

    def _now(self) -> datetime:
        now: datetime = self.container.clock()
        return now
