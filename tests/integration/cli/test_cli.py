"""The `hikeshi` command as a script or a person runs it: real processes, real databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HIKESHI = [sys.executable, "-m", "hikeshi"]


def run(*args: str, database_url: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HIKESHI_")}
    if database_url is not None:
        environment["HIKESHI_DATABASE_URL"] = database_url
    environment.update(env)
    return subprocess.run(
        [*HIKESHI, *args], capture_output=True, text=True, env=environment, timeout=120, check=False
    )


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("init", "serve", "db", "user", "token"):
        assert command in result.stdout


def test_init_demo_once_then_reuse(database_url: str) -> None:
    first = run("init", "--demo", "--json", database_url=database_url)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["demo_loaded"] is True
    again = run("init", "--demo", "--json", database_url=database_url)
    assert json.loads(again.stdout)["demo_loaded"] is False
    users = json.loads(run("user", "list", "--json", database_url=database_url).stdout)
    assert {"admin", "engineer", "support", "sales", "viewer"} <= {user["role"] for user in users}


def test_init_in_japanese_prints_how_to_sign_in(database_url: str) -> None:
    result = run("init", "--demo", database_url=database_url)
    assert "デモの管理者としてサインイン: admin@demo.hikeshi.jp / hikeshi-demo" in result.stdout


def test_user_add_and_token_create_print_json(database_url: str) -> None:
    run("init", database_url=database_url)
    added = run("user", "add", "sato@example.jp", "--role", "engineer", "--json", database_url=database_url)
    assert added.returncode == 0, added.stderr
    user = json.loads(added.stdout)
    assert user["role"] == "engineer"
    assert len(user["generated_password"]) >= 10
    token = run(
        "token",
        "create",
        "--user",
        "sato@example.jp",
        "--name",
        "deploy",
        "--json",
        database_url=database_url,
    )
    assert token.returncode == 0, token.stderr
    document = json.loads(token.stdout)
    assert document["token"].startswith("hkt_")
    assert document["prefix"] == document["token"][:10]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("user", "add", "x@example.jp", "--role", "chief"), "役割: 'chief' は"),
        (("user", "add", "not-an-email"), "メールアドレスではありません"),
        (("user", "add", "x@example.jp", "--password", "short"), "10 文字以上"),
        (("token", "create", "--user", "nobody@example.jp"), "ユーザー nobody@example.jp は存在しません"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(
    database_url: str, args: tuple[str, ...], expected: str
) -> None:
    run("init", database_url=database_url)
    result = run(*args, database_url=database_url)
    assert result.returncode == 2
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_english_cli_when_configured(database_url: str) -> None:
    run("init", database_url=database_url)
    result = run(
        "user", "add", "x@example.jp", "--role", "chief", database_url=database_url, HIKESHI_LANGUAGE="en"
    )
    assert result.returncode == 2
    assert "role: 'chief' is not one of admin, engineer, support, sales, viewer" in result.stderr


def test_a_wrong_setting_stops_with_one_line_naming_it(tmp_path: Path) -> None:
    result = run("user", "list", database_url=f"sqlite:///{tmp_path}/x.db", HIKESHI_TIMEZONE="Mars/Olympus")
    assert result.returncode == 2
    assert result.stderr.startswith("hikeshi: HIKESHI_TIMEZONE: ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_demo_is_refused_in_production(tmp_path: Path) -> None:
    result = run(
        "init",
        "--demo",
        database_url=f"sqlite:///{tmp_path}/x.db",
        HIKESHI_ENV="production",
        HIKESHI_SECRET_KEY="s" * 40,
        HIKESHI_BASE_URL="https://hikeshi.example.com",
    )
    assert result.returncode == 2
    assert "--demo" in result.stderr


def test_serve_refuses_a_database_that_was_never_initialised(tmp_path: Path) -> None:
    result = run("serve", "--port", "8799", database_url=f"sqlite:///{tmp_path}/x.db")
    assert result.returncode == 2
    assert "hikeshi init" in result.stderr


def test_db_upgrade_reports_the_revision(database_url: str) -> None:
    result = run("db", "upgrade", database_url=database_url)
    assert result.returncode == 0, result.stderr
    assert "リビジョン" in result.stdout
