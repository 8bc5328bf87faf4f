"""`hikeshi serve` and `hikeshi worker` as real processes that a fault test may kill and start again.

    with HikeshiProcesses(database_url, log_dir) as hikeshi:
        web = hikeshi.serve()                 # web + worker on a free port; waits for /readyz
        hikeshi.worker()                      # a separate `hikeshi worker`
        web.kill()                            # SIGKILL, as in a crash
        web = hikeshi.serve(port=web.port)    # the same address again

Every process gets a clean environment (no developer's HIKESHI_* variables), runs in `log_dir` (so no
.env is read), and writes its output to its own log file there; `tail()` shows it when a test fails.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.browser import free_port

READY_SECONDS = 30.0


@dataclass
class HikeshiProcess:
    process: subprocess.Popen[bytes]
    log: Path
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, whatever was in flight is cut off."""
        self.process.kill()
        self.process.wait()

    def stop(self, *, timeout: float = 15.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return f"--- {self.log.name}\n" + "\n".join(text.splitlines()[-lines:])


@dataclass
class HikeshiProcesses:
    database_url: str
    log_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    started: list[HikeshiProcess] = field(default_factory=list)

    def environment(self) -> dict[str, str]:
        environment = {name: value for name, value in os.environ.items() if not name.startswith("HIKESHI_")}
        environment.update({"HIKESHI_ENV": "test", "HIKESHI_DATABASE_URL": self.database_url, **self.env})
        return environment

    def _start(self, name: str, arguments: list[str], port: int = 0) -> HikeshiProcess:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_dir / f"{name}-{len(self.started)}.log"
        with log.open("ab") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "hikeshi", *arguments],
                cwd=self.log_dir,
                env=self.environment(),
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        started = HikeshiProcess(process, log, port)
        self.started.append(started)
        return started

    def serve(self, *, port: int = 0, worker: bool = True) -> HikeshiProcess:
        port = port or free_port()
        arguments = ["serve", "--port", str(port), *([] if worker else ["--no-worker"])]
        server = self._start("serve", arguments, port)
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise AssertionError(
                    f"hikeshi serve exited with {server.process.returncode}\n{server.tail()}"
                )
            try:
                if httpx.get(f"{server.url}/readyz", timeout=1).status_code == 200:
                    return server
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"hikeshi serve was not ready within {READY_SECONDS} s\n{server.tail()}")

    def worker(self, *, poll_interval: float = 0.1) -> HikeshiProcess:
        return self._start("worker", ["worker", "--poll-interval", str(poll_interval)])

    def tails(self) -> str:
        return "\n".join(process.tail() for process in self.started)

    def wait_for(self, condition: Callable[[], bool], *, seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {seconds} s waiting for {what}\n{self.tails()}")
            time.sleep(0.05)

    def close(self) -> None:
        for process in self.started:
            process.stop()


@contextmanager
def hikeshi_processes(database_url: str, log_dir: Path, **env: str) -> Iterator[HikeshiProcesses]:
    processes = HikeshiProcesses(database_url, log_dir, dict(env))
    try:
        yield processes
    finally:
        processes.close()
