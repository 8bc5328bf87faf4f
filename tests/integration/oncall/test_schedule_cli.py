"""`hikeshi oncall …` as an administrator and an engineer run it, with --json for scripts."""

from __future__ import annotations

import json
from typing import Any

from tests.support.cli import run


def ok(*args: str, database_url: str, **env: str) -> Any:
    result = run(*args, database_url=database_url, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout) if "--json" in args else result.stdout


def setup_schedule(database_url: str) -> None:
    ok("init", database_url=database_url)
    for name in ("sato", "suzuki", "emily"):
        ok(
            "user",
            "add",
            f"{name}@example.jp",
            "--name",
            name.title(),
            "--role",
            "engineer",
            database_url=database_url,
        )
    ok("oncall", "schedule-add", "Platform", "--timezone", "Asia/Tokyo", "--json", database_url=database_url)
    rotation = ("oncall", "rotation-add", "Platform", "--start-date", "2026-11-30", "--json")
    ok(
        *rotation, "--name", "Primary", "--kind", "weekly", "--handoff", "10:00",
        "--member", "sato@example.jp", "--member", "suzuki@example.jp", database_url=database_url,
    )  # fmt: skip
    ok(
        *rotation, "--name", "Nights", "--kind", "daily", "--handoff", "19:00",
        "--member", "emily@example.jp", "--restrict", "mon-fri 19:00-09:00", database_url=database_url,
    )  # fmt: skip


def test_who_answers_for_a_time_with_layers_and_overrides(database_url: str) -> None:
    setup_schedule(database_url)
    [noon] = ok("oncall", "who", "--at", "2026-12-02T12:00+09:00", "--json", database_url=database_url)
    assert [person["name"] for person in noon["users"]] == ["Sato"]
    assert noon["until"] == "2026-12-02T10:00:00Z"
    assert [person["name"] for person in noon["next"]["users"]] == ["Emily"]
    [night] = ok(
        "oncall",
        "who",
        "--schedule",
        "Platform",
        "--at",
        "2026-12-02T22:00",
        "--json",
        database_url=database_url,
    )
    assert [person["name"] for person in night["users"]] == ["Emily"]
    # A naive time is read in HIKESHI_TIMEZONE: 05:00 in Los Angeles is 22:00 in Tokyo.
    [west] = ok(
        "oncall", "who", "--at", "2026-12-02T05:00", "--json", database_url=database_url,
        HIKESHI_TIMEZONE="America/Los_Angeles",
    )  # fmt: skip
    assert [person["name"] for person in west["users"]] == ["Emily"]

    added = ok(
        "oncall", "override-add", "Platform", "--user", "suzuki@example.jp", "--replace", "emily@example.jp",
        "--start", "2026-12-02T19:00", "--end", "2026-12-03T09:00", "--reason", "swap", "--json",
        database_url=database_url,
    )  # fmt: skip
    assert added["kind"] == "replace"
    [night] = ok("oncall", "who", "--at", "2026-12-02T22:00", "--json", database_url=database_url)
    assert [person["name"] for person in night["users"]] == ["Suzuki"]
    ok("oncall", "override-delete", "Platform", str(added["id"]), database_url=database_url)
    [night] = ok("oncall", "who", "--at", "2026-12-02T22:00", "--json", database_url=database_url)
    assert [person["name"] for person in night["users"]] == ["Emily"]
    table = ok("oncall", "who", "--at", "2026-12-02T22:00", database_url=database_url, HIKESHI_LANGUAGE="en")
    assert "Emily" in table
    assert "Platform" in table


def test_schedules_and_shifts_with_gaps(database_url: str) -> None:
    setup_schedule(database_url)
    [listed] = ok("oncall", "schedules", "--json", database_url=database_url)
    assert listed["name"] == "Platform"
    assert [rotation["name"] for rotation in listed["rotations"]] == ["Primary", "Nights"]
    assert listed["rotations"][1]["restrictions"][0] == {
        "weekday": 0,
        "start_time": "19:00",
        "end_time": "09:00",
    }
    shifts = ok(
        "oncall", "shifts", "Platform", "--start", "2026-11-29T00:00", "--days", "2", "--json",
        database_url=database_url,
    )  # fmt: skip
    assert [(shift["start"], shift["gap"]) for shift in shifts["shifts"]] == [
        ("2026-11-28T15:00:00Z", True),  # before the rotations begin on Monday 30 Nov
        ("2026-11-30T01:00:00Z", False),  # Monday 10:00: Sato
        ("2026-11-30T10:00:00Z", False),  # Monday 19:00: Emily's night
    ]
    assert len(shifts["gaps"]) == 1
    printed = ok(
        "oncall",
        "shifts",
        "Platform",
        "--start",
        "2026-11-29T00:00",
        "--days",
        "2",
        database_url=database_url,
    )
    assert "不在（空白）" in printed
    assert "当番不在の空白が 1 件あります。" in printed
    ok("oncall", "rotation-delete", str(listed["rotations"][1]["id"]), database_url=database_url)
    [left] = ok("oncall", "schedules", "--json", database_url=database_url)
    assert [rotation["name"] for rotation in left["rotations"]] == ["Primary"]
    assert "スケジュール Platform を削除しました。" in ok(
        "oncall", "schedule-delete", "Platform", database_url=database_url
    )
    assert ok("oncall", "schedules", "--json", database_url=database_url) == []


def test_bad_input_exits_2_naming_the_field(database_url: str) -> None:
    setup_schedule(database_url)
    rotation = ("oncall", "rotation-add", "Platform", "--name", "R")
    override = ("oncall", "override-add", "Platform", "--user", "sato@example.jp")
    for args, field in (
        (("oncall", "who", "--at", "soon"), "at"),
        (("oncall", "who", "--at", "0001-01-01T00:00"), "at"),  # year 1 in Tokyo leaves the calendar
        (("oncall", "shifts", "Platform", "--start", "9999-12-31T00:00Z"), "start"),
        (("oncall", "shifts", "Nowhere"), "Nowhere"),
        (("oncall", "schedule-add", "X", "--timezone", "Osaka"), "timezone"),
        ((*rotation, "--start-date", "2026-13-01", "--member", "sato@example.jp"), "start-date"),
        ((*rotation, "--start-date", "2026-12-01", "--member", "nobody@example.jp"), "member"),
        ((*override, "--start", "2026-12-03T00:00", "--end", "2026-12-02T00:00"), "ends_at"),
    ):
        result = run(*args, database_url=database_url)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert field in result.stderr
        assert "Traceback" not in result.stderr
        assert result.stderr.count("\n") == 1
