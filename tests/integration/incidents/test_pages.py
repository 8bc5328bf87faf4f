"""The incident pages as people use them: the list, the declare form, the war room and its forms, the
live part that answers "unchanged" cheaply, and the role checks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fastapi.testclient import TestClient

from hikeshi.bootstrap import Container
from tests.integration.incidents.conftest import Crew
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
