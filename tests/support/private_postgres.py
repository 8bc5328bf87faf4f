"""A PostgreSQL cluster of one test's own, which the test may stop and start (the shared one it may not).

    with private_postgres() as cluster:
        cluster.url            # postgresql+psycopg://postgres@127.0.0.1:PORT/postgres
        cluster.stop()         # pg_ctl stop -m fast: every connection is cut
        cluster.start()        # the same port and data again

Made as scripts/postgres.sh makes the suite's server: initdb into a temporary directory, trust on
loopback, no fsync; as root the cluster belongs to the `postgres` user (PostgreSQL refuses root).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.browser import free_port

OWNER = "postgres"


def _bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else None


@dataclass
class PrivatePostgres:
    bin: Path
    directory: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", OWNER, "--"] if os.getuid() == 0 else []
        subprocess.run([*prefix, *command], cwd=self.directory, check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        data, log = self.directory / "data", self.directory / "server.log"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-o", f"-p {self.port}", "start"
        )

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.directory / "data"), "-m", "fast", "-w", "stop")

    def initdb(self) -> None:
        data = self.directory / "data"
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
        )
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.directory}'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
            )


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    binaries = _bin()
    if binaries is None or (os.getuid() == 0 and shutil.which("runuser") is None):
        pytest.skip("no PostgreSQL binaries under /usr/lib/postgresql (Debian's postgresql package)")
    directory = Path(tempfile.mkdtemp(prefix="hikeshi-private-pg-"))
    if os.getuid() == 0:
        shutil.chown(directory, OWNER)
    cluster = PrivatePostgres(binaries, directory, free_port())
    try:
        cluster.initdb()
        cluster.start()
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)
