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
