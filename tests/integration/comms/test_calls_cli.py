"""`hikeshi notice calls …` as support runs it: the list, my calls, recording an outcome, bad input."""

from __future__ import annotations

import json
from typing import Any

from hikeshi.bootstrap import Container
from tests.integration.comms.conftest import Crew, declare
from tests.integration.comms.test_calls_list import publish
from tests.support.cli import run


def cli_json(world: Container, *args: str) -> Any:
    result = run(*args, "--json", database_url=world.settings.database_url, HIKESHI_LANGUAGE="en")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_list_mine_and_record_from_the_command_line(world: Container, crew: Crew) -> None:
    incident = declare(world, crew, products=("web-booking",))
    publish(world, crew, incident)

    listed = cli_json(world, "notice", "calls", str(incident.number))
    assert [call["store_external_id"] for call in listed["calls"]] == ["T2", "T1", "S1"]
    assert listed["progress"]["to_call"] == 3
    mine = cli_json(world, "notice", "calls", f"#{incident.number}", "--mine", "--as", crew.sales.email)
    [t1] = mine["calls"]
    assert t1["store_external_id"] == "T1"

    recorded = cli_json(
        world,
        "notice",
        "calls",
        "record",
        str(t1["id"]),
        "--outcome",
        "voicemail",
        "--notes",
        "折り返し待ち",
        "--as",
        crew.sales.email,
    )
    assert (recorded["outcome"], recorded["notes"], recorded["attempts"]) == ("voicemail", "折り返し待ち", 1)
    assert recorded["called_by_id"] == crew.sales.id
    called = cli_json(world, "notice", "calls", "list", str(incident.number), "--state", "called")
    assert [call["id"] for call in called["calls"]] == [t1["id"]]

    table = run(
        "notice", "calls", str(incident.number), database_url=world.settings.database_url, COLUMNS="200"
    )
    assert table.returncode == 0, table.stderr
    assert "居酒屋たなか" in table.stdout
    assert "留守番電話" in table.stdout  # the outcome, in the configured language (Japanese)
    assert "1 店舗に架電済み" in table.stdout


def test_bad_input_exits_2_naming_the_field(world: Container, crew: Crew) -> None:
    incident = declare(world, crew, products=("web-booking",))
    publish(world, crew, incident)
    url = world.settings.database_url

    def refused(*args: str) -> str:
        result = run(*args, database_url=url, HIKESHI_LANGUAGE="en")
        assert result.returncode == 2, (result.stdout, result.stderr)
        return result.stderr

    assert "outcome: 'busy'" in refused(
        "notice", "calls", "record", "1", "--outcome", "busy", "--as", crew.support.email
    )
    assert "--as" in refused("notice", "calls", str(incident.number), "--mine")
    assert "incident" in refused("notice", "calls", "twelve")
    assert "state: 'done'" in refused("notice", "calls", str(incident.number), "--state", "done")
    assert "call 4242 does not exist" in refused(
        "notice", "calls", "record", "4242", "--outcome", "reached", "--as", crew.support.email
    )
