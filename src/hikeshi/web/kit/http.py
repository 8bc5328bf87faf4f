"""uvicorn's HTTP/1.1 protocol (httptools), with each answer's writes sent to the socket together.

uvicorn writes an answer's status line and headers when the app sends `http.response.start`, and its
body when the app sends `http.response.body`: on uvloop each write is a `send()` of its own, and a
TCP segment of its own. Here the writes made while the event loop runs one round of callbacks are
joined and sent once, at the start of the next round (`loop.call_soon`), before the loop waits for
the network again: a small answer leaves in one system call and one segment, a few percent less CPU
per answer on a busy ingest endpoint. Nothing else changes: the bytes, their order, when
the connection closes (what is pending is sent first) and flow control (a body of 64 KB or more is
handed over at once) are uvicorn's.

    uvicorn.run(app, http=CoalescingHttpToolsProtocol)

An app may also answer some requests on the protocol itself (`DirectAnswers`, found as the app's
`direct_answers`): a POST with a Content-Length to one of its paths is read here and answered from
bytes, without the ASGI request, task, scope and middleware uvicorn builds for every request, which
on an endpoint taking a storm of alerts cost more CPU than the app's own work. Anything the app does
not answer that way (or that fails unexpectedly) goes to the ASGI app as uvicorn would have sent it.
Pipelined requests, keep-alive, `Connection: close`, the keep-alive timeout and graceful shutdown
behave as uvicorn's.
"""

from __future__ import annotations

import asyncio
import time
import urllib.parse
from collections.abc import Iterable
from functools import partial
from typing import Any, Protocol

import httptools
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import (
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)
from uvicorn.server import ServerState

FLUSH_AT_BYTES = 64 * 1024  # what is pending is sent at once from this size on

Headers = list[tuple[bytes, bytes]]
Reply = tuple[int, Headers, bytes]  # status, headers (without Content-Length), body


class DirectAnswers(Protocol):
    """Requests an app answers on the protocol itself (see the module's text)."""

    max_body: int

    def direct_route(self, path: bytes) -> str | None:
        """The route this POST to `path` is answered directly for, or None (the ASGI app answers)."""

    def start(self, route: str, body: bytes, headers: Headers) -> Reply | asyncio.Future[Any] | None:
        """The reply, or a future to hand to `finish`, or None: the ASGI app answers instead."""

    def finish(self, route: str, outcome: asyncio.Future[Any]) -> Reply | None:
        """The reply once `start`'s future is done, or None: the ASGI app answers instead."""

    def answered(self, route: str, status: int, started: float) -> None:
        """Count the answer (the app's request metrics)."""


class _Event:
    """What uvicorn sets on the request being answered when the connection is lost."""

    def set(self) -> None:
        pass


