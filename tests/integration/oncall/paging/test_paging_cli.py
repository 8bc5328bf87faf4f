"""`hikeshi escalation …` and `hikeshi page …` as an operator runs them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import run


def test_escalation_create_then_page_a_product_then_list_and_acknowledge(
    database_url: str, tmp_path: Path
) -> None:
    assert run("init", database_url=database_url).returncode == 0
    added = run("user", "add", "sato@example.jp", "--role", "engineer", database_url=database_url)
    assert added.returncode == 0, added.stderr
    created = run(
        "escalation",
        "create",
        "Primary",
        "--step",
        "5:user:sato@example.jp",
        "--repeat",
        "1",
        "--json",
        database_url=database_url,
    )
    assert created.returncode == 0, created.stderr
    policy = json.loads(created.stdout)
    assert policy["steps"][0]["targets"][0]["name"]
    listed = json.loads(run("escalation", "list", "--json", database_url=database_url).stdout)
    assert [p["name"] for p in listed] == ["Primary"]
    shown = run("escalation", "show", "Primary", database_url=database_url)
    assert "5 min" in shown.stdout
    document = tmp_path / "policy.json"
    steps = [{"delay_minutes": 3, "targets": ["user:sato@example.jp"]}]
    document.write_text(json.dumps({"name": "Secondary", "steps": steps}), encoding="utf-8")
    imported = run("escalation", "import", str(document), "--json", database_url=database_url)
    assert json.loads(imported.stdout)["steps"][0]["delay_minutes"] == 3
    assert run("escalation", "delete", "Secondary", database_url=database_url).returncode == 0

    unknown = run("page", "web-booking", "予約できない", database_url=database_url)
    assert unknown.returncode == 2
    assert "web-booking" in unknown.stderr

    bad_step = run("escalation", "create", "Broken", "--step", "soon:user:x", database_url=database_url)
    assert bad_step.returncode == 2
    assert "--step 1" in bad_step.stderr


def test_page_ack_and_list(database_url: str) -> None:
    from hikeshi.bootstrap import bootstrap
    from hikeshi.catalog.service import create_product
    from hikeshi.core.settings import load_settings

    run("init", database_url=database_url)
    run("user", "add", "sato@example.jp", "--role", "engineer", database_url=database_url)
    container = bootstrap(load_settings(_env_file=None, database_url=database_url))
    try:
        with container.sessions() as db:
            create_product(
                session=db,
                slug="web-booking",
                name_ja="Web 予約",
                name_en="Web booking",
                now=container.clock(),
            )
            db.commit()
    finally:
        container.close()
    run(
        "escalation",
        "create",
        "Web",
        "--step",
        "5:user:sato@example.jp",
        "--product",
        "web-booking",
        database_url=database_url,
    )
    paged = run(
        "page", "web-booking", "予約できない", "--urgency", "low", "--json", database_url=database_url
    )
    assert paged.returncode == 0, paged.stderr
    page = json.loads(paged.stdout)
    assert (page["status"], page["urgency"], page["title"]) == ("triggered", "low", "予約できない")
    listed = json.loads(run("page", "list", "--json", database_url=database_url).stdout)
    assert [row["id"] for row in listed] == [page["id"]]
    acked = run(
        "page", "ack", str(page["id"]), "--by", "sato@example.jp", "--json", database_url=database_url
    )
    assert acked.returncode == 0, acked.stderr
    assert json.loads(acked.stdout)["status"] == "acknowledged"
    missing = run("page", "ack", "999", "--by", "sato@example.jp", database_url=database_url)
    assert missing.returncode == 2


def test_the_demo_company_has_a_policy_for_its_schedule_and_anyone_can_page_the_team(
    database_url: str,
) -> None:
    assert run("init", "--demo", database_url=database_url).returncode == 0
    # Out of the box, at whatever time the demo is made, someone is on call and someone is next.
    [now] = json.loads(run("oncall", "who", "--json", database_url=database_url).stdout)
    assert now["schedule"] == "プラットフォーム オンコール"
    assert now["gap"] is False
    assert now["users"][0]["name"] in ("佐藤 健", "鈴木 美咲", "高橋 翔", "Emily Clark")
    assert now["until"] is not None
    assert now["next"]["users"] != []
    table = run("oncall", "who", database_url=database_url)
    assert table.returncode == 0
    assert now["users"][0]["name"] in table.stdout
    [policy] = json.loads(run("escalation", "list", "--json", database_url=database_url).stdout)
    first, second = policy["steps"]
    assert [target["type"] for target in first["targets"]] == ["schedule"]
    assert second["targets"][0]["name"] == "佐藤 健"
    paged = run("page", "platform", "デモの障害", "--json", database_url=database_url)
    assert paged.returncode == 0, paged.stderr
    assert json.loads(paged.stdout)["policy_snapshot"]["name"] == policy["name"]
