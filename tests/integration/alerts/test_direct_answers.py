"""PagerDuty events answered on the HTTP protocol itself, by a real `hikeshi serve`, over raw sockets.

`/v2/enqueue` is answered without an ASGI request (`hikeshi.web.kit.http`): what a sender sees must
be exactly what the app answers, with keep-alive, pipelining and `Connection: close` as HTTP/1.1 has
them, and whatever is not a plain event (a chunked body, one over the limit, a broken one) answered
as before.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hikeshi.alerts.models import Alert
from hikeshi.bootstrap import Container
from tests.support.alerts import make_integration
from tests.support.hikeshi_process import HikeshiProcess, hikeshi_processes


@pytest.fixture
def served(container: Container, tmp_path: Path) -> Iterator[tuple[HikeshiProcess, str]]:
    _, key = make_integration(container, name="Events", kind="pagerduty")
    with hikeshi_processes(container.settings.database_url, tmp_path / "logs") as hikeshi:
        yield hikeshi.serve(worker=False), key


def _event(key: str, dedup_key: str) -> bytes:
    event = {
        "routing_key": key,
        "event_action": "trigger",
        "dedup_key": dedup_key,
        "payload": {"summary": f"Disk full on {dedup_key}", "source": "web-1", "severity": "warning"},
    }
    return json.dumps(event).encode()


def _request(body: bytes, *, close: bool = False, chunked: bool = False) -> bytes:
    head = b"POST /v2/enqueue HTTP/1.1\r\nHost: hikeshi\r\nContent-Type: application/json\r\n"
    if close:
        head += b"Connection: close\r\n"
    if chunked:
        return head + b"Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    return head + b"Content-Length: %d\r\n\r\n" % len(body) + body


class Reader:
    """HTTP/1.1 answers read off one socket, one after another."""

    def __init__(self, connection: socket.socket) -> None:
        self.connection = connection
        self.buffer = b""

    def answer(self) -> tuple[int, dict[str, str], Any]:
        while b"\r\n\r\n" not in self.buffer:
            self._more()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {name.lower(): value.strip() for name, value in (line.split(":", 1) for line in lines)}
        length = int(headers["content-length"])
        while len(self.buffer) < length:
            self._more()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return int(status_line.split()[1]), headers, json.loads(body)

    def closed(self) -> bool:
        self.connection.settimeout(5)
        return self.connection.recv(1) == b""

    def _more(self) -> None:
        chunk = self.connection.recv(65536)
        if not chunk:
            raise AssertionError(f"the server closed the connection; read so far: {self.buffer!r}")
        self.buffer += chunk


def _connect(server: HikeshiProcess) -> tuple[socket.socket, Reader]:
    connection = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    return connection, Reader(connection)


def _stored(container: Container) -> list[str]:
    with container.sessions() as db:
        return sorted(db.scalars(select(Alert.dedup_key)))


def test_keep_alive_and_pipelined_events_are_answered_in_order_and_stored(
    container: Container, served: tuple[HikeshiProcess, str]
) -> None:
    server, key = served
    connection, reader = _connect(server)
    with connection:
        connection.sendall(_request(_event(key, "one")) + _request(_event(key, "two")))  # pipelined
        answers = [reader.answer(), reader.answer()]
        connection.sendall(_request(_event(key, "three")))  # the same connection, kept alive
        answers.append(reader.answer())
    assert [(status, body["dedup_key"]) for status, _, body in answers] == [
        (202, "one"),
        (202, "two"),
        (202, "three"),
    ]
    _, headers, body = answers[0]
    assert body == {"status": "success", "message": "Event processed", "dedup_key": "one"}
    assert headers["content-type"] == "application/json"
    assert headers["x-content-type-options"] == "nosniff"  # the app's security headers
    assert "connection" not in headers
    assert _stored(container) == ["one", "three", "two"]
    # At the default log level each answer is in uvicorn's access log, written by its own formatter.
    log = server.log.read_text(encoding="utf-8")
    assert log.count('"POST /v2/enqueue HTTP/1.1" 202') == 3, server.tail()
    assert "Traceback" not in log, server.tail()


def test_connection_close_is_answered_then_the_connection_closes(
    container: Container, served: tuple[HikeshiProcess, str]
) -> None:
    server, key = served
    connection, reader = _connect(server)
    with connection:
        connection.sendall(_request(_event(key, "last"), close=True))
        status, headers, _ = reader.answer()
        assert (status, headers["connection"]) == (202, "close")
        assert reader.closed()
    assert _stored(container) == ["last"]


def test_the_direct_answer_is_the_apps_answer(
    container: Container, served: tuple[HikeshiProcess, str]
) -> None:
    """A chunked body goes to the app's route; its answer and the direct one differ only in the key."""
    server, key = served
    connection, reader = _connect(server)
    with connection:
        connection.sendall(_request(_event(key, "direct")))
        direct = reader.answer()
        connection.sendall(_request(_event(key, "by-app"), chunked=True))
        by_app = reader.answer()
    assert direct[0] == by_app[0] == 202
    assert set(direct[1]) == set(by_app[1])
    assert {name: value for name, value in direct[1].items() if name not in ("date", "content-length")} == {
        name: value for name, value in by_app[1].items() if name not in ("date", "content-length")
    }
    assert {**direct[2], "dedup_key": "x"} == {**by_app[2], "dedup_key": "x"}
    assert _stored(container) == ["by-app", "direct"]


def test_refusals_are_pagerdutys_and_are_counted(
    container: Container, served: tuple[HikeshiProcess, str]
) -> None:
    server, key = served
    connection, reader = _connect(server)
    with connection:
        connection.sendall(_request(b'{"routing_key": "'))  # broken JSON
        broken = reader.answer()
        connection.sendall(_request(json.dumps({"routing_key": key, "event_action": "wake"}).encode()))
        invalid = reader.answer()
        connection.sendall(_request(_event("0" * 32, "nobody")))
        unknown = reader.answer()
        connection.sendall(_request(_event(key, "after-the-refusals")))  # still served
        accepted = reader.answer()
    assert broken[0] == 400
    assert broken[2]["errors"] == ["JSON parse error"]
    assert invalid[0] == 400
    assert invalid[2]["errors"] == [
        "'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')"
    ]
    assert (unknown[0], unknown[2]["errors"]) == (400, ["Invalid routing key"])
    assert accepted[0] == 202
    assert _stored(container) == ["after-the-refusals"]
    metrics = httpx.get(f"{server.url}/metrics").text
    assert 'hikeshi_http_requests_total{method="POST",route="/v2/enqueue",status="400"} 3.0' in metrics
    assert 'hikeshi_http_requests_total{method="POST",route="/v2/enqueue",status="202"} 1.0' in metrics


def test_a_body_over_the_limit_is_refused_by_the_app(
    container: Container, served: tuple[HikeshiProcess, str]
) -> None:
    server, _ = served
    answer = httpx.post(f"{server.url}/v2/enqueue", content=b"x" * (512 * 1024 + 1))
    assert answer.status_code == 413
    assert _stored(container) == []
