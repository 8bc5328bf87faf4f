"""`hikeshi serve`'s HTTP protocol: uvicorn's, with each answer leaving in one write."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from hikeshi.web.kit.http import FLUSH_AT_BYTES, CoalescingHttpToolsProtocol, CoalescingTransport


class RecordingTransport:
    """What reaches the socket: each write, and when the transport was closed or aborted."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.closing = False

    def write(self, data: bytes) -> None:
        self.events.append(bytes(data))

    def close(self) -> None:
        self.closing = True
        self.events.append("close")

    def abort(self) -> None:
        self.closing = True
        self.events.append("abort")

    def is_closing(self) -> bool:
        return self.closing


def _coalescing() -> tuple[CoalescingTransport, RecordingTransport, asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    recording = RecordingTransport()
    return CoalescingTransport(recording, loop), recording, loop  # type: ignore[arg-type]


def _one_round(loop: asyncio.AbstractEventLoop) -> None:
    loop.run_until_complete(asyncio.sleep(0))


def test_writes_of_one_round_of_the_loop_leave_as_one_in_their_order() -> None:
    transport, recording, loop = _coalescing()
    try:
        transport.write(b"HTTP/1.1 202 Accepted\r\n\r\n")
        transport.writelines([b"{", b"}"])
        assert recording.events == []
        _one_round(loop)
        assert recording.events == [b"HTTP/1.1 202 Accepted\r\n\r\n{}"]
        transport.write(b"next")
        _one_round(loop)
        assert recording.events[1:] == [b"next"]
    finally:
        loop.close()


def test_closing_sends_what_is_pending_first_and_nothing_after() -> None:
    transport, recording, loop = _coalescing()
    try:
        transport.write(b"answer")
        transport.close()
        transport.write(b"too late")
        _one_round(loop)
        assert recording.events == [b"answer", "close"]
    finally:
        loop.close()


def test_aborting_drops_what_is_pending() -> None:
    transport, recording, loop = _coalescing()
    try:
        transport.write(b"answer")
        transport.abort()
        _one_round(loop)
        assert recording.events == ["abort"]
    finally:
        loop.close()


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    if scope["path"] == "/stream":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for chunk in (b"one ", b"two ", b"three"):
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await asyncio.sleep(0)
        await send({"type": "http.response.body", "body": b""})
        return
    answer = b'{"echo":' + str(len(body)).encode() + b"}"
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(answer)).encode())]
    await send({"type": "http.response.start", "status": 202, "headers": headers})
    await send({"type": "http.response.body", "body": answer})


WRITES: list[bytes] = []


