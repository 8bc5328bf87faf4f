"""A real prometheus-alertmanager whose webhook receiver is a real `hikeshi serve`.

Alerts are posted to Alertmanager's own API, as Prometheus posts them; Alertmanager groups them by
`alertname` and calls hikeshi's `/hooks/{key}`, firing and then resolved.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from hikeshi.alerts import groups, integrations
from hikeshi.bootstrap import Container
from tests.support.alertmanager import alertmanager, require_alertmanager
from tests.support.browser import hikeshi_server

T = TypeVar("T")
WAIT_SECONDS = 30.0

ALERTS = [
    {
        "labels": {"alertname": "HighErrorRate", "severity": "critical", "instance": f"web-{number}"},
        "annotations": {"summary": f"web-{number}: 予約 API で 5xx が多発", "description": "5 分間 5% 超"},
        "generatorURL": "http://prometheus.example.jp/graph?g0.expr=rate",
    }
    for number in range(3)
]


def _eventually(read: Callable[[], T], done: Callable[[T], bool], what: str) -> T:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        value = read()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"within {WAIT_SECONDS:.0f} s, {what}; last seen: {value}")
        time.sleep(0.2)


def _integration_key(container: Container) -> str:
    with container.sessions() as db:
        _, key = integrations.create_integration(
            session=db, name="Prometheus (本番)", kind="alertmanager", now=container.clock()
        )
        db.commit()
    return key


def _alerts(container: Container) -> list[dict[str, Any]]:
    with container.sessions() as db:
        return [
            {
                "dedup_key": alert.dedup_key,
                "status": alert.status,
                "group_id": alert.group_id,
                "summary": alert.summary,
                "severity": alert.severity,
            }
            for alert in groups.list_alerts(session=db)
        ]


def _groups(container: Container) -> list[tuple[str, int]]:
    with container.sessions() as db:
        return [(group.status, group.alert_count) for group in groups.list_groups(session=db)]


def test_firing_and_resolved_notifications_open_and_resolve_one_alert_per_fingerprint(
    container: Container, database_url: str, tmp_path: Path
) -> None:
    require_alertmanager()
    key = _integration_key(container)
    with (
        hikeshi_server(database_url, demo=False) as hikeshi,
        alertmanager(f"{hikeshi}/hooks/{key}", tmp_path) as am,
    ):
        am.post_alerts(ALERTS)
        firing = _eventually(
            lambda: _alerts(container),
            lambda alerts: len(alerts) == 3,
            "hikeshi did not hear of three firing alerts",
        )
        assert {alert["dedup_key"] for alert in firing} == am.fingerprints()
        assert {alert["status"] for alert in firing} == {"triggered"}
        assert {alert["severity"] for alert in firing} == {"critical"}
        assert sorted(alert["summary"] for alert in firing) == [
            f"web-{number}: 予約 API で 5xx が多発" for number in range(3)
        ]
        assert len({alert["group_id"] for alert in firing}) == 1
        assert _groups(container) == [("triggered", 3)]

        am.resolve_alerts(ALERTS)
        resolved = _eventually(
            lambda: _alerts(container),
            lambda alerts: {alert["status"] for alert in alerts} == {"resolved"},
            "hikeshi did not resolve the three alerts",
        )
    assert len(resolved) == 3
    assert _groups(container) == [("resolved", 3)]
