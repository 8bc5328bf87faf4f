"""`hikeshi integration …` and `hikeshi alert …` as an operator runs them."""

from __future__ import annotations

import json

from hikeshi.alerts import integrations, service
from hikeshi.alerts.normalized import Action, NormalizedAlert, Severity
from hikeshi.alerts.notify import Context
from hikeshi.bootstrap import bootstrap
from hikeshi.core.settings import load_settings
from tests.support.cli import run


def _trigger(database_url: str, integration_id: int) -> None:
    container = bootstrap(load_settings(_env_file=None, database_url=database_url))
    try:
        with container.sessions() as db:
            target = integrations.get_integration(session=db, integration_id=integration_id)
            alert = NormalizedAlert(
                action=Action.TRIGGER, summary="Web 予約で 5xx", severity=Severity.ERROR, dedup_key="k1"
            )
            service.ingest(
                session=db,
                integration=target,
                alerts=[alert],
                raw={},
                now=container.clock(),
                context=Context(language="ja", base_url="http://127.0.0.1:8000"),
            )
            db.commit()
    finally:
        container.close()


def test_integration_add_prints_url_and_key_once_then_alerts_are_listed_acked_resolved(
    database_url: str,
) -> None:
    run("init", database_url=database_url)
    added = run(
        "integration", "add", "Prometheus", "--kind", "alertmanager", "--json", database_url=database_url
    )
    assert added.returncode == 0, added.stderr
    created = json.loads(added.stdout)
    assert len(created["key"]) == 32
    assert created["url"].endswith(f"/hooks/{created['key']}")
    listed = json.loads(run("integration", "list", "--json", database_url=database_url).stdout)
    assert "key" not in listed[0]
    assert listed[0]["key_prefix"] == created["key"][:8]

    run("user", "add", "sato@example.jp", "--role", "engineer", database_url=database_url)
    _trigger(database_url, created["id"])
    [group] = json.loads(run("alert", "list", "--json", database_url=database_url).stdout)
    assert (group["title"], group["status"]) == ("Web 予約で 5xx", "triggered")

    acked = run(
        "alert", "ack", str(group["id"]), "--by", "sato@example.jp", "--json", database_url=database_url
    )
    assert json.loads(acked.stdout)["status"] == "acknowledged"
    resolved = run(
        "alert", "resolve", str(group["id"]), "--by", "sato@example.jp", "--json", database_url=database_url
    )
    assert json.loads(resolved.stdout)["status"] == "resolved"
    assert json.loads(run("alert", "list", "--json", database_url=database_url).stdout) == []


def test_bad_kind_exits_2_with_one_line(database_url: str) -> None:
    run("init", database_url=database_url)
    result = run("integration", "add", "X", "--kind", "nagios", database_url=database_url)
    assert result.returncode == 2
    assert "nagios" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
