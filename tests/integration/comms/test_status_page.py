"""The public status page over HTTP: what customers read, in Japanese and English, and its caching."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from hikeshi.bootstrap import Container
from hikeshi.comms.models import Notice
from tests.integration.comms.conftest import Crew, declare
from tests.support.comms import product_ids, publish_through_service

JA_OPERATIONAL = "すべてのシステムが正常に稼働しています"


def publish(world: Container, crew: Crew, incident_id: int, **fields: object) -> Notice:
    with world.sessions() as db:
        notice = publish_through_service(
            db, by=crew.support_lead.id, now=world.clock(), incident_id=incident_id, **fields
        )
        db.commit()
        db.refresh(notice)
        db.expunge(notice)
        return notice


def outage(world: Container, crew: Crew) -> tuple[int, Notice]:
    """A declared web-booking incident with a first notice on the status page (partial outage)."""
    incident = declare(world, crew)
    with world.sessions() as db:
        [booking] = product_ids(db, "web-booking")
    notice = publish(
        world,
        crew,
        incident.id,
        title_ja="Web 予約がご利用いただけない状態です",
        title_en="Web booking is unavailable",
        body_ja="現在、Web 予約がご利用いただけません。",
        body_en="Web booking is currently unavailable.",
        public_status="investigating",
        impact="major",
        component_statuses={str(booking): "partial_outage"},
    )
    return incident.id, notice


def test_a_quiet_day_is_all_operational_in_japanese_without_the_app_around_it(
    world: Container, crew: Crew, web: TestClient
) -> None:
    response = web.get("/status")
    assert response.status_code == 200
    page = response.text
    assert JA_OPERATIONAL in page
    assert '<html lang="ja">' in page
    for name in ("予約台帳アプリ (iPad)", "Web 予約", "SMS 送信"):
        assert name in page
    assert page.count('class="bar status-operational"') == 7 * 90
    assert "正常" in page  # the status in words, not colour alone
    assert "/status/assets/status.css" in page
    assert "/static/hikeshi.css" not in page
    assert "/login" not in page
    assert 'href="/status/feed.atom?lang=ja"' in page
    assert response.headers["cache-control"] == "public, max-age=30"
    assert response.headers["etag"].startswith('W/"status-')
    assert "set-cookie" not in response.headers  # shared caches may keep it: no cookie for anyone
    css = web.get("/status/assets/status.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")


def test_an_incident_shows_its_component_status_updates_and_headline(
    world: Container, crew: Crew, web: TestClient
) -> None:
    incident_id, first = outage(world, crew)
    world.clock.advance(minutes=20)  # type: ignore[attr-defined]
    publish(
        world,
        crew,
        incident_id,
        kind="update",
        title_ja="Web 予約の障害: 原因を特定しました",
        title_en="Web booking outage: cause identified",
        body_ja="原因を特定し、修正を進めています。",
        body_en="We found the cause and are fixing it.",
        public_status="identified",
    )
    page = web.get("/status").text
    assert "一部のシステムで障害が発生しています" in page
    assert "Web 予約の障害: 原因を特定しました" in page  # the latest title names the incident
    assert "原因を特定し、修正を進めています。" in page
    assert "現在、Web 予約がご利用いただけません。" in page
    assert "原因特定" in page
    assert "部分的な障害" in page
    assert "2026/12/01 09:00 JST" in page  # the first update, in Japan's time
    assert f'href="/status/incidents/n{first.id}?lang=ja"' in page

    english = web.get("/status?lang=en")
    assert "Partial System Outage" in english.text
    assert "Web booking outage: cause identified" in english.text
    assert "Dec 1, 2026 09:00 JST (UTC+09:00)" in english.text
    detail = web.get(f"/status/incidents/n{first.id}")  # the cookie remembers English
    assert detail.status_code == 200
    assert "We found the cause and are fixing it." in detail.text
    assert "Web booking is currently unavailable." in detail.text
    assert detail.text.index("cause identified") < detail.text.index("currently unavailable")


def test_resolving_brings_the_page_back_and_lists_the_incident_as_resolved(
    world: Container, crew: Crew, web: TestClient
) -> None:
    incident_id, first = outage(world, crew)
    world.clock.advance(hours=1)  # type: ignore[attr-defined]
    publish(
        world,
        crew,
        incident_id,
        kind="resolved",
        title_ja="Web 予約は復旧しました",
        title_en="Web booking has recovered",
        body_ja="復旧しました。",
        body_en="It has recovered.",
        public_status="resolved",
    )
    page = web.get("/status").text
    assert JA_OPERATIONAL in page
    assert "過去 7 日間に解決した障害" in page
    assert "Web 予約は復旧しました" in page
    # Today's bar of web booking remembers the outage.
    assert page.count('class="bar status-partial_outage"') == 1
    summary = web.get("/api/v2/summary.json").json()
    assert summary["incidents"] == []
    listed = web.get("/api/v2/incidents.json").json()["incidents"]
    assert [incident["id"] for incident in listed] == [f"n{first.id}"]
    assert listed[0]["status"] == "resolved"
    assert listed[0]["resolved_at"] is not None


def test_english_comes_from_the_browser_and_the_switch_is_remembered(
    world: Container, crew: Crew, web: TestClient
) -> None:
    english = web.get("/status", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="en">' in english.text
    assert "All Systems Operational" in english.text
    assert "Web booking" in english.text
    assert english.headers["content-language"] == "en"
    assert 'href="/status?lang=ja"' in english.text  # the visible switch back
    switched = web.get("/status?lang=en")
    assert "hikeshi_status_lang" in switched.headers["set-cookie"]
    again = web.get("/status", headers={"Accept-Language": "ja"})
    assert "All Systems Operational" in again.text  # the remembered choice beats the browser
    back = web.get("/status?lang=ja")
    assert JA_OPERATIONAL in back.text


def test_an_unchanged_page_answers_304_and_a_published_notice_changes_it(
    world: Container, crew: Crew, web: TestClient
) -> None:
    first = web.get("/status")
    etag = first.headers["etag"]
    again = web.get("/status", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    outage(world, crew)
    changed = web.get("/status", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    world.clock.advance(days=1)  # type: ignore[attr-defined]
    next_day = web.get("/status", headers={"If-None-Match": changed.headers["etag"]})
    assert next_day.status_code == 200  # the bars moved on by a day


def test_unknown_or_unpublished_incidents_are_not_found(
    world: Container, crew: Crew, web: TestClient
) -> None:
    incident = declare(world, crew)
    with world.sessions() as db:
        from hikeshi.comms import notices

        draft = notices.create_notice(
            session=db,
            incident_id=incident.id,
            maintenance_id=None,
            kind="first",
            by=crew.support_lead.id,
            now=world.clock(),
            channels=["status_page"],
        )
        db.commit()
        draft_id = draft.id
    for public_id in (f"n{draft_id}", "n999999", "x1", "n" + "9" * 40):
        response = web.get(f"/status/incidents/{public_id}")
        assert response.status_code == 404, public_id
    assert "draft" not in web.get("/status").text


def test_maintenance_shows_while_scheduled_and_in_progress(
    world: Container, crew: Crew, web: TestClient
) -> None:
    from hikeshi.comms import maintenance

    now = world.clock()
    with world.sessions() as db:
        work = maintenance.schedule_maintenance(
            session=db,
            fields=maintenance.MaintenanceFields(
                title_ja="SMS 送信基盤のメンテナンス",
                title_en="SMS platform maintenance",
                body_ja="SMS の送信が一時的に遅れます。",
                body_en="SMS may be delayed for a while.",
                products=["sms"],
                scheduled_for=now + timedelta(hours=2),
                scheduled_until=now + timedelta(hours=3),
            ),
            by=crew.admin.id,
            now=now,
        )
        db.commit()
        work_id = work.id
    assert "SMS 送信基盤のメンテナンス" not in web.get("/status").text  # nothing published yet
    with world.sessions() as db:
        [announcement] = maintenance.maintenance_notices(session=db, maintenance_id=work_id)
        from hikeshi.comms import publishing

        publishing.publish_notice(
            session=db,
            notice_id=announcement.id,
            by=crew.admin.id,
            now=now,
            base_url="https://status.example.com",
            open_hours="11:00-23:00",
        )
        db.commit()
    page = web.get("/status").text
    assert "予定されているメンテナンス" in page
    assert "SMS 送信基盤のメンテナンス" in page
    assert JA_OPERATIONAL in page
    world.clock.advance(hours=2, minutes=30)  # type: ignore[attr-defined]
    running = web.get("/status?lang=en").text
    assert "Service Under Maintenance" in running
    assert "Under maintenance" in running
    assert web.get("/api/v2/scheduled-maintenances.json").json()["scheduled_maintenances"][0]["status"] == (
        "in_progress"
    )
    world.clock.advance(hours=1)  # type: ignore[attr-defined]
    after = web.get("/status?lang=en").text
    assert "SMS platform maintenance" in after  # its day on the bar's tooltip
    assert "Service Under Maintenance" not in after
