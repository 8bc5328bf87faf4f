"""`hikeshi notice …` as an operator runs it (in-process, against the test's database)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from hikeshi.bootstrap import Container
from hikeshi.cli import app
from tests.integration.comms.conftest import SECRET_STORE_NAMES, Crew, declare


@pytest.fixture
def environment(world: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    return {
        "HIKESHI_DATABASE_URL": world.settings.database_url,
        "HIKESHI_SECRET_KEY": "x" * 40,
        "HIKESHI_ENV": "test",
        "HIKESHI_LANGUAGE": "en",
    }


def hikeshi(environment: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env=environment)


def as_json(environment: dict[str, str], *args: str) -> Any:
    result = hikeshi(environment, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_draft_show_publish_and_list_from_the_command_line(
    world: Container, crew: Crew, environment: dict[str, str]
) -> None:
    incident = declare(world, crew)
    number = str(incident.number)
    drafted = as_json(
        environment,
        "notice",
        "draft",
        number,
        "--kind",
        "first",
        "--title-en",
        "Web booking is unavailable",
        "--channels",
        "status_page,in_app",
        "--by",
        crew.support.email,
    )
    assert (drafted["status"], drafted["incident_number"]) == ("draft", incident.number)
    assert drafted["title_en"] == "Web booking is unavailable"
    assert drafted["channels"] == ["status_page", "in_app"]
    assert not any(secret in drafted["body_ja"] for secret in SECRET_STORE_NAMES)
    notice_id = str(drafted["id"])

    refused = hikeshi(environment, "notice", "publish", notice_id, "--as", crew.engineer.email)
    assert refused.exit_code == 2
    assert "support team lead" in refused.output
    published = as_json(environment, "notice", "publish", notice_id, "--as", crew.admin.email)
    assert (published["status"], published["approved_by_id"]) == ("published", crew.admin.id)

    shown = as_json(environment, "notice", "show", notice_id)
    assert [entry["action"] for entry in shown["history"]] == ["drafted", "published"]
    assert shown["history"][0]["actor_user_id"] == crew.support.id
    listed = as_json(environment, "notice", "list", "--incident", number)
    assert [row["id"] for row in listed] == [drafted["id"]]
    table = hikeshi(environment, "notice", "list")
    assert table.exit_code == 0
    assert "published" in table.stdout


def test_discard_and_bad_input_exit_2_naming_the_field(
    world: Container, crew: Crew, environment: dict[str, str]
) -> None:
    incident = declare(world, crew)
    drafted = as_json(environment, "notice", "draft", str(incident.number), "--kind", "update")
    discarded = as_json(environment, "notice", "discard", str(drafted["id"]), "--reason", "不要")
    assert discarded["status"] == "discarded"
    assert discarded["history"][-1]["snapshot"]["reason"] == "不要"
    for args, named in (
        (("notice", "draft", str(incident.number), "--kind", "apology"), "kind"),
        (("notice", "draft", str(incident.number), "--channels", "fax"), "channels"),
        (("notice", "draft", "404"), "#404"),
        (("notice", "show", "9999"), "notice 9999"),
        (("notice", "publish", str(drafted["id"]), "--as", "nobody@example.jp"), "nobody@example.jp"),
        (("notice", "discard", str(drafted["id"]), "--reason", "x"), "discarded"),
    ):
        result = hikeshi(environment, *args)
        assert result.exit_code == 2, (args, result.output)
        assert named in result.output, (args, result.output)
