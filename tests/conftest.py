"""Database fixtures for the whole suite: every test that asks for a database runs on each backend.

SQLite always; PostgreSQL when `HIKESHI_TEST_POSTGRES_URL` names a server (`make test` starts one).
Where PostgreSQL must not be skipped silently (`CI` set, or `HIKESHI_REQUIRE_POSTGRES=1`), a missing
URL stops the run. Each xdist worker owns one PostgreSQL database for the session, and every test
starts from an empty `public` schema: creating a database per test would cost more than the test.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from argon2 import PasswordHasher
from psycopg import sql
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from hikeshi.accounts import passwords
from hikeshi.bootstrap import Container, bootstrap
from hikeshi.core.settings import Settings, load_settings
from hikeshi.db.migrate import upgrade_database

pytest_plugins = ["tests.support.servers"]

POSTGRES_URL_VARIABLE = "HIKESHI_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_VARIABLE = "HIKESHI_REQUIRE_POSTGRES"
# Lets two runs share one PostgreSQL server without clobbering each other's databases.
DATABASE_PREFIX_VARIABLE = "HIKESHI_TEST_DATABASE_PREFIX"
DATABASE_PREFIX = os.environ.get(DATABASE_PREFIX_VARIABLE, "hikeshi_test").strip() or "hikeshi_test"
# Test-suite switches; every other HIKESHI_* variable is cleared so a developer's shell can't leak in.
SUITE_VARIABLES = frozenset({POSTGRES_URL_VARIABLE, REQUIRE_POSTGRES_VARIABLE, DATABASE_PREFIX_VARIABLE})
BACKEND_PROPERTY = "database_backend"

POSTGRES_URL = os.environ.get(POSTGRES_URL_VARIABLE, "").strip()
DATABASE_BACKENDS: tuple[str, ...] = ("sqlite", "postgresql") if POSTGRES_URL else ("sqlite",)

# Tests that ran, by backend ("none": no database); filled in the process that prints the summary.
_ran_on: Counter[str] = Counter()


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in {"", "0", "false", "no"}


def pytest_configure(config: pytest.Config) -> None:
    if not POSTGRES_URL and (_flag("CI") or _flag(REQUIRE_POSTGRES_VARIABLE)):
        raise pytest.UsageError(
            f"{POSTGRES_URL_VARIABLE} is not set, and this run must test PostgreSQL "
            f"(CI or {REQUIRE_POSTGRES_VARIABLE}=1). Run `make test`, or start a server with "
            f"`scripts/postgres.sh start` and export {POSTGRES_URL_VARIABLE}=$(scripts/postgres.sh url)."
        )
    for name in [name for name in os.environ if name.startswith("HIKESHI_")]:
        if name not in SUITE_VARIABLES:
            del os.environ[name]


def pytest_report_header(config: pytest.Config) -> list[str]:
    if POSTGRES_URL:
        return [f"database backends: sqlite, postgresql ({_hide_password(POSTGRES_URL)})"]
    return [f"database backends: sqlite (postgresql skipped: {POSTGRES_URL_VARIABLE} is not set)"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`@pytest.mark.postgres_only` tests run on PostgreSQL alone, or are skipped without it."""
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        if item.get_closest_marker("postgres_only") is None:
            kept.append(item)
            continue
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("database_url") == "sqlite":
            dropped.append(item)
            continue
        if not POSTGRES_URL:
            item.add_marker(pytest.mark.skip(reason=f"needs PostgreSQL: {POSTGRES_URL_VARIABLE}"))
        kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # Runs in the controlling process for every worker's report too (xdist forwards them).
    if report.when != "call":
        return
    backend = dict(report.user_properties).get(BACKEND_PROPERTY, "none")
    _ran_on[str(backend)] += 1


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    terminalreporter.section("database backends")
    terminalreporter.write_line(f"database backends: {', '.join(DATABASE_BACKENDS)}")
    ran = ", ".join(f"on {backend}: {_tests(_ran_on[backend])}" for backend in DATABASE_BACKENDS)
    terminalreporter.write_line(f"ran {ran}; without a database: {_tests(_ran_on['none'])}")


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashes() -> Iterator[None]:
    """Argon2id at its smallest cost inside the test processes.

    The recommended cost takes a tenth of a second or more per hash on these machines, and the suite
    creates thousands of users: that was a third of its time. Hashes stay Argon2id and are verified for
    real; servers the tests start as processes (browser and CLI tests) keep the product's cost.
    """
    patch = pytest.MonkeyPatch()
    patch.setattr(passwords, "_hasher", lambda: PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    yield
    patch.undo()


@pytest.fixture(scope="session")
def database_backends() -> tuple[str, ...]:
    """The backends this run tests: always sqlite, postgresql when a server is configured."""
    return DATABASE_BACKENDS


@pytest.fixture(scope="session")
def postgres_worker_url() -> Iterator[str]:
    """One database for this xdist worker (`hikeshi_test_gw0`, …), created once and dropped at the end."""
    server = make_url(POSTGRES_URL)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"{DATABASE_PREFIX}_{worker}"
    with _admin_connection(server) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield server.set(database=name).render_as_string(hide_password=False)
    with _admin_connection(server) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param(
            "postgresql",
            id="postgresql",
            marks=pytest.mark.skipif(
                not POSTGRES_URL, reason=f"PostgreSQL not configured: {POSTGRES_URL_VARIABLE}"
            ),
        ),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a fresh SQLite file, or this worker's PostgreSQL database, emptied."""
    backend: str = request.param
    request.node.user_properties.append((BACKEND_PROPERTY, backend))
    if backend == "sqlite":
        return f"sqlite:///{tmp_path}/hikeshi.db"
    url: str = request.getfixturevalue("postgres_worker_url")
    _reset_schema(make_url(url))
    return url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        _env_file=None,  # a developer's .env must not change what the tests see
        env="test",
        database_url=database_url,
        secret_key="x" * 40,
        login_max_failures=5,
        postmortem_dir=str(tmp_path / "postmortems"),  # published postmortems stay in the test's folder
    )


@pytest.fixture
def container(settings: Settings) -> Iterator[Container]:
    container = bootstrap(settings)
    upgrade_database(container.engine)
    yield container
    container.close()


@pytest.fixture
def session(container: Container) -> Iterator[Session]:
    with container.sessions() as session:
        yield session


def _admin_connection(url: URL) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(_libpq_conninfo(url), autocommit=True)


def _libpq_conninfo(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _reset_schema(url: URL) -> None:
    with _admin_connection(url) as connection:
        # A connection that an earlier test leaked would hold locks that make DROP SCHEMA wait forever.
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")


def _hide_password(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _tests(count: int) -> str:
    return f"{count} test" if count == 1 else f"{count} tests"
