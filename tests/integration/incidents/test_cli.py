"""`hikeshi incident …` as an operator runs it: declare, update, note, action, resolve, dismiss, list."""

from __future__ import annotations

import json
from typing import Any

from tests.support.cli import run


def _json(*args: str, database_url: str) -> Any:
    result = run(*args, "--json", database_url=database_url, HIKESHI_LANGUAGE="en")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_declare_follow_and_resolve_from_the_command_line(database_url: str) -> None:
    assert run("init", "--demo", database_url=database_url).returncode == 0
    declared = _json(
        "incident",
        "declare",
        "Web 予約が使えない",
        "--product",
        "web-booking",
        "--severity",
        "SEV1",
        database_url=database_url,
    )
    number = str(declared["number"])
    assert (declared["status"], declared["severity"]) == ("triage", "SEV1")

    updated = _json(
        "incident",
        "update",
        number,
        "--status",
        "investigating",
        "--stores-overseas",
        "0",
        database_url=database_url,
    )
    assert (updated["status"], updated["override_stores_overseas"]) == ("investigating", 0)

    refused = run("incident", "resolve", number, database_url=database_url, HIKESHI_LANGUAGE="en")
    assert refused.returncode == 2
    assert "recovery action" in refused.stderr

    assert (
        run("incident", "note", number, "CDN のキャッシュを確認中", database_url=database_url).returncode == 0
    )
    action = _json("incident", "action", number, "hotfix", "v4.2.1 をデプロイ", database_url=database_url)
    assert action["kind"] == "hotfix"
    resolved = _json("incident", "resolve", number, database_url=database_url)
    assert resolved["status"] == "resolved"

    shown = _json("incident", "show", number, database_url=database_url)
    assert [event["kind"] for event in shown["events"]].count("status") == 2
    assert "CDN のキャッシュを確認中" in [event["note"] for event in shown["events"]]
    listed = _json("incident", "list", "--state", "resolved", database_url=database_url)
    assert [item["number"] for item in listed] == [int(number), 1]  # the demo's SMS outage is #1
    assert listed[1]["title"] == "予約確認の SMS が送信されない"
    demo = _json("incident", "show", "1", database_url=database_url)
    assert [action["kind"] for action in demo["recovery_actions"]] == ["hotfix"]


def test_dismiss_needs_a_reason_and_bad_input_exits_2(database_url: str) -> None:
    assert run("init", database_url=database_url).returncode == 0
    declared = _json("incident", "declare", "誤検知かもしれない", database_url=database_url)
    number = str(declared["number"])
    no_reason = run("incident", "dismiss", number, database_url=database_url, HIKESHI_LANGUAGE="en")
    assert no_reason.returncode == 2
    assert "reason" in no_reason.stderr
    dismissed = _json("incident", "dismiss", number, "--reason", "監視設定のミス", database_url=database_url)
    assert dismissed["dismiss_reason"] == "監視設定のミス"
    for args, named in (
        (("incident", "declare", "x", "--severity", "SEV7"), "severity"),
        (("incident", "declare", "x", "--product", "nope"), "nope"),
        (("incident", "show", "99"), "#99"),
        (("incident", "action", number, "pray"), "kind"),
    ):
        result = run(*args, database_url=database_url, HIKESHI_LANGUAGE="en")
        assert result.returncode == 2, result.stdout
        assert named in result.stderr
        assert "Traceback" not in result.stderr
