"""Scheduled maintenance over the API: its lifecycle, the notice each step drafts, the feed and the clock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hikeshi.bootstrap import Container
from hikeshi.comms import changes, maintenance, notices, publishing
from hikeshi.comms.models import Maintenance
from hikeshi.comms.schemas import NoticeUpdate
from tests.integration.comms.conftest import Crew, bearer
from tests.support.catalog import run_jobs
from tests.support.clock import FrozenClock
from tests.support.comms import feed_test_client

API = "/api/v1/maintenances"
FEED = "/notices/feed.json"
# The clock of these tests stands at 2026-12-01 00:00 UTC (09:00 in Japan).
NEW = {
    "title_ja": "Web 予約のデータベース更新",
    "title_en": "Web booking database upgrade",
    "body_ja": "この間、Web 予約をご利用いただけません。",
    "body_en": "Web booking is unavailable meanwhile.",
    "products": ["web-booking"],
    "scheduled_for": "2026-12-08T02:00:00+09:00",
    "scheduled_until": "2026-12-08T04:00:00+09:00",
}


def _schedule(web: TestClient, world: Container, crew: Crew, **changes_: object) -> dict[str, Any]:
    answer = web.post(API, json={**NEW, **changes_}, headers=bearer(world, crew.engineer))
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def _publish_drafts(world: Container, crew: Crew, maintenance_id: int) -> list[int]:
    """A support lead approves what the maintenance drafted (to the page and the app only)."""
    published = []
    with world.sessions() as db:
        for notice in maintenance.maintenance_notices(session=db, maintenance_id=maintenance_id):
            if notice.status != "draft":
                continue
            notices.update_notice(
                session=db,
                notice_id=notice.id,
                changes=NoticeUpdate(channels=["status_page", "in_app"]),
                by=crew.support_lead.id,
                now=world.clock(),
            )
            publishing.publish_notice(
                session=db,
                notice_id=notice.id,
                by=crew.support_lead.id,
                now=world.clock(),
                base_url="http://hikeshi.test",
                open_hours="11:00-23:00",
            )
            published.append(notice.id)
        db.commit()
    return published


@pytest.fixture
def web(world: Container) -> Iterator[TestClient]:
    """The app, its feed reading the comms version on every request (the clock moves between them)."""
    with feed_test_client(world) as client:
        yield client


def _feed(web: TestClient, **params: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = web.get(FEED, params=params).json()["notices"]
    return entries


def test_scheduling_drafts_the_advance_notice_with_the_times_in_japan(
    world: Container, crew: Crew, web: TestClient
) -> None:
    created = _schedule(web, world, crew)
    assert created["status"] == "scheduled"
    assert created["products"] == ["web-booking"]
    assert created["scheduled_for"] == "2026-12-07T17:00:00Z"
    [draft] = created["notices"]
    assert draft["status"] == "draft"
    assert draft["channels"] == ["status_page", "in_app", "email"]
    with world.sessions() as db:
        notice = notices.get_notice(session=db, notice_id=draft["id"])
        assert notice.kind == "maintenance"
        assert notice.title_ja == "【メンテナンスのお知らせ】Web 予約のデータベース更新"
        assert "2026年12月08日 02:00 〜 04:00（日本時間）" in notice.body_ja
        assert "この間、Web 予約をご利用いただけません。" in notice.body_ja
        assert notice.title_en == "Scheduled maintenance: Web booking database upgrade"
        assert "2026-12-08 02:00 to 04:00 JST" in notice.body_en
    # Nothing is public before a person publishes it.
    assert _feed(web) == []


def test_a_published_maintenance_follows_the_clock_in_the_feed(
    world: Container, crew: Crew, web: TestClient
) -> None:
    clock = world.clock
    assert isinstance(clock, FrozenClock)
    created = _schedule(web, world, crew)
    maintenance_id = created["id"]
    [announcement] = _publish_drafts(world, crew, maintenance_id)

    [entry] = _feed(web, store="T1")
    assert entry["id"] == announcement
    assert entry["kind"] == "maintenance"
    assert entry["level"] == "maintenance"
    assert entry["maintenance"] == {
        "status": "scheduled",
        "scheduled_for": "2026-12-07T17:00:00Z",
        "scheduled_until": "2026-12-07T19:00:00Z",
    }
    assert entry["url"].endswith(f"/status?lang=ja#m{maintenance_id}")
    assert _feed(web, store="M1") == []  # SMS only: not concerned
    etag = web.get(FEED, params={"store": "T1"}).headers["etag"]

    # The start: the timer writes the status, drafts "in progress" and counts a public change.
    with world.sessions() as db:
        version_before = changes.current_version(session=db)[0]
    clock.now = clock.now.replace(day=7, hour=17, minute=0)
    run_jobs(world)
    with world.sessions() as db:
        stored = db.get(Maintenance, maintenance_id)
        assert stored is not None
        assert stored.status == "in_progress"
        assert changes.current_version(session=db)[0] == version_before + 1
        drafts = [
            n
            for n in maintenance.maintenance_notices(session=db, maintenance_id=maintenance_id)
            if n.status == "draft"
        ]
        assert [n.title_ja for n in drafts] == ["【メンテナンス実施中】Web 予約のデータベース更新"]
        assert drafts[0].component_statuses == {str(stored.product_ids[0]): "under_maintenance"}
    moved = web.get(FEED, params={"store": "T1"}, headers={"If-None-Match": etag})
    assert moved.status_code == 200
    assert moved.json()["notices"][0]["maintenance"]["status"] == "in_progress"
    # The status page shows it running, the product under maintenance.
    summary = web.get("/api/v2/summary.json").json()
    assert [(m["name"], m["status"]) for m in summary["scheduled_maintenances"]] == [
        ("Web 予約のデータベース更新", "in_progress")
    ]
    [component] = [c for c in summary["components"] if c["name"] == "Web 予約"]
    assert component["status"] == "under_maintenance"
    assert web.get(f"{API}/{maintenance_id}", headers=bearer(world, crew.viewer)).status_code == 403
    assert (
        web.get(f"{API}/{maintenance_id}", headers=bearer(world, crew.support)).json()["status"]
        == "in_progress"
    )

    # Done early, checked, completed by a person: the "completed" notice is drafted.
    clock.advance(minutes=50)
    verified = web.post(f"{API}/{maintenance_id}/verify", headers=bearer(world, crew.engineer))
    assert verified.json()["status"] == "verifying"
    clock.advance(hours=2)  # past the scheduled end: verifying holds until someone says it is done
    assert (
        web.get(f"{API}/{maintenance_id}", headers=bearer(world, crew.engineer)).json()["status"]
        == "verifying"
    )
    done = web.post(f"{API}/{maintenance_id}/complete", headers=bearer(world, crew.engineer)).json()
    assert done["status"] == "completed"
    assert done["completed_at"] == "2026-12-07T19:50:00Z"
    assert [n["title_ja"] for n in done["notices"] if n["status"] == "draft"] == [
        "【メンテナンス実施中】Web 予約のデータベース更新",
        "【メンテナンス完了】Web 予約のデータベース更新",
    ]
    _publish_drafts(world, crew, maintenance_id)
    [entry] = _feed(web, store="T1")
    assert entry["title"] == "【メンテナンス完了】Web 予約のデータベース更新"
    assert entry["level"] == "resolved"
    assert len(entry["updates"]) == 2
    clock.advance(days=1, minutes=1)
    assert _feed(web, store="T1") == []


def test_the_clock_completes_a_maintenance_no_one_marked(
    world: Container, crew: Crew, web: TestClient
) -> None:
    clock = world.clock
    assert isinstance(clock, FrozenClock)
    maintenance_id = _schedule(web, world, crew)["id"]
    _publish_drafts(world, crew, maintenance_id)
    clock.now = clock.now.replace(day=8, hour=1)  # the worker was down at the start; it runs now
    run_jobs(world)
    with world.sessions() as db:
        stored = db.get(Maintenance, maintenance_id)
        assert stored is not None
        assert stored.status == "completed"
        assert stored.completed_at == stored.scheduled_until
        titles = [
            n.title_ja for n in maintenance.maintenance_notices(session=db, maintenance_id=maintenance_id)
        ]
        assert titles[-1] == "【メンテナンス完了】Web 予約のデータベース更新"
        assert "【メンテナンス実施中】Web 予約のデータベース更新" not in titles
    run_jobs(world)  # the second timer finds nothing to do: no second draft
    with world.sessions() as db:
        assert len(maintenance.maintenance_notices(session=db, maintenance_id=maintenance_id)) == len(titles)


def test_cancelling_takes_it_off_the_feed_and_discards_its_drafts(
    world: Container, crew: Crew, web: TestClient
) -> None:
    first = _schedule(web, world, crew)["id"]
    _publish_drafts(world, crew, first)
    second = _schedule(web, world, crew, title_ja="FAX 送信の設備更新", products=["fax"])
    assert len(_feed(web)) == 1

    cancelled = web.post(f"{API}/{first}/cancel", headers=bearer(world, crew.engineer)).json()
    assert cancelled["status"] == "cancelled"
    assert _feed(web) == []
    dropped = web.post(f"{API}/{second['id']}/cancel", headers=bearer(world, crew.admin)).json()
    assert [n["status"] for n in dropped["notices"]] == ["discarded"]
    again = web.post(f"{API}/{first}/cancel", headers=bearer(world, crew.engineer))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    listed = web.get(API, params={"status": "cancelled"}, headers=bearer(world, crew.sales)).json()
    assert sorted(item["id"] for item in listed) == sorted([first, second["id"]])


def test_rescheduling_an_announced_maintenance_drafts_a_notice_with_the_new_time(
    world: Container, crew: Crew, web: TestClient
) -> None:
    maintenance_id = _schedule(web, world, crew)["id"]
    _publish_drafts(world, crew, maintenance_id)
    moved = web.patch(
        f"{API}/{maintenance_id}",
        json={"scheduled_for": "2026-12-09T02:00", "scheduled_until": "2026-12-09T05:00"},
        headers=bearer(world, crew.engineer),
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["scheduled_for"] == "2026-12-08T17:00:00Z"  # a wall time in Japan
    [draft] = [n for n in moved.json()["notices"] if n["status"] == "draft"]
    with world.sessions() as db:
        assert (
            "2026年12月09日 02:00 〜 05:00（日本時間）"
            in notices.get_notice(session=db, notice_id=draft["id"]).body_ja
        )
    # The status page and the feed show the new time at once.
    assert _feed(web)[0]["maintenance"]["scheduled_for"] == "2026-12-08T17:00:00Z"


def test_bad_input_is_refused_with_the_field_named(world: Container, crew: Crew, web: TestClient) -> None:
    engineer = bearer(world, crew.engineer)
    backwards = web.post(API, json={**NEW, "scheduled_until": "2026-12-08T01:00:00+09:00"}, headers=engineer)
    assert backwards.status_code == 400
    assert backwards.json()["error"]["message"] == "scheduled_until: must be after scheduled_for"
    past = web.post(API, json={**NEW, "scheduled_for": "2026-11-30T02:00:00+09:00"}, headers=engineer)
    assert past.json()["error"]["message"] == "scheduled_for: must not be in the past"
    unknown = web.post(API, json={**NEW, "products": ["teleport"]}, headers=engineer)
    assert unknown.status_code == 400
    assert unknown.json()["error"]["message"] == "products: product 'teleport' does not exist"
    none = web.post(API, json={**NEW, "products": []}, headers=engineer)
    assert none.json()["error"]["message"].startswith("products:")
    region = web.post(API, json={**NEW, "regions": ["mars"]}, headers=engineer)
    assert region.status_code == 400
    blank = web.post(API, json={**NEW, "title_ja": "  "}, headers=engineer)
    assert blank.json()["error"]["message"] == "title_ja: the Japanese text is required"
    assert web.post(API, json=NEW, headers=bearer(world, crew.support)).status_code == 403
    assert web.get(f"{API}/999", headers=engineer).status_code == 404
    scheduled = _schedule(web, world, crew)
    early = web.post(f"{API}/{scheduled['id']}/complete", headers=engineer)
    assert early.status_code == 409
    assert "scheduled" in early.json()["error"]["message"]
    assert web.get(API, params={"status": "soon"}, headers=engineer).status_code == 400
    with world.sessions() as db:
        assert len(maintenance.list_maintenances(session=db, now=world.clock())) == 1
