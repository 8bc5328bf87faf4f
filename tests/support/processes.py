"""Run a local provider server as its own process, as end-to-end and fault tests need.

with server_process("tests.support.slack_server", "--token", "xoxb-t") as slack:
    ... slack.url ...      # the process prints {"url", "port"} once it listens
    slack.stop()           # SIGTERM; start again on the same port with `port=slack.port`
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_SECONDS = 20.0


@dataclass
class ServerProcess:
    process: subprocess.Popen[str]
    info: dict[str, Any]

    @property
    def url(self) -> str:
        return str(self.info["url"])

    @property
    def port(self) -> int:
        return int(self.info["port"])

    def stop(self, *, timeout: float = 10.0) -> int:
        """SIGTERM and wait; returns the exit code (0 when the server stopped cleanly)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
        return code

    def kill(self) -> None:
        """SIGKILL: the server dies mid-whatever, as in a crash."""
        self.process.kill()
        self.stop()


def start_server_process(module: str, *arguments: str, port: int = 0) -> ServerProcess:
    command = [sys.executable, "-m", module, "--port", str(port), *arguments]
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    process = subprocess.Popen(
        command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], READY_TIMEOUT_SECONDS)
    line = process.stdout.readline() if ready else ""
    if not line:
        server = ServerProcess(process, {})
        server.stop(timeout=1)
        raise RuntimeError(f"{module} did not start: {server.process.returncode=}")
    return ServerProcess(process, json.loads(line))


@contextlib.contextmanager
def server_process(module: str, *arguments: str, port: int = 0) -> Iterator[ServerProcess]:
    server = start_server_process(module, *arguments, port=port)
    try:
        yield server
    finally:
        server.stop()
