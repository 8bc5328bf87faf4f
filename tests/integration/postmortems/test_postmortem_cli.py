"""`hikeshi postmortem …` as an operator runs it (in-process, against the test's database)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from hikeshi.bootstrap import Container
from hikeshi.cli import app
from tests.integration.postmortems.conftest import Crew
from tests.support.catalog import run_jobs
from tests.support.clock import FrozenClock
from tests.support.postmortems import resolved_incident


@pytest.fixture
def environment(world: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    return {
        "HIKESHI_DATABASE_URL": world.settings.database_url,
        "HIKESHI_SECRET_KEY": "x" * 40,
        "HIKESHI_ENV": "test",
        "HIKESHI_LANGUAGE": "en",
        "HIKESHI_POSTMORTEM_DIR": str(tmp_path / "kb"),
    }


def hikeshi(environment: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env=environment)


def as_json(environment: dict[str, str], *args: str) -> Any:
    result = hikeshi(environment, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_edit_submit_publish_from_the_command_line(
    world: Container, crew: Crew, environment: dict[str, str], clock: FrozenClock
) -> None:
    incident = resolved_incident(world, by=crew.engineer.id, started_at=clock.now - timedelta(hours=1))
    run_jobs(world)
    [row] = as_json(environment, "postmortem", "list", "--status", "draft")
    assert row["incident_number"] == incident.number
    postmortem = str(row["id"])

    shown = as_json(environment, "postmortem", "show", "--incident", str(incident.number))
    assert shown["missing"] == ["cause", "prevention"]

    hikeshi(environment, "postmortem", "submit", postmortem, "--by", crew.engineer.email)
    refused = hikeshi(environment, "postmortem", "publish", postmortem, "--as", crew.reviewer.email)
    assert refused.exit_code == 2
    assert "cannot be published until these are filled in: Cause, Prevention measures" in refused.output

    edited = hikeshi(environment, "postmortem", "edit", postmortem, "--cause-ja", "予約テーブルのロック待ち")
    assert edited.exit_code == 0, edited.output
    item = as_json(
        environment,
        "postmortem",
        "action",
        "add",
        postmortem,
        "--title",
        "ロック待ちの監視を追加する",
        "--owner",
        crew.reviewer.email,
        "--due",
        "2026-12-15",
    )
    assert (item["owner_name"], item["due_on"], item["overdue"]) == ("Takahashi", "2026-12-15", False)

    published = as_json(environment, "postmortem", "publish", postmortem, "--as", crew.reviewer.email)
    assert published["status"] == "published"
    markdown = hikeshi(environment, "postmortem", "markdown", postmortem)
    assert "予約テーブルのロック待ち" in markdown.stdout
    assert "ロック待ちの監視を追加する" in markdown.stdout

    text = hikeshi(environment, "postmortem", "show", postmortem)
    assert f"[published] #{incident.number}" in text.stdout
    reopened = as_json(environment, "postmortem", "reopen", postmortem, "--by", crew.engineer.email)
    assert reopened["status"] == "draft"


def test_bad_input_names_the_field(world: Container, crew: Crew, environment: dict[str, str]) -> None:
    resolved_incident(world, by=crew.engineer.id)
    run_jobs(world)
    [row] = as_json(environment, "postmortem", "list")
    postmortem = str(row["id"])
    bad_day = hikeshi(
        environment, "postmortem", "action", "add", postmortem, "--title", "x", "--due", "tomorrow"
    )
    assert bad_day.exit_code == 2
    assert "due: give a day as YYYY-MM-DD: tomorrow" in bad_day.output
    nobody = hikeshi(environment, "postmortem", "publish", postmortem, "--as", "nobody@example.jp")
    assert nobody.exit_code == 2
    assert "as: user nobody@example.jp does not exist" in nobody.output
    draft = hikeshi(environment, "postmortem", "publish", postmortem, "--as", crew.reviewer.email)
    assert draft.exit_code == 2
    assert "cannot go from draft to published" in draft.output
    unknown = hikeshi(environment, "postmortem", "show", "999")
    assert unknown.exit_code == 2
