"""`hikeshi notice maintenance …` as a person runs it, on a real database."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hikeshi.bootstrap import Container
from tests.integration.comms.conftest import Crew
from tests.support.cli import run


def _when(days: int, hours: int = 0) -> str:
    """A wall time in Japan (no offset: HIKESHI_TIMEZONE) days ahead: the process runs on the real clock."""
    moment = datetime.now(ZoneInfo("Asia/Tokyo")) + timedelta(days=days, hours=hours)
    return moment.strftime("%Y-%m-%dT%H:%M")


def test_add_list_show_and_cancel_a_maintenance(world: Container, crew: Crew) -> None:
    url = world.settings.database_url
    added = run(
        "notice", "maintenance", "add",
        "--title-ja", "FAX 送信の設備更新", "--title-en", "FAX equipment upgrade",
        "--start", _when(7), "--end", _when(7, 2),
        "--product", "fax", "--region", "jp", "--json",
        database_url=url,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    created = json.loads(added.stdout)
    assert created["status"] == "scheduled"
    assert created["products"] == ["fax"]
    assert created["regions"] == ["jp"]
    assert [notice["status"] for notice in created["notices"]] == ["draft"]
    assert created["notices"][0]["title_ja"] == "【メンテナンスのお知らせ】FAX 送信の設備更新"

    human = run(
        "notice", "maintenance", "add", "--title-ja", "SMS 送信の切り替え",
        "--start", _when(8), "--end", _when(8, 1), "--product", "sms",
        database_url=url, HIKESHI_LANGUAGE="en",
    )  # fmt: skip
    assert human.returncode == 0, human.stderr
    assert "awaits approval" in " ".join(human.stdout.split())

    listed = json.loads(run("notice", "maintenance", "list", "--json", database_url=url).stdout)
    assert [item["title_ja"] for item in listed] == ["FAX 送信の設備更新", "SMS 送信の切り替え"]
    shown = run("notice", "maintenance", "show", str(created["id"]), database_url=url, HIKESHI_LANGUAGE="en")
    assert "FAX 送信の設備更新 (Scheduled)" in shown.stdout
    assert "【メンテナンスのお知らせ】FAX 送信の設備更新" in shown.stdout

    cancelled = run("notice", "maintenance", "cancel", str(created["id"]), "--json", database_url=url)
    assert json.loads(cancelled.stdout)["status"] == "cancelled"
    assert json.loads(cancelled.stdout)["notices"][0]["status"] == "discarded"
    only = run("notice", "maintenance", "list", "--status", "cancelled", "--json", database_url=url)
    assert [item["id"] for item in json.loads(only.stdout)] == [created["id"]]
    table = run("notice", "maintenance", "list", database_url=url, HIKESHI_LANGUAGE="en")
    assert "Cancelled" in table.stdout
    assert "Scheduled" in table.stdout


def test_bad_input_exits_2_naming_the_field(world: Container, crew: Crew) -> None:
    url = world.settings.database_url
    english = {"database_url": url, "HIKESHI_LANGUAGE": "en"}
    bad_time = run(
        "notice", "maintenance", "add", "--title-ja", "x", "--start", "tomorrow", "--end", _when(2),
        "--product", "fax", **english,
    )  # fmt: skip
    assert bad_time.returncode == 2
    assert "start: 'tomorrow' is not an ISO 8601 time" in bad_time.stderr
    unknown = run(
        "notice", "maintenance", "add", "--title-ja", "x", "--start", _when(1), "--end", _when(2),
        "--product", "teleport", **english,
    )  # fmt: skip
    assert unknown.returncode == 2
    assert "products: product 'teleport' does not exist" in unknown.stderr
    assert run("notice", "maintenance", "complete", "42", **english).returncode == 2
    status = run("notice", "maintenance", "list", "--status", "soon", **english)
    assert status.returncode == 2
    assert "status: 'soon'" in status.stderr
    added = run(
        "notice", "maintenance", "add", "--title-ja", "x", "--start", _when(1), "--end", _when(2),
        "--product", "fax", "--json", database_url=url,
    )  # fmt: skip
    early = run("notice", "maintenance", "verify", str(json.loads(added.stdout)["id"]), **english)
    assert early.returncode == 2
    assert "is scheduled: it cannot be verified now" in early.stderr
