"""The base of the local provider servers: a real HTTP/1.1 server on 127.0.0.1, in a thread or a process.

Each provider server (Slack, Twilio, a webhook receiver) subclasses `LocalHttpServer` and answers in
`handle()`. What every one of them shares lives here:
- `start()` binds a free port (or the one given), `stop()` closes the port *and* every open
  keep-alive connection, so a stopped server is really gone for its clients; `start()` again
  reuses the same port and keeps what was recorded (fault tests restart a provider mid-run);
- faults: `fail_next(count, status=500, retry_after=None)`, or `POST /_test/fail` with
  `{"count": 2, "status": 429, "retry_after": 1}` from another process; `POST /_test/reset`;
- `run_standalone()`: `python -m tests.support.<name>_server --port N` prints one JSON line
  `{"url": …, "port": …}` once it listens, and serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: Message
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get_content_type()

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))


@dataclass(frozen=True)
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        return cls(status, body, {"Content-Type": "application/json; charset=utf-8", **(headers or {})})

    @classmethod
    def text(cls, text: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return cls(
            status, text.encode("utf-8"), {"Content-Type": "text/plain; charset=utf-8", **(headers or {})}
        )


@dataclass
class _Fault:
    remaining: int
    status: int
    retry_after: int | None


class LocalHttpServer:
    """Subclasses implement `handle`; state they record must be guarded by `self.lock`."""

    def __init__(self, *, host: str = HOST, port: int = 0) -> None:
        self.host = host
        self.port = port
        self.lock = threading.RLock()
        self._faults: list[_Fault] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._httpd is not None

    def handle(self, request: Request) -> Response:
        raise NotImplementedError

    def fault_response(self, status: int, retry_after: int | None) -> Response:
        """What an injected fault answers; providers override it to look like themselves."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        return Response.text(f"injected fault {status}", status, headers)

    def reset(self) -> None:
        """Forget recordings and faults; subclasses clear their own records too."""
        with self.lock:
            self._faults.clear()

    def fail_next(self, count: int = 1, *, status: int = 500, retry_after: int | None = None) -> None:
        with self.lock:
            self._faults.append(_Fault(count, status, retry_after))

    def start(self) -> Self:
        if self._httpd is not None:
            return self
        httpd = ThreadingHTTPServer((self.host, self.port), _handler_for(self))
        httpd.daemon_threads = True
        self.port = httpd.server_address[1]
        self._httpd = httpd
        # A short poll interval: stop() waits for one, and fixtures stop a server after every test.
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, name=type(self).__name__, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        with self.lock:
            connections, self._connections = list(self._connections), set()
        for connection in connections:
            # Idle keep-alive connections would otherwise go on being served by their threads.
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _dispatch(self, request: Request) -> Response:
        if request.path == "/_test/fail" and request.method == "POST":
            spec = request.json() or {}
            self.fail_next(
                int(spec.get("count", 1)),
                status=int(spec.get("status", 500)),
                retry_after=spec.get("retry_after"),
            )
            return Response.json({"ok": True})
        if request.path == "/_test/reset" and request.method == "POST":
            self.reset()
            return Response.json({"ok": True})
        if not request.path.startswith("/_test/"):
            fault = self._take_fault()
            if fault is not None:
                return self.fault_response(fault.status, fault.retry_after)
        return self.handle(request)

    def _take_fault(self) -> _Fault | None:
        with self.lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.pop(0)
            return fault

    def _track(self, connection: socket.socket, *, open_: bool) -> None:
        with self.lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)


def _handler_for(app: LocalHttpServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the real providers and httpx's pool expect
        timeout = 30  # an abandoned connection frees its thread

        def setup(self) -> None:
            super().setup()
            app._track(self.connection, open_=True)

        def finish(self) -> None:
            app._track(self.connection, open_=False)
            with contextlib.suppress(OSError):
                super().finish()

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            request = Request(self.command, parts.path, dict(parse_qsl(parts.query)), self.headers, body)
            try:
                response = app._dispatch(request)
            except Exception as error:  # a bug in a test server must show, not hang the client
                response = Response.text(f"test server error: {error!r}", 599)
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)

        # http.server's naming, not ours.
        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: pytest shows what matters

    return Handler


def run_standalone(
    description: str,
    build: Callable[[argparse.Namespace], LocalHttpServer],
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None,
) -> None:
    """Serve in this process until SIGTERM/SIGINT; print `{"url", "port"}` once listening."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default=HOST)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed on stdout)")
    if add_arguments is not None:
        add_arguments(parser)
    arguments = parser.parse_args()
    server = build(arguments)
    wait_for_signal(server.start, server.stop, lambda: {"url": server.url, "port": server.port})


def wait_for_signal(
    start: Callable[[], object], stop: Callable[[], None], describe: Callable[[], dict[str, Any]]
) -> None:
    stopping = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stopping.set())
    start()
    print(json.dumps(describe()), flush=True)
    try:
        while not stopping.wait(0.5):
            pass
    finally:
        stop()
    sys.exit(0)
