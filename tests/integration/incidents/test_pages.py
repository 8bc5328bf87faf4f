"""The incident pages as people use them: the list, the declare form, the war room and its forms, the
live part that answers "unchanged" cheaply, and the role checks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fastapi.testclient import TestClient

from hikeshi.bootstrap import Container
from tests.integration.incidents.conftest import Crew
from tests.support.clock import FrozenClock
from tests.support.web import csrf_token, sign_in


def _post(web: TestClient, path: str, data: Mapping[str, object]) -> Any:
    return web.post(path, data={**data, "csrf_token": csrf_token(web)})


def test_an_engineer_declares_works_and_resolves_an_incident_in_the_war_room(
    world: Container, crew: Crew, web: TestClient
) -> None:
    sign_in(web, crew.engineer.email)
    web.cookies.set("hikeshi_lang", "en")
    listing = web.get("/incidents", headers={"Accept-Language": "en"})
    assert listing.status_code == 200
    assert 'href="/incidents/new"' in listing.text
    declared = web.post(
        "/incidents",
        data={
            "title": "Web booking cannot be used",
            "severity": "SEV1",
            "products": ["web-booking"],
            "csrf_token": csrf_token(web),
        },
    )
    assert declared.status_code == 303, declared.text
    room_path = declared.headers["location"]
    room = web.get(room_path, headers={"Accept-Language": "en"})
    assert "Web booking cannot be used" in room.text
    assert 'name="status" value="investigating"' in room.text
    assert 'class="impact-japan">2<' in room.text

    assert _post(web, f"{room_path}/status", {"status": "investigating"}).status_code == 303
    room = web.get(room_path, headers={"Accept-Language": "en"})
    assert "Prepare the hotfix" in room.text
    assert "Check similar inquiries" in room.text
    assert "Contact the affected partners" not in room.text

    refused = web.post(
        f"{room_path}/status",
        data={"status": "resolved", "csrf_token": csrf_token(web)},
        headers={"Accept-Language": "en"},
    )
    assert refused.status_code == 409
    assert "record at least one recovery action" in refused.text

    fields = {
        "title": "Web booking cannot be used",
        "severity": "SEV2",
        "products": ["web-booking"],
        "hotfix_deployer_id": str(crew.engineer.id),
        "hotfix_planned_at": "2026-12-01T10:30",
        "override_stores_overseas": "0",
    }
    assert _post(web, f"{room_path}/fields", fields).status_code == 303
    room = web.get(room_path, headers={"Accept-Language": "en"})
    assert "SEV1 → SEV2" in room.text
    assert "Sato deploys the hotfix at 2026-12-01 10:30" in room.text  # the viewer's zone: Tokyo
    assert 'class="impact-overseas">0<' in room.text
    bad = web.post(
        f"{room_path}/fields",
        data={**fields, "override_stores_japan": "many", "csrf_token": csrf_token(web)},
        headers={"Accept-Language": "en"},
    )
    assert bad.status_code == 400
    assert "override_stores_japan" in bad.text

    recorded = _post(web, f"{room_path}/actions", {"kind": "hotfix", "description": "deployed v4.2.1"})
    assert recorded.status_code == 303
    assert _post(web, f"{room_path}/status", {"status": "resolved"}).status_code == 303
    room = web.get(room_path, headers={"Accept-Language": "en"})
    assert "incident-status-resolved" in room.text
    assert "deployed v4.2.1" in room.text
    assert "Reopen as Investigating" in room.text  # a resolved incident's only way on is back
    assert "Move to" not in room.text
    resolved_list = web.get("/incidents?state=resolved", headers={"Accept-Language": "en"})
    assert "Web booking cannot be used" in resolved_list.text


def test_the_live_part_answers_204_while_nothing_changed(
    world: Container, crew: Crew, web: TestClient
) -> None:
    sign_in(web, crew.engineer.email)
    _post(web, "/incidents", {"title": "SMS が送信されない", "products": ["sms"]})
    live = web.get("/incidents/1/live")
    assert live.status_code == 200
    fingerprint = re.search(r'data-fingerprint="([0-9a-f]+)"', live.text)
    assert fingerprint is not None
    same = web.get(f"/incidents/1/live?shown={fingerprint.group(1)}")
    assert same.status_code == 204
    assert web.get("/incidents/1/live", headers={"If-None-Match": live.headers["etag"]}).status_code == 204
    _post(web, "/incidents/1/notes", {"text": "店舗から 3 件の問い合わせ"})
    changed = web.get(f"/incidents/1/live?shown={fingerprint.group(1)}")
    assert changed.status_code == 200
    assert "店舗から 3 件の問い合わせ" in changed.text


def test_viewers_read_support_adds_notes_and_neither_changes_status(
    world: Container, crew: Crew, web: TestClient
) -> None:
    sign_in(web, crew.engineer.email)
    _post(web, "/incidents", {"title": "FAX が送れない", "products": ["fax"], "confirmed": "true"})
    web.cookies.clear()

    sign_in(web, crew.viewer.email)
    page = web.get("/incidents/1")
    assert page.status_code == 200
    assert "FAX が送れない" in page.text
    assert 'href="/incidents"' in web.get("/").text  # the navigation names the incidents
    assert 'action="/incidents/1/status"' not in page.text
    assert _post(web, "/incidents/1/status", {"status": "identified"}).status_code == 403
    assert _post(web, "/incidents/1/notes", {"text": "x"}).status_code == 403
    web.cookies.clear()

    sign_in(web, crew.support.email)
    assert _post(web, "/incidents/1/status", {"status": "identified"}).status_code == 403
    assert web.get("/incidents/new").status_code == 403
    assert _post(web, "/incidents/1/notes", {"text": "サポートで確認中"}).status_code == 303
    assert "サポートで確認中" in web.get("/incidents/1").text


def test_an_engineer_declares_from_an_inquiry_page(world: Container, crew: Crew, web: TestClient) -> None:
    sign_in(web, crew.support.email)
    logged = _post(
        web,
        "/inquiries",
        {"channel": "phone", "body": "FAX が送信できない\n朝から全件エラー", "product": "fax"},
    )
    inquiry_path = logged.headers["location"].split("?")[0]
    assert 'class="declare-incident"' not in web.get(inquiry_path).text  # support cannot declare
    web.cookies.clear()

    sign_in(web, crew.engineer.email)
    page = web.get(inquiry_path)
    assert 'class="declare-incident"' in page.text
    inquiry_id = inquiry_path.rsplit("/", 1)[1]
    declared = _post(web, "/incidents", {"inquiry": inquiry_id})
    assert declared.status_code == 303, declared.text
    room = web.get(declared.headers["location"])
    assert "#1 FAX が送信できない" in room.text
    assert f'href="/inquiries/{inquiry_id}"' in room.text


def test_the_alert_group_page_declares_an_incident_from_the_group(
    world: Container, crew: Crew, web: TestClient
) -> None:
    from tests.support.alerts import group_status, make_integration, raise_alert

    integration_id, _ = make_integration(world, product="web-booking")
    group_id = raise_alert(
        world, integration_id, "Web 予約 API の 5xx が急増", product="web-booking"
    ).group_id
    sign_in(web, crew.engineer.email)
    group_page = web.get(f"/alerts/groups/{group_id}")
    assert 'class="declare-incident"' in group_page.text
    declared = _post(web, "/incidents", {"alert_group": str(group_id)})
    assert declared.status_code == 303, declared.text
    room = web.get(declared.headers["location"])
    assert "Web 予約 API の 5xx が急増" in room.text
    assert f'href="/alerts/groups/{group_id}"' in room.text
    assert group_status(world, group_id) == "acknowledged"


def test_declaring_again_from_an_alert_group_joins_the_open_incident(
    world: Container, crew: Crew, web: TestClient
) -> None:
    from tests.support.alerts import make_integration, raise_alert

    integration_id, _ = make_integration(world, product="sms")
    group_id = raise_alert(world, integration_id, "SMS の送信失敗率 100%", product="sms").group_id
    sign_in(web, crew.engineer.email)
    first = _post(web, "/incidents", {"alert_group": str(group_id)})
    assert first.status_code == 303
    web.cookies.set("hikeshi_lang", "en")

    again = _post(web, "/incidents", {"alert_group": str(group_id)})  # a colleague's second click

    assert again.status_code == 303
    assert again.headers["location"] == first.headers["location"] + "?already=1"
    room = web.get(again.headers["location"], headers={"Accept-Language": "en"})
    assert "already part of this open incident" in room.text
    listing = web.get("/incidents?state=all", headers={"Accept-Language": "en"})
    assert listing.text.count("SMS の送信失敗率 100%") == 1


def test_overdue_tasks_stand_out_on_the_war_room(
    world: Container, crew: Crew, web: TestClient, clock: FrozenClock
) -> None:
    sign_in(web, crew.engineer.email)
    web.cookies.set("hikeshi_lang", "en")
    _post(web, "/incidents", {"title": "FAX が送れない", "products": ["fax"], "confirmed": "true"})
    assert "overdue</span>" not in web.get("/incidents/1").text
    clock.advance(minutes=20)  # "check similar inquiries" was due 15 minutes after declaring

    room = web.get("/incidents/1", headers={"Accept-Language": "en"})

    assert '<span class="badge overdue">1 overdue</span>' in room.text
    overdue = re.search(r'<li class="task overdue"[^>]*>(.*?)</li>', room.text, re.S)
    assert overdue is not None
    assert "Check similar inquiries" in overdue.group(1)
    assert "Overdue" in overdue.group(1)


def test_support_and_sales_link_inquiries_and_work_the_checklist_in_the_war_room(
    world: Container, crew: Crew, web: TestClient
) -> None:
    sign_in(web, crew.support.email)
    inquiry_ids = []
    for body in (
        "SMS が届かないと店舗から電話",
        "予約確認の SMS が送られていない",
        "SMS のリマインドが来ない",
    ):
        logged = _post(web, "/inquiries", {"channel": "phone", "body": body, "product": "sms"})
        inquiry_ids.append(logged.headers["location"].split("?")[0].rsplit("/", 1)[1])
    web.cookies.clear()
    sign_in(web, crew.engineer.email)
    declared = _post(  # two inquiries at once, as a form with several checked does
        web, "/incidents", {"title": "SMS が送信されない", "inquiry": inquiry_ids[:2], "confirmed": "true"}
    )
    room_path = declared.headers["location"]
    web.cookies.clear()

    sign_in(web, crew.support.email)
    web.cookies.set("hikeshi_lang", "en")
    assert _post(web, f"{room_path}/inquiries", {"inquiry_id": f"#{inquiry_ids[2]}"}).status_code == 303
    refused = _post(web, f"{room_path}/inquiries", {"inquiry_id": "three"})
    assert refused.status_code == 400
    assert "inquiry_id" in refused.text
    web.cookies.clear()
    sign_in(web, crew.sales.email)
    added = _post(
        web,
        f"{room_path}/tasks",
        {"title": "担当店舗に電話", "role": "sales", "owner_id": str(crew.sales.id)},
    )
    assert added.status_code == 303
    room = web.get(room_path, headers={"Accept-Language": "en"})
    task_id = re.findall(r'id="task-(\d+)"', room.text)[-1]  # the newest task is the one just added
    assert "担当店舗に電話" in room.text.split(f'id="task-{task_id}"')[1].split("</li>")[0]
    assert _post(web, f"{room_path}/tasks/{task_id}", {"done": "true"}).status_code == 303

    room = web.get(room_path, headers={"Accept-Language": "en"})
    for inquiry_id in inquiry_ids:
        assert f'href="/inquiries/{inquiry_id}"' in room.text
    done = re.search(rf'<li class="task done" id="task-{task_id}">(.*?)</li>', room.text, re.S)
    assert done is not None
    assert "2026-12-01 09:00 に Kato が完了" in done.group(1)  # who and when
    assert 'action="/incidents/1/status"' not in room.text  # sales do not change the status


def test_out_of_range_incident_numbers_are_a_4xx_on_every_incident_page(
    world: Container, crew: Crew, web: TestClient
) -> None:
    sign_in(web, crew.viewer.email)
    for suffix in ("", "/live", "/announcement"):
        for number in ("99999999999", "0", "42"):
            answer = web.get(f"/incidents/{number}{suffix}")
            assert 400 <= answer.status_code < 500, (number, suffix, answer.status_code)


def test_support_pages_the_on_call_from_the_war_room_and_sees_the_page_in_flight(
    world: Container, crew: Crew, web: TestClient, clock: FrozenClock
) -> None:
    from tests.support.paging import add_person, make_policy, page_status

    oncall = add_person(world, "oncall@example.jp", phone="+819012345678")
    make_policy(world, "SMS", [(5, [oncall.id])], products=("sms",))
    make_policy(world, "FAX", [(5, [oncall.id])], products=("fax",))
    sign_in(web, crew.engineer.email)
    _post(web, "/incidents", {"title": "SMS が送信されない", "products": ["sms"], "confirmed": "true"})
    web.cookies.clear()
    sign_in(web, crew.support.email)
    web.cookies.set("hikeshi_lang", "en")

    room = web.get("/incidents/1", headers={"Accept-Language": "en"})
    assert '<option value="sms" selected>sms</option>' in room.text  # the incident's product by default
    paged = _post(web, "/incidents/1/page", {"service": "sms", "urgency": "high"})
    assert paged.status_code == 303

    room = web.get("/incidents/1", headers={"Accept-Language": "en"})
    pages = re.search(r'<section class="card" id="pages">(.*?)</section>', room.text, re.S)
    assert pages is not None
    page_id = re.search(r'href="/pages/(\d+)"', pages.group(1))
    assert page_id is not None
    assert 'page-status-triggered">Triggered<' in pages.group(1)  # the page's status in words
    web.cookies.set("hikeshi_lang", "ja")
    assert 'page-status-triggered">発生中<' in web.get("/incidents/1").text
    web.cookies.set("hikeshi_lang", "en")
    assert page_status(world, int(page_id.group(1))) == "triggered"
    assert f'<a href="/pages/{page_id.group(1)}">Page #{page_id.group(1)}</a> · sms' in room.text  # timeline

    unknown = web.post(
        "/incidents/1/page",
        data={"service": "nope", "csrf_token": csrf_token(web)},
        headers={"Accept-Language": "en"},
    )
    assert unknown.status_code == 404
    assert "try one of: fax, sms" in unknown.text
    web.cookies.clear()
    sign_in(web, crew.viewer.email)
    assert _post(web, "/incidents/1/page", {"service": "sms"}).status_code == 403