class _DirectCycle:
    """A request answered directly: the attributes of uvicorn's cycle that the protocol reads."""

    __slots__ = (
        "body",
        "disconnected",
        "http_version",
        "keep_alive",
        "message_event",
        "response_complete",
        "route",
        "scope",
        "started",
        "url",
    )

    def __init__(self, route: str, *, url: bytes, scope: Any, http_version: str, keep_alive: bool) -> None:
        self.route = route
        # The request's own, kept: a pipelined request behind it replaces the protocol's.
        self.url = url
        self.scope = scope
        self.http_version = http_version
        self.keep_alive = keep_alive
        self.started = time.perf_counter()
        self.body = bytearray()
        self.disconnected = False
        self.response_complete = False
        self.message_event = _Event()


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.direct: DirectAnswers | None = getattr(config.app, "direct_answers", None)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        # (uvloop's transports have asyncio.Transport's methods without being one of its subclasses.)
        super().connection_made(CoalescingTransport(transport, self.loop))

    def on_headers_complete(self) -> None:
        cycle = self.cycle
        if self.direct is not None and (cycle is None or cycle.response_complete):
            route = self._direct_route(self.direct)
            if route is not None:
                version = self.parser.get_http_version()
                keep_alive = version != "1.0" and self.parser.should_keep_alive()
                direct = _DirectCycle(
                    route, url=self.url, scope=self.scope, http_version=version, keep_alive=keep_alive
                )
                self.cycle = direct  # type: ignore[assignment]
                return
        super().on_headers_complete()

    def _direct_route(self, direct: DirectAnswers) -> str | None:
        parser = self.parser
        if parser.get_method() != b"POST" or self.expect_100_continue or parser.should_upgrade():
            return None
        length = next((value for name, value in self.headers if name == b"content-length"), None)
        if length is None or not length.isdigit() or int(length) > direct.max_body:
            return None  # a chunked body, or one over the limit: the app reads and refuses it
        url = httptools.parse_url(self.url)
        return None if url.query else direct.direct_route(url.path)

    def on_body(self, body: bytes) -> None:
        cycle: Any = self.cycle  # uvicorn's, or one answered directly
        if type(cycle) is _DirectCycle:
            cycle.body += body
            return
        super().on_body(body)

    def on_message_complete(self) -> None:
        cycle: Any = self.cycle
        if type(cycle) is not _DirectCycle:
            super().on_message_complete()
            return
        assert self.direct is not None
        try:
            outcome = self.direct.start(cycle.route, bytes(cycle.body), self.headers)
        except Exception:
            outcome = None
        if outcome is None:
            self._to_app(cycle)
        elif isinstance(outcome, asyncio.Future):
            outcome.add_done_callback(partial(self._finish, cycle))
        else:
            self._reply(cycle, outcome)

    def _finish(self, cycle: _DirectCycle, outcome: asyncio.Future[Any]) -> None:
        assert self.direct is not None
        try:
            reply = None if outcome.cancelled() else self.direct.finish(cycle.route, outcome)
        except Exception:
            reply = None
        if reply is None:
            self._to_app(cycle)
        else:
            self._reply(cycle, reply)

    def _reply(self, cycle: _DirectCycle, reply: Reply) -> None:
        cycle.response_complete = True
        if cycle.disconnected or self.transport.is_closing():
            return
        status, headers, body = reply
        content = [STATUS_LINE[status]]
        for name, value in (*self.server_state.default_headers, *headers):
            content.extend((name, b": ", value, b"\r\n"))
        content.append(b"content-length: %d\r\n" % len(body))
        if not cycle.keep_alive:
            content.append(b"connection: close\r\n")
        content.extend((b"\r\n", body))
        self.transport.write(b"".join(content))
        try:
            assert self.direct is not None
            self.direct.answered(cycle.route, status, cycle.started)
            if self.access_log:  # uvicorn's line and arguments (its formatter reads them), the peer's address
                client = f"{self.client[0]}:{self.client[1]}" if self.client else ""
                line = '%s - "%s %s HTTP/%s" %d'
                self.access_logger.info(line, client, "POST", cycle.route, cycle.http_version, status)
        except Exception:  # the answer is out: the connection goes on whatever counting it did
            self.logger.exception("counting a direct answer failed")
        finally:
            if not cycle.keep_alive:
                self.transport.close()
            self.on_response_complete()

    def _to_app(self, cycle: _DirectCycle) -> None:
        """The request to the ASGI app, as uvicorn would have handed it over, its body read already."""
        cycle.response_complete = True
        if cycle.disconnected or self.transport.is_closing():
            return
        url = httptools.parse_url(cycle.url)
        path = url.path.decode("ascii")
        if "%" in path:
            path = urllib.parse.unquote(path)
        scope = cycle.scope
        scope["method"] = "POST"
        if cycle.http_version != "1.1":
            scope["http_version"] = cycle.http_version
        scope["path"] = self.root_path + path
        scope["raw_path"] = self.root_path.encode("ascii") + url.path
        scope["query_string"] = url.query or b""
        handed = RequestResponseCycle(
            scope=scope,
            transport=self.transport,
            flow=self.flow,
            logger=self.logger,
            access_logger=self.access_logger,
            access_log=self.access_log,
            default_headers=self.server_state.default_headers,
            message_event=asyncio.Event(),
            expect_100_continue=False,
            keep_alive=cycle.keep_alive,
            on_response=self.on_response_complete,
        )
        handed.body, handed.more_body = cycle.body, False
        handed.message_event.set()
        if self.cycle is cycle:  # type: ignore[comparison-overlap]  # (no pipelined request behind it)
            self.cycle = handed
        self._start_asgi_task(handed, self.app)


class CoalescingTransport(asyncio.Transport):
    """A transport whose writes wait for the end of the event loop's current round, then leave as one."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._pending_size = 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        if not self._pending:
            self._loop.call_soon(self.flush)
        chunk = bytes(data)
        self._pending.append(chunk)
        self._pending_size += len(chunk)
        if self._pending_size >= FLUSH_AT_BYTES:  # a large body: uvicorn's flow control takes over
            self.flush()

    def writelines(self, list_of_data: Iterable[bytes | bytearray | memoryview]) -> None:
        for data in list_of_data:
            self.write(data)

    def flush(self) -> None:
        """Send what is pending now (also before the connection closes, EOF, or a change of protocol)."""
        if not self._pending:
            return
        pending = self._pending
        self._pending, self._pending_size = [], 0
        if not self._transport.is_closing():
            self._transport.write(pending[0] if len(pending) == 1 else b"".join(pending))

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._pending, self._pending_size = [], 0
        self._transport.abort()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def can_write_eof(self) -> bool:
        return self._transport.can_write_eof()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.flush()
        self._transport.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._transport.get_protocol()

    def is_reading(self) -> bool:
        return self._transport.is_reading()

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._transport.set_write_buffer_limits(high, low)

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + self._pending_size

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self._transport.get_write_buffer_limits()
