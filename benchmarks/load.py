"""Servers and load for the HTTP benchmarks: `hikeshi serve` and Alertmanager as processes, and wrk.

Everything listens on 127.0.0.1 only. On a machine with two or more cores, the server runs on core 0
and wrk on core 1 (`taskset`), so that neither steals the other's CPU; elsewhere they run unpinned.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

LUA_SCRIPT = Path(__file__).resolve().parent / "ingest.lua"
ALERTMANAGER_BINARIES = ("prometheus-alertmanager", "alertmanager")
SERVER_CORE, LOAD_CORE = 0, 1
READY_SECONDS = 30.0

# Alertmanager routes everything to a receiver that notifies no one: the benchmark measures how fast
# it takes alerts in, as it measures hikeshi's ingest, not how fast it sends.
ALERTMANAGER_CONFIG = """\
route:
  receiver: nobody
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: nobody
"""


@dataclass(frozen=True)
class WrkResult:
    duration_seconds: float
    requests: int  # answers wrk read
    sent: int
    accepted: int  # 2xx
    refused: int  # 4xx
    failed: int  # 5xx
    socket_errors: int
    timeouts: int
    p50_ms: float
    p99_ms: float
    max_ms: float

    @property
    def accepted_per_second(self) -> float:
        return self.accepted / self.duration_seconds if self.duration_seconds else 0.0


def pinning_available() -> bool:
    return bool(shutil.which("taskset")) and len(os.sched_getaffinity(0)) >= 2


def pinned(core: int, command: list[str]) -> list[str]:
    """The command run on one core when the machine has cores to spare."""
    return ["taskset", "-c", str(core), *command] if pinning_available() else command


def wrk_binary() -> str | None:
    return shutil.which("wrk")


def alertmanager_binary() -> str | None:
    for name in ALERTMANAGER_BINARIES:
        if found := shutil.which(name):
            return found
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def hikeshi_server(
    database_url: str, scratch: Path, *, worker: bool = False, **settings: str
) -> Iterator[Server]:
    """`hikeshi serve --no-worker` (or with its worker) on its own core; `settings`: more HIKESHI_* values."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("HIKESHI_")}
    # The access log would cost more than some requests; production runs behind a proxy that logs.
    environment.update(
        HIKESHI_DATABASE_URL=database_url, HIKESHI_LOG_LEVEL="warning", HIKESHI_ENV="development"
    )
    environment.update({f"HIKESHI_{name.upper()}": value for name, value in settings.items()})
    port = free_port()
    command = [sys.executable, "-m", "hikeshi", "serve", "--port", str(port)]
    if not worker:
        command.insert(-2, "--no-worker")
    with _process(pinned(SERVER_CORE, command), environment, scratch / f"hikeshi-{port}.log") as running:
        url = f"http://127.0.0.1:{port}"
        _wait_ready(f"{url}/readyz", running)
        yield Server(url, running)


@contextmanager
def alertmanager_server(binary: str, scratch: Path) -> Iterator[Server]:
    """Alertmanager alone (no cluster) on its own core."""
    config = scratch / "alertmanager.yml"
    config.write_text(ALERTMANAGER_CONFIG, encoding="utf-8")
    port = free_port()
    command = [
        binary,
        f"--config.file={config}",
        f"--storage.path={scratch / f'alertmanager-{port}'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
        "--log.level=warn",
    ]
    with _process(pinned(SERVER_CORE, command), dict(os.environ), scratch / f"am-{port}.log") as running:
        url = f"http://127.0.0.1:{port}"
        _wait_ready(f"{url}/-/ready", running)
        yield Server(url, running)


@contextmanager
def _process(command: list[str], environment: dict[str, str], log_path: Path) -> Iterator[Process]:
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=environment, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    running = Process(process, log_path)
    try:
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass(frozen=True)
class Process:
    process: subprocess.Popen[bytes]
    log_path: Path

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            log = self.log_path.read_text(errors="replace")[-3000:]
            raise SystemExit(f"{self.process.args!r} exited with {self.process.returncode}:\n{log}")


@dataclass(frozen=True)
class Server:
    url: str
    running: Process

    def cpu_seconds(self) -> float | None:
        """CPU time the server has used (user and system, all its threads); None where /proc is not."""
        try:
            stat = Path(f"/proc/{self.running.process.pid}/stat").read_text(encoding="ascii")
        except OSError:
            return None
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_ready(url: str, running: Process) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        running.check_alive()
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} was not ready within {READY_SECONDS:.0f} s")


def run_wrk(
    url: str,
    *,
    body_format: str,
    run: str,
    seconds: float,
    connections: int,
    routing_key: str = "-",
    keys_file: Path | None = None,
    stop_after: int = 0,
) -> WrkResult:
    """wrk with one thread on its own core, POSTing one alert per request for `seconds` at most."""
    binary = wrk_binary()
    assert binary is not None
    command = [
        binary,
        "--threads=1",
        f"--connections={connections}",
        f"--duration={max(1, round(seconds))}s",
        "--timeout=10s",
        f"--script={LUA_SCRIPT}",
        url,
        "--",
        body_format,
        routing_key,
        run,
        str(keys_file) if keys_file else "-",
        str(stop_after),
    ]
    started = time.perf_counter()
    wrk = subprocess.Popen(  # noqa: S603
        pinned(LOAD_CORE, command), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert wrk.stdout is not None
    lines: list[str] = []
    elapsed = None
    for line in wrk.stdout:
        lines.append(line)
        if line.strip() == "stopped" and elapsed is None:
            elapsed = time.perf_counter() - started
            wrk.send_signal(signal.SIGINT)  # wrk prints its figures and runs done() on SIGINT
    error_output = wrk.stderr.read() if wrk.stderr else ""
    code = wrk.wait(timeout=60)
    results = [line for line in lines if line.startswith("{")]
    if code != 0 or not results:
        raise SystemExit(f"wrk failed ({code}): {''.join(lines)}\n{error_output}")
    figures = json.loads(results[-1])
    if elapsed is not None:  # stopped early: the time to the last answer, not wrk's whole sleep
        figures["duration_us"] = elapsed * 1e6
    return WrkResult(
        duration_seconds=figures["duration_us"] / 1e6,
        requests=figures["requests"],
        sent=figures["sent"],
        accepted=figures["accepted"],
        refused=figures["refused"],
        failed=figures["failed"],
        socket_errors=figures["socket_errors"],
        timeouts=figures["timeouts"],
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        max_ms=figures["max_us"] / 1000,
    )
