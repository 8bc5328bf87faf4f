"""Debian's prometheus-alertmanager as a real process on loopback, its webhook receiver pointed at a URL.

    with alertmanager(webhook_url, tmp_path) as am:
        am.post_alerts([{"labels": {...}, "annotations": {...}}])     # its API, as Prometheus sends
        am.resolve_alerts([...])                                    # the same alerts, endsAt passed

It runs alone (no cluster port), keeps its state in a temporary directory, and flushes its groups
every second, so a test sees firing and resolved notifications within a few seconds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.browser import free_port

BINARIES = ("prometheus-alertmanager", "alertmanager")
READY_SECONDS = 30.0

CONFIG = """\
route:
  receiver: hikeshi
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hikeshi
    webhook_configs:
      - url: "{url}"
        send_resolved: true
"""


def require_alertmanager() -> str:
    for name in BINARIES:
        if found := shutil.which(name):
            return found
    if os.environ.get("CI"):
        pytest.fail("prometheus-alertmanager is missing: `make install-test` installs the Debian package")
    pytest.skip("prometheus-alertmanager is not installed (make install-test installs it)")


@dataclass(frozen=True)
class Alertmanager:
    url: str

    def post_alerts(self, alerts: list[dict[str, Any]]) -> None:
        answer = httpx.post(f"{self.url}/api/v2/alerts", json=alerts, timeout=10)
        assert answer.status_code == 200, answer.text

    def resolve_alerts(self, alerts: list[dict[str, Any]]) -> None:
        """The same alerts again, ended a moment ago: Alertmanager sends them as resolved."""
        ended = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
        self.post_alerts([{**alert, "endsAt": ended} for alert in alerts])

    def fingerprints(self) -> set[str]:
        answer = httpx.get(f"{self.url}/api/v2/alerts", timeout=10)
        assert answer.status_code == 200, answer.text
        return {alert["fingerprint"] for alert in answer.json()}


@contextmanager
def alertmanager(webhook_url: str, directory: Path) -> Iterator[Alertmanager]:
    binary = require_alertmanager()
    config = directory / "alertmanager.yml"
    config.write_text(CONFIG.format(url=webhook_url), encoding="utf-8")
    port = free_port()
    log_path = directory / "alertmanager.log"
    command = [
        binary,
        f"--config.file={config}",
        f"--storage.path={directory / 'alertmanager-data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    running = Alertmanager(f"http://127.0.0.1:{port}")
    try:
        _wait_until_ready(running.url, process, log_path)
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_ready(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"alertmanager exited with {process.returncode}: {log_path.read_text()}")
        try:
            if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"alertmanager was not ready within {READY_SECONDS:.0f} s: {log_path.read_text()}")
