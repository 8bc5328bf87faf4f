"""From an alert's arrival to its first notification: how long until the chat message goes out.

`hikeshi serve` (web and its worker, as `make run` runs it) on one core takes alerts on `POST /v2/enqueue`,
each opening its own alert group, and posts each group to its integration's Slack channel. A Slack Web API
stand-in in this process (a thread answering `chat.postMessage` as Slack does) notes when each message
arrives; the latency of an alert is that moment minus the moment its request was sent, both on this
process's monotonic clock. Alerts go out at a steady rate spread over five integrations (five channels),
below Slack's one post per second per channel, so the figure is hikeshi's own delay, not Slack's pacing.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from benchmarks.load import hikeshi_server, pinning_available
from benchmarks.report import (
    database,
    database_version,
    machine,
    postgres_server_url,
    table,
    today,
    write_section,
)
from hikeshi.alerts import integrations
from hikeshi.bootstrap import Container

NAME = "latency"
ALERTS = 150
PER_SECOND = 4.0  # over five channels: 0.8 posts per second in each, under Slack's 1 per second
CHANNELS = 5
WAIT_AT_END_SECONDS = 30.0
MARK = re.compile(rb"bench-(\d{5})")


@dataclass
class SlackStandIn:
    """Arrival times of the first message naming each alert (monotonic clock of this process)."""

    arrivals: dict[int, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, body: bytes) -> None:
        now = time.monotonic()
        with self.lock:
            for match in MARK.finditer(body):
                self.arrivals.setdefault(int(match.group(1)), now)


def _handler(stand_in: SlackStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            method = self.path.rsplit("/", 1)[-1]
            if method == "chat.postMessage":
                stand_in.note(body)
            answer = {"ok": True, "channel": "C0BENCH01", "ts": f"{time.time():.6f}", "message": {}}
            if method == "conversations.open":
                answer = {"ok": True, "channel": {"id": "D0BENCH01"}}
            payload = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


@contextmanager
def slack_stand_in() -> Iterator[tuple[str, SlackStandIn]]:
    stand_in = SlackStandIn()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stand_in))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/", stand_in
    finally:
        server.shutdown()
        server.server_close()


@dataclass(frozen=True)
class Run:
    database: str
    sent: int
    latencies: list[float]  # seconds, one per alert whose message arrived

    def row(self) -> list[str]:
        if not self.latencies:
            return [self.database, str(self.sent), "0", "-", "-", "-"]
        ordered = sorted(self.latencies)
        p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
        return [
            self.database,
            str(self.sent),
            str(len(ordered)),
            f"{statistics.median(ordered) * 1000:,.0f} ms",
            f"{p99 * 1000:,.0f} ms",
            f"{ordered[-1] * 1000:,.0f} ms",
        ]


def _keys(container: Container) -> list[str]:
    keys = []
    with container.sessions() as db:
        for number in range(CHANNELS):
            _, key = integrations.create_integration(
                session=db,
                name=f"Bench {number}",
                kind="pagerduty",
                chat_channel=f"#bench-{number}",
                now=container.clock(),
            )
            keys.append(key)
        db.commit()
    return keys


def _measure(backend: str, scratch: Path) -> Run:
    with (
        database(backend, scratch, "hikeshi_bench_latency") as container,
        slack_stand_in() as (api, stand_in),
    ):
        keys = _keys(container)
        label = database_version(container)
        sent: dict[int, float] = {}
        settings = {"slack_bot_token": "xoxb-bench", "slack_api_url": api}
        with hikeshi_server(container.settings.database_url, scratch, worker=True, **settings) as server:
            with httpx.Client(base_url=server.url, timeout=10) as client:
                start = time.monotonic()
                for number in range(ALERTS):
                    time.sleep(max(0.0, start + number / PER_SECOND - time.monotonic()))
                    event = {
                        "routing_key": keys[number % CHANNELS],
                        "event_action": "trigger",
                        "dedup_key": f"latency-{number}",
                        "payload": {
                            "summary": f"bench-{number:05d} disk almost full",
                            "source": f"db-{number}",
                            "severity": "error",  # posts, does not page: nobody is on call here
                        },
                    }
                    sent[number] = time.monotonic()
                    answer = client.post("/v2/enqueue", json=event)
                    if answer.status_code != 202:
                        raise SystemExit(f"latency: /v2/enqueue answered {answer.status_code}: {answer.text}")
            deadline = time.monotonic() + WAIT_AT_END_SECONDS
            while len(stand_in.arrivals) < ALERTS and time.monotonic() < deadline:
                time.sleep(0.1)
        latencies = [stand_in.arrivals[n] - sent[n] for n in sent if n in stand_in.arrivals]
        return Run(database=label, sent=ALERTS, latencies=latencies)


def run() -> None:
    backends = ["sqlite"] + (["postgresql"] if postgres_server_url() else [])
    with tempfile.TemporaryDirectory(prefix="hikeshi-bench-latency-") as scratch_name:
        runs = [_measure(backend, Path(scratch_name)) for backend in backends]
    headers = ["database", "alerts sent", "messages", "p50", "p99", "slowest"]
    figures = table(headers, [run.row() for run in runs])
    print(f"\nlatency: alert to first chat message, {ALERTS} alerts at {PER_SECOND:g}/s\n{figures}\n")
    write_section(NAME, _section(figures))
    missing = [run.database for run in runs if len(run.latencies) < run.sent]
    if missing:
        print(f"latency: some alerts got no message on {', '.join(missing)}", file=sys.stderr)


def _section(figures: str) -> str:
    cores = "hikeshi on core 0 (`taskset`)" if pinning_available() else "unpinned"
    return f"""## Latency: from an alert to its first chat message

{ALERTS} alerts sent one by one to `POST /v2/enqueue` at {PER_SECOND:g} per second, spread over {CHANNELS}
integrations (one Slack channel each, so Slack's one post per second per channel never holds a message
back). Each alert opens its own group; `hikeshi serve` (web and worker in one process, as `make run`
runs it) posts it with `chat.postMessage` to a Slack stand-in in the benchmark's process, which notes when
the message arrives. Latency: arrival minus the moment the alert's request was sent.

- Command: `make bench` (or `.venv/bin/python -m benchmarks latency`)
- Machine: {machine()}; {cores}; the machine was shared with other work while this ran
- Date: {today()}

{figures}

What it is made of: the ingest answer and its commit, then the worker's turn: the commit that enqueued the
chat job wakes the idle worker in the same process at once (before that change, 2026-11-29, it looked
every half second and the median was about 300 ms), then one `chat.postMessage`.
"""
