"""A real hikeshi server process and Debian's Chromium driven by Playwright, for end-to-end tests."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Chromium as root needs --no-sandbox; the rest stop it from calling hosts this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def require_chromium() -> str:
    found = shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: `make test` installs Debian's chromium package")
        pytest.skip("Chromium is not installed (make test installs it)")
    return found


@contextmanager
def hikeshi_server(
    database_url: str,
    *,
    demo: bool = True,
    serve_args: Sequence[str] = (),
    verify: ssl.SSLContext | bool = True,
    port: int | None = None,
    **env: str,
) -> Iterator[str]:
    """Initialise the database, serve it on a free loopback port (or `port`), yield the base URL.

    `serve_args` go to `hikeshi serve`; with `--ssl-certfile` it serves HTTPS, and `verify` trusts it.
    """
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HIKESHI_")}
    environment.update({"HIKESHI_DATABASE_URL": database_url, **env})
    init = [sys.executable, "-m", "hikeshi", "init", *(["--demo"] if demo else [])]
    subprocess.run(init, env=environment, check=True, capture_output=True, timeout=120)
    port = port or free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "hikeshi", "serve", "--port", str(port), *serve_args],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    scheme = "https" if "--ssl-certfile" in serve_args else "http"
    base_url = f"{scheme}://127.0.0.1:{port}"
    try:
        _wait_until_ready(base_url, process, log_path, verify)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_ready(
    base_url: str, process: subprocess.Popen[bytes], log_path: Path, verify: ssl.SSLContext | bool
) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log_path.read_text(errors="replace")
            raise RuntimeError(f"hikeshi serve exited with {process.returncode}: {output}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=1, verify=verify).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("hikeshi serve did not become ready within 30 s")
