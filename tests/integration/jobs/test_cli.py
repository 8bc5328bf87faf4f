"""`hikeshi jobs list|retry`, `hikeshi worker` and `hikeshi serve` with and without the worker."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner, Result

from hikeshi.bootstrap import Container, bootstrap
from hikeshi.cli import app
from hikeshi.core.settings import load_settings
from hikeshi.db.migrate import upgrade_database
from hikeshi.jobs import service
from hikeshi.jobs.registry import JobRegistry
from hikeshi.jobs.worker import Worker
from tests.support.jobs import enqueue_committed, read_job


@pytest.fixture
def environment(container: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)  # no developer's .env
    return {
        "HIKESHI_DATABASE_URL": container.settings.database_url,
        "HIKESHI_SECRET_KEY": "x" * 40,
        "HIKESHI_ENV": "test",
        "HIKESHI_LANGUAGE": "en",
    }


def _hikeshi(environment: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env=environment)


def _make_dead(container: Container, kind: str) -> int:
    job_id = enqueue_committed(container, kind, {"n": 1})
    with container.sessions() as db:
        job = service.get_job(session=db, job_id=job_id)
        job.status, job.attempts, job.last_error = "dead", 8, "RuntimeError: boom"
        db.commit()
    return job_id


def test_jobs_list_json_prints_one_document(container: Container, environment: dict[str, str]) -> None:
    dead = _make_dead(container, "email.send")
    pending = enqueue_committed(container, "chat.post", {"text": "hi"})

    everything = _hikeshi(environment, "jobs", "list", "--json")
    assert everything.exit_code == 0, everything.output
    listed = {job["id"]: job for job in json.loads(everything.stdout)}
    assert set(listed) == {dead, pending}
    assert (listed[dead]["status"], listed[dead]["last_error"]) == ("dead", "RuntimeError: boom")
    assert listed[pending]["payload"] == {"text": "hi"}

    only_dead = _hikeshi(environment, "jobs", "list", "--status", "dead", "--json")
    assert [job["id"] for job in json.loads(only_dead.stdout)] == [dead]


def test_jobs_list_table_shows_counts(container: Container, environment: dict[str, str]) -> None:
    _make_dead(container, "email.send")
    result = _hikeshi(environment, "jobs", "list")
    assert result.exit_code == 0
    assert "email.send" in result.stdout
    assert "pending: 0  running: 0  succeeded: 0  dead: 1" in result.stdout


def test_jobs_list_refuses_an_unknown_status_with_exit_code_2(environment: dict[str, str]) -> None:
    result = _hikeshi(environment, "jobs", "list", "--status", "failed")
    assert result.exit_code == 2
    assert result.stderr == "hikeshi: status: 'failed' is not one of pending, running, succeeded, dead\n"


def test_jobs_retry_one_and_all_dead(container: Container, environment: dict[str, str]) -> None:
    first, second, third = (_make_dead(container, "email.send") for _ in range(3))

    one = _hikeshi(environment, "jobs", "retry", str(first), "--json")
    assert one.exit_code == 0, one.output
    assert (json.loads(one.stdout)["id"], json.loads(one.stdout)["status"]) == (first, "pending")

    rest = _hikeshi(environment, "jobs", "retry", "--all-dead", "--json")
    assert sorted(job["id"] for job in json.loads(rest.stdout)) == [second, third]
    assert {read_job(container, job_id).status for job_id in (first, second, third)} == {"pending"}

    plain = _hikeshi(environment, "jobs", "retry", "--all-dead")
    assert plain.stdout.strip() == "0 jobs are due again."


def test_jobs_retry_explains_bad_requests(container: Container, environment: dict[str, str]) -> None:
    missing = _hikeshi(environment, "jobs", "retry", "424242")
    assert (missing.exit_code, missing.stderr) == (2, "hikeshi: job 424242 does not exist\n")
    neither = _hikeshi(environment, "jobs", "retry")
    assert neither.exit_code == 2
    assert "--all-dead" in neither.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def sqlite_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A SQLite database of its own: the one-worker rule is SQLite's."""
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path}/solo.db"
    settings = load_settings(_env_file=None, env="test", database_url=url, secret_key="x" * 40)
    container = bootstrap(settings)
    upgrade_database(container.engine)
    container.close()
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("HIKESHI_")},
        "HIKESHI_DATABASE_URL": url,
        "HIKESHI_SECRET_KEY": "x" * 40,
        "HIKESHI_ENV": "test",
        "HIKESHI_LANGUAGE": "en",
    }


def _spawn(environment: dict[str, str], *args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-c", "from hikeshi.cli import main; main()", *args]
    return subprocess.Popen(
        command, env=environment, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )


def test_worker_command_stops_gracefully_on_sigterm(sqlite_environment: dict[str, str]) -> None:
    process = _spawn(sqlite_environment, "worker")
    assert process.stderr is not None
    assert "running; Ctrl-C stops it after the job in hand" in process.stderr.readline()
    process.send_signal(signal.SIGTERM)
    _, errors = process.communicate(timeout=20)
    assert process.returncode == 0, errors
    assert "worker" in errors
    assert "stopped" in errors


def test_second_worker_on_sqlite_exits_2_with_one_line(sqlite_environment: dict[str, str]) -> None:
    settings = load_settings(
        _env_file=None,
        env="test",
        database_url=sqlite_environment["HIKESHI_DATABASE_URL"],
        secret_key="x" * 40,
    )
    container = bootstrap(settings)
    with Worker(container=container, registry=JobRegistry()):
        second = _spawn(sqlite_environment, "worker")
        _, worker_errors = second.communicate(timeout=30)
        serve = _spawn(sqlite_environment, "serve", "--port", str(_free_port()))
        _, serve_errors = serve.communicate(timeout=30)
    container.close()
    expected = (
        f"hikeshi: another worker (process {os.getpid()}) is already running on this SQLite database; "
        "only one may run: stop it, or start the web app with --no-worker\n"
    )
    assert (second.returncode, worker_errors) == (2, expected)
    assert (serve.returncode, serve_errors) == (2, expected)


def test_serve_without_worker_starts_beside_a_running_worker(sqlite_environment: dict[str, str]) -> None:
    worker = _spawn(sqlite_environment, "worker")
    assert worker.stderr is not None
    worker.stderr.readline()
    port = _free_port()
    web = _spawn(sqlite_environment, "serve", "--no-worker", "--port", str(port))
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                assert httpx.get(f"http://127.0.0.1:{port}/healthz").json()["status"] == "ok"
                break
            except httpx.TransportError:
                assert web.poll() is None
                assert time.monotonic() < deadline
                time.sleep(0.1)
    finally:
        for process in (web, worker):
            process.send_signal(signal.SIGTERM)
            process.communicate(timeout=20)
    assert worker.returncode == 0
    assert web.returncode in (0, -signal.SIGTERM)  # uvicorn re-raises the signal once it has shut down
