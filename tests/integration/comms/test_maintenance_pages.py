"""The /notices/maintenance pages as a browser uses them: schedule, read its notices, complete, cancel."""

from __future__ import annotations

from fastapi.testclient import TestClient

from hikeshi.bootstrap import Container
from tests.integration.comms.conftest import Crew
from tests.support.catalog import run_jobs
from tests.support.clock import FrozenClock
from tests.support.web import csrf_token, sign_in

FORM = {
    "title_ja": "予約台帳アプリのサーバー移行",
    "title_en": "Ledger app server move",
    "body_ja": "移行中はアプリが読み取り専用になります。",
    "scheduled_for": "2026-12-10T01:00",  # wall times in the engineer's zone (Japan)
    "scheduled_until": "2026-12-10T03:00",
    "products": ["ipad-app"],
    "regions": ["jp"],
}


def test_an_engineer_schedules_a_maintenance_and_sees_its_draft(
    world: Container, crew: Crew, web: TestClient
) -> None:
    sign_in(web, crew.engineer.email)
    page = web.get("/notices/maintenance")
    assert page.status_code == 200
    assert 'action="/notices/maintenance"' in page.text
    assert "日本時間" in page.text or "Asia/Tokyo" in page.text

    created = web.post("/notices/maintenance", data={**FORM, "csrf_token": csrf_token(web)})
    assert created.status_code == 303
    detail = web.get(created.headers["location"])
    assert detail.status_code == 200
    assert "予約台帳アプリのサーバー移行" in detail.text
    assert "2026-12-10 01:00 JST" in detail.text
    assert "【メンテナンスのお知らせ】予約台帳アプリのサーバー移行" in detail.text
    assert 'href="/notices/1"' in detail.text
    assert "/notices/maintenance/1/cancel" in detail.text  # scheduled: it can be called off
    assert "/notices/maintenance/1/complete" not in detail.text

    listed = web.get("/notices/maintenance")
    assert 'href="/notices/maintenance/1"' in listed.text
    # The notices' pages lead back to it.
    assert 'href="/notices/maintenance/1"' in web.get("/notices/1").text
    notices_page = web.get("/notices").text
    assert 'href="/notices/maintenance/1"' in notices_page
    assert 'href="/notices/maintenance"' in notices_page

    # It starts (the timer runs), then the engineer marks it completed from the page.
    clock = world.clock
    assert isinstance(clock, FrozenClock)
    clock.now = clock.now.replace(day=9, hour=16, minute=30)
    run_jobs(world)
    sign_in(web, crew.engineer.email)  # nine days later: a new session
    running = web.get("/notices/maintenance/1")
    assert "【メンテナンス実施中】予約台帳アプリのサーバー移行" in running.text
    done = web.post("/notices/maintenance/1/complete", data={"csrf_token": csrf_token(web)})
    assert done.status_code == 303
    assert "/notices/maintenance/1/complete" not in web.get("/notices/maintenance/1").text


def test_bad_times_show_the_form_again_with_the_problem(
    world: Container, crew: Crew, web: TestClient
) -> None:
    sign_in(web, crew.engineer.email)
    answer = web.post(
        "/notices/maintenance",
        data={**FORM, "scheduled_until": "2026-12-09T23:00", "csrf_token": csrf_token(web)},
    )
    assert answer.status_code == 400
    assert 'role="alert"' in answer.text
    assert 'value="予約台帳アプリのサーバー移行"' in answer.text  # what was typed is kept
    unknown = web.post("/notices/maintenance/999/cancel", data={"csrf_token": csrf_token(web)})
    assert unknown.status_code == 404


def test_support_reads_but_cannot_schedule(world: Container, crew: Crew, web: TestClient) -> None:
    sign_in(web, crew.support.email)
    page = web.get("/notices/maintenance")
    assert page.status_code == 200
    assert 'action="/notices/maintenance"' not in page.text
    refused = web.post("/notices/maintenance", data={**FORM, "csrf_token": csrf_token(web)})
    assert refused.status_code == 403
