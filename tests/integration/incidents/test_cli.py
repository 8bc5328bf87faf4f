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


def test_show_reads_the_war_room_in_words_and_tasks_are_worked_from_the_command_line(
    database_url: str,
) -> None:
    assert run("init", "--demo", database_url=database_url).returncode == 0
    number = str(
        _json(
            "incident",
            "declare",
            "FAX が送信できない",
            "--product",
            "fax",
            "--confirmed",
            "--by",
            "sato@demo.hikeshi.jp",
            database_url=database_url,
        )["number"]
    )
    english = {"database_url": database_url, "HIKESHI_LANGUAGE": "en", "HIKESHI_TIMEZONE": "Asia/Tokyo"}
    updated = run(
        "incident",
        "update",
        number,
        "--hotfix-by",
        "suzuki@demo.hikeshi.jp",
        "--hotfix-at",
        "2030-11-29T15:00",
        "--no-web-booking",
        "--impact-note",
        "送信キューが詰まっている",
        **english,
    )
    assert updated.returncode == 0, updated.stderr
    added = _json(
        "incident",
        "task",
        number,
        "FAX 事業者に確認",
        "--role",
        "support",
        "--owner",
        "ito@demo.hikeshi.jp",
        database_url=database_url,
    )
    ticked = _json(
        "incident", "done", number, str(added["id"]), "--by", "ito@demo.hikeshi.jp", database_url=database_url
    )
    assert ticked["done_at"] is not None
    assert run("incident", "link", number, "--inquiry", "1", **english).returncode == 0
    paged = _json("incident", "page", number, "--by", "ito@demo.hikeshi.jp", database_url=database_url)
    assert (paged["status"], paged["source_kind"]) == ("triggered", "incident")  # the fax on-call

    shown = run("incident", "show", number, **english)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == f"#{number} [Investigating] FAX が送信できない"
    assert "Affected products: FAX delivery" in lines
    assert any(line.startswith("Not affected: ") and "Web booking" in line for line in lines)
    assert "Recovery plan: 鈴木 美咲 deploys the hotfix to production at 2030-11-29 15:00 (JST)" in lines
    assert "Commander: 佐藤 健" in lines
    # The hotfix task belongs to whoever deploys it, and is due when the plan says.
    assert any(
        line.startswith("  [ ] ") and "Prepare the hotfix · 鈴木 美咲 · due 2030-11-29 15:00" in line
        for line in lines
    )
    assert any(line.startswith("  [x] ") and "FAX 事業者に確認 · 伊藤 結衣 · done" in line for line in lines)
    assert any(line.endswith("Web-booking diners affected: — → No") for line in lines)
    assert any(line.endswith("Inquiry linked: Inquiry #1") for line in lines)
    assert f"  Page #{paged['id']} triggered" in lines
    assert any(line.endswith("On-call paged · 伊藤 結衣: fax") for line in lines)

    again = run("incident", "declare", "--inquiry", "1", **english)
    assert again.returncode == 2
    assert f"inquiry 1 is already part of open incident #{number}" in again.stderr
    nothing = run("incident", "link", number, **english)
    assert nothing.returncode == 2
    assert "--inquiry" in nothing.stderr