class Counted(CoalescingHttpToolsProtocol):
    """Counts what the coalescing transport hands to the socket."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        original = transport.write

        class Counting:
            def __getattr__(self, name: str) -> Any:
                return getattr(transport, name)

            def write(self, data: bytes) -> None:
                WRITES.append(data)
                original(data)

        super().connection_made(Counting())  # type: ignore[arg-type]


@pytest.fixture
def server() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        _app, host="127.0.0.1", port=port, http=Counted, log_level="warning", lifespan="off"
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    for _ in range(200):
        if running.started:
            break
        threading.Event().wait(0.05)
    assert running.started
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


def test_each_answer_reaches_the_socket_in_one_write(server: str) -> None:
    WRITES.clear()
    with httpx.Client(base_url=server) as client:  # one kept-alive connection for both requests
        first = client.post("/enqueue", content=b"x" * 10)
        second = client.post("/enqueue", content=b"y" * 20_000)
    assert (first.status_code, first.json()) == (202, {"echo": 10})
    assert (second.status_code, second.json()) == (202, {"echo": 20_000})
    assert len(WRITES) == 2
    assert WRITES[0].startswith(b"HTTP/1.1 202 Accepted\r\n")
    assert WRITES[0].endswith(b'\r\n\r\n{"echo":10}')


def test_a_streamed_answer_and_a_closing_connection_arrive_whole(server: str) -> None:
    with httpx.Client(base_url=server) as client:
        streamed = client.get("/stream")
        closing = client.post("/enqueue", content=b"z", headers={"connection": "close"})
    assert (streamed.status_code, streamed.text) == (200, "one two three")
    assert (closing.status_code, closing.json(), closing.headers["connection"]) == (202, {"echo": 1}, "close")


def test_a_large_body_is_handed_over_at_once_for_flow_control() -> None:
    transport, recording, loop = _coalescing()
    try:
        transport.write(b"headers\r\n\r\n")
        transport.write(b"x" * FLUSH_AT_BYTES)
        assert recording.events == [b"headers\r\n\r\n" + b"x" * FLUSH_AT_BYTES]
        _one_round(loop)  # the flush scheduled for the end of the round finds nothing left
        assert len(recording.events) == 1
    finally:
        loop.close()


class Direct:
    """Answers `POST /direct` on the protocol: at once, or (`/direct` with body `later`) from a future
    settled a moment later; `boom` raises, `refuse` hands its future to the app."""

    max_body = 1024

    def __init__(self) -> None:
        self.started: list[bytes] = []
        self.statuses: list[int] = []

    def direct_route(self, path: bytes) -> str | None:
        return "/direct" if path == b"/direct" else None

    def start(self, route: str, body: bytes, headers: list[tuple[bytes, bytes]]) -> Any:
        self.started.append(body)
        if body == b"boom":
            raise RuntimeError("a bug")
        if body in (b"later", b"refuse"):
            future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
            asyncio.get_running_loop().call_later(0.2, future.set_result, body)
            return future
        return 201, [(b"x-direct", b"yes")], b"direct:" + body

    def finish(self, route: str, outcome: asyncio.Future[bytes]) -> Any:
        body = outcome.result()
        return None if body == b"refuse" else (201, [(b"x-direct", b"yes")], b"direct:" + body)

    def answered(self, route: str, status: int, started: float) -> None:
        self.statuses.append(status)


class DirectApp:
    """`_app`, with requests it answers on the protocol itself."""

    def __init__(self) -> None:
        self.direct_answers = Direct()
        self.calls = 0
        self.paths: list[str] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.calls += 1
            self.paths.append(scope["path"])
        await _app(scope, receive, send)


@pytest.fixture
def direct_server() -> Iterator[tuple[str, DirectApp]]:
    app = DirectApp()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        http=CoalescingHttpToolsProtocol,
        log_level="warning",
        lifespan="off",
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    for _ in range(200):
        if running.started:
            break
        threading.Event().wait(0.05)
    assert running.started
    yield f"http://127.0.0.1:{port}", app
    running.should_exit = True
    thread.join(timeout=10)


def _raw(port: int, payload: bytes, answers: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(payload)
        received = b""
        while received.count(b"HTTP/1.1 ") < answers or not received.endswith((b"}", b"direct:later")):
            chunk = connection.recv(65536)
            if not chunk:
                break
            received += chunk
        return received


def test_a_direct_route_is_answered_on_the_protocol_without_the_app(
    direct_server: tuple[str, DirectApp],
) -> None:
    url, app = direct_server
    with httpx.Client(base_url=url) as client:  # one kept-alive connection
        first = client.post("/direct", content=b"one")
        second = client.post("/direct", content=b"two", headers={"connection": "close"})
    assert (first.status_code, first.text, first.headers["x-direct"]) == (201, "direct:one", "yes")
    assert first.headers["content-length"] == "10"
    assert "date" in first.headers  # uvicorn's own headers too
    assert (second.text, second.headers["connection"]) == ("direct:two", "close")
    assert app.calls == 0
    assert app.direct_answers.statuses == [201, 201]


def test_what_the_direct_answers_do_not_take_goes_to_the_app(direct_server: tuple[str, DirectApp]) -> None:
    url, app = direct_server
    with httpx.Client(base_url=url) as client:
        chunked = client.post("/direct", content=iter([b"in ", b"chunks"]))  # no Content-Length
        too_long = client.post("/direct", content=b"x" * 2000)
        other = client.post("/enqueue", content=b"abc")
        failing = client.post("/direct", content=b"boom")
        refused = client.post("/direct", content=b"refuse")
    assert [answer.json() for answer in (chunked, too_long, other, failing, refused)] == [
        {"echo": 9},
        {"echo": 2000},
        {"echo": 3},
        {"echo": 4},
        {"echo": 6},
    ]
    assert app.calls == 5
    assert app.direct_answers.started == [b"boom", b"refuse"]  # the others never reached it


def test_a_pipelined_request_waits_for_the_direct_answer_before_it(
    direct_server: tuple[str, DirectApp],
) -> None:
    url, app = direct_server
    port = int(url.rsplit(":", 1)[1])
    later = b"POST /direct HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nlater"
    echo = b"POST /enqueue HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab"
    received = _raw(port, later + echo, answers=2)
    assert received.index(b"direct:later") < received.index(b'{"echo":2}')
    assert app.calls == 1


def test_a_request_handed_to_the_app_late_keeps_its_own_path_behind_a_pipelined_one(
    direct_server: tuple[str, DirectApp],
) -> None:
    url, app = direct_server
    port = int(url.rsplit(":", 1)[1])
    refused = b"POST /direct HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nrefuse"
    echo = b"POST /enqueue?x=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab"
    received = _raw(port, refused + echo, answers=2)
    assert received.index(b'{"echo":6}') < received.index(b'{"echo":2}')
    assert app.paths == ["/direct", "/enqueue"]
