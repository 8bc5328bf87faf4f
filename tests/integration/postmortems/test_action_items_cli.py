"""`hikeshi action-item list|done|cancel|reopen` as an operator runs them.

The command runs with the real clock, so the items here are due relative to today in Tokyo.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hikeshi.bootstrap import Container
from hikeshi.postmortems.rules import local_day
from tests.integration.postmortems.conftest import Crew
from tests.integration.postmortems.test_action_items_list import add_item, read
from tests.support.cli import run
from tests.support.postmortems import insert_postmortem, resolved_incident


def cli_json(world: Container, *args: str) -> Any:
    result = run(*args, "--json", database_url=world.settings.database_url, HIKESHI_LANGUAGE="en")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def items(world: Container, crew: Crew) -> tuple[int, int, int]:
    today = local_day(datetime.now(UTC), "Asia/Tokyo")
    incident = resolved_incident(world, by=crew.engineer.id)
    postmortem = insert_postmortem(world, incident)
    late = add_item(world, postmortem, "ロック待ちの監視を追加", today - timedelta(days=3), crew.engineer)
    soon = add_item(world, postmortem, "負荷試験の手順を整備", today + timedelta(days=10), crew.reviewer)
    return incident.number, late, soon


def test_list_filters_and_changes_from_the_command_line(world: Container, crew: Crew) -> None:
    number, late, soon = items(world, crew)

    listed = cli_json(world, "action-item", "list")
    assert [item["id"] for item in listed] == [late, soon]
    assert [item["overdue"] for item in listed] == [True, False]
    assert listed[0]["incident_number"] == number
    assert listed[0]["owner_name"] == "Sato"
    assert [item["id"] for item in cli_json(world, "action-item", "list", "--overdue")] == [late]
    assert [i["id"] for i in cli_json(world, "action-item", "list", "--owner", crew.reviewer.email)] == [soon]
    assert cli_json(world, "action-item", "list", "--incident", "999") == []

    done = cli_json(
        world, "action-item", "done", str(late), "--note", "監視を追加した", "--as", crew.engineer.email
    )
    assert (done["status"], done["note"], done["overdue"]) == ("done", "監視を追加した", False)
    assert read(world, late).done_by_id == crew.engineer.id
    assert [i["id"] for i in cli_json(world, "action-item", "list", "--status", "done")] == [late]
    reopened = cli_json(world, "action-item", "reopen", str(late))
    assert (reopened["status"], reopened["overdue"]) == ("open", True)
    cancelled = cli_json(world, "action-item", "cancel", str(soon), "--note", "別の対策で足りる")
    assert (cancelled["status"], cancelled["note"]) == ("cancelled", "別の対策で足りる")

    table = run("action-item", "list", database_url=world.settings.database_url, COLUMNS="200")
    assert table.returncode == 0, table.stderr
    assert "2 件の対策が該当します。" in table.stdout  # every status unless --status says
    assert "ロック待ちの監視を追加" in table.stdout
    assert "期限超過" in table.stdout  # in the configured language (Japanese)
    said = run(
        "action-item", "done", str(late), database_url=world.settings.database_url, HIKESHI_LANGUAGE="en"
    )
    assert said.returncode == 0, said.stderr
    assert f"Action item {late} (#{number} ロック待ちの監視を追加): Done." in said.stdout


def test_bad_input_exits_2_naming_the_field(world: Container, crew: Crew) -> None:
    _, late, _ = items(world, crew)

    def refused(*args: str) -> str:
        result = run(*args, database_url=world.settings.database_url, HIKESHI_LANGUAGE="en")
        assert result.returncode == 2, (result.stdout, result.stderr)
        return result.stderr

    assert "note: say why" in refused("action-item", "cancel", str(late))
    assert "status must be one of" in refused("action-item", "list", "--status", "late")
    assert "--owner: user nobody@example.jp does not exist" in refused(
        "action-item", "list", "--owner", "nobody@example.jp"
    )
    assert "incident: 'twelve'" in refused("action-item", "list", "--incident", "twelve")
    assert "Action item 4242 does not exist" in refused("action-item", "done", "4242")
    assert "--as: user" in refused("action-item", "done", str(late), "--as", "nobody@example.jp")
    assert read(world, late).status == "open"
