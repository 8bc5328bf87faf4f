"""The demo company announces next week's maintenance: the status page and the app show it."""

from __future__ import annotations

from datetime import timedelta

from hikeshi.bootstrap import Container
from hikeshi.comms import maintenance
from hikeshi.demo import load_demo
from tests.support.comms import feed_test_client


def test_the_demo_has_a_maintenance_next_week_with_its_notice_published(container: Container) -> None:
    now = container.clock()
    with container.sessions() as db:
        assert load_demo(session=db, now=now)
        db.commit()
    with container.sessions() as db:
        [planned] = maintenance.list_maintenances(session=db, now=now)
        out = maintenance.maintenance_out(session=db, maintenance=planned, now=now)
    assert out.status == "scheduled"
    assert out.products == ["ipad-app"]
    assert timedelta(days=6) < out.scheduled_for - now < timedelta(days=8)
    assert out.scheduled_until - out.scheduled_for == timedelta(hours=2)
    assert [(n.status, n.channels) for n in out.notices] == [("published", ["status_page", "in_app"])]
    with feed_test_client(container) as client:
        entries = client.get("/notices/feed.json", params={"product": "ipad-app", "lang": "en"}).json()[
            "notices"
        ]
        summary = client.get("/api/v2/summary.json").json()
    [entry] = [entry for entry in entries if entry["kind"] == "maintenance"]
    assert entry["title"] == "Scheduled maintenance: Reservation ledger server move"
    assert entry["maintenance"]["status"] == "scheduled"
    assert [m["status"] for m in summary["scheduled_maintenances"]] == ["scheduled"]
