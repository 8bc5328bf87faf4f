"""Shared by the benchmarks: databases to run on, timing, and writing figures into docs/benchmarks.md.

Each benchmark owns one section of that file, between `<!-- benchmark:NAME -->` markers, and
rewrites only its own section, so benchmarks can be run one at a time.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import text
from sqlalchemy.engine import make_url

from hikeshi.bootstrap import Container, bootstrap
from hikeshi.core.settings import load_settings
from hikeshi.db.migrate import upgrade_database

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "benchmarks.md"
POSTGRES_URL_VARIABLE = "HIKESHI_BENCH_POSTGRES_URL"
HEADER = """# Benchmarks

Run them all with `make bench` (it starts a throwaway PostgreSQL server when none runs), or one with
`.venv/bin/python -m benchmarks NAME` and `HIKESHI_BENCH_POSTGRES_URL` pointing at a server. Each
section below is rewritten by its benchmark.
"""


def postgres_server_url() -> str | None:
    """The server to benchmark on: the variable, else the one `scripts/postgres.sh` runs, else none."""
    url = os.environ.get(POSTGRES_URL_VARIABLE, "").strip()
    if url:
        return url
    script = ROOT / "scripts" / "postgres.sh"  # our own script, no input from outside
    found = subprocess.run(  # noqa: S603
        ["/bin/bash", str(script), "url"], capture_output=True, text=True, check=False
    )
    return found.stdout.strip() or None


@contextmanager
def database(backend: str, scratch: Path, name: str, **settings: Any) -> Iterator[Container]:
    """A fresh, migrated database: a SQLite file in `scratch`, or a PostgreSQL database dropped after.

    `settings` are further `Settings` fields for the container, e.g. `smtp_url=`.
    """
    if backend == "sqlite":
        url = f"sqlite:///{scratch / name}.db"
    else:
        server = postgres_server_url()
        assert server is not None
        url = _create_postgres_database(server, name)
    container = bootstrap(
        load_settings(_env_file=None, env="test", database_url=url, secret_key="b" * 40, **settings)
    )
    upgrade_database(container.engine)
    try:
        yield container
    finally:
        container.close()
        if backend == "postgresql":
            _drop_postgres_database(url)


def _conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _create_postgres_database(server: str, name: str) -> str:
    with psycopg.connect(_conninfo(server), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def _drop_postgres_database(url: str) -> None:
    parsed = make_url(url)
    assert parsed.database is not None
    server = parsed.set(database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(_conninfo(server), autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(parsed.database))
        )


def database_version(container: Container) -> str:
    with container.engine.connect() as connection:
        if container.settings.is_sqlite:
            return f"SQLite {connection.execute(text('SELECT sqlite_version()')).scalar_one()}"
        return f"PostgreSQL {connection.execute(text('SHOW server_version')).scalar_one().split()[0]}"


def machine() -> str:
    system = f"{platform.system()} {platform.machine()}"
    return f"{os.cpu_count()} cores, {system}, Python {platform.python_version()}"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def write_section(name: str, body: str) -> None:
    """Replace this benchmark's section of docs/benchmarks.md, or add it at the end."""
    start, end = f"<!-- benchmark:{name} -->", f"<!-- /benchmark:{name} -->"
    section = f"{start}\n{body.strip()}\n{end}"
    current = REPORT.read_text(encoding="utf-8") if REPORT.exists() else HEADER
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(current):
        updated = pattern.sub(lambda _: section, current)
    else:
        updated = current.rstrip() + "\n\n" + section + "\n"
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(updated, encoding="utf-8")
