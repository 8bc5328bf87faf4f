"""The call list in the browser and over the API: who may see it, recording outcomes in place, errors."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from hikeshi.bootstrap import Container
from hikeshi.incidents.models import Incident
from tests.integration.comms.conftest import SECRET_STORE_NAMES, Crew, bearer, declare
from tests.integration.comms.test_calls_list import publish
from tests.support.web import csrf_token, sign_in


def listed(world: Container, crew: Crew) -> Incident:
    incident = declare(world, crew, products=("web-booking",))
    publish(world, crew, incident)
    return incident


def call_ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'<tr id="call-(\d+)"', html)]


def test_support_sees_the_list_in_order_with_phones_and_progress(
    web: TestClient, world: Container, crew: Crew
) -> None:
    incident = listed(world, crew)
    sign_in(web, crew.support.email)
    page = web.get(f"/incidents/{incident.number}/calls", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    html = page.text
    assert len(call_ids(html)) == 3
    # Priority order: T2, T1 (Tokyo opens first), then S1 in Singapore.
    table = html[html.index('id="calls"') :]
    positions = [table.index(name) for name in ("居酒屋たなか", SECRET_STORE_NAMES[0], SECRET_STORE_NAMES[1])]
    assert positions == sorted(positions)
    assert 'href="tel:+81-3-0000-0000"' in html
    assert "09:00 JST" in html
    assert "08:00 +08" in html
    assert '<progress value="0" max="3">' in html
    assert page.headers["cache-control"] == "no-store"


def test_sales_records_an_outcome_in_place_with_htmx(web: TestClient, world: Container, crew: Crew) -> None:
    incident = listed(world, crew)
    sign_in(web, crew.sales.email)
    mine = web.get(f"/incidents/{incident.number}/calls?mine=1")
    assert SECRET_STORE_NAMES[0] in mine.text
    assert "居酒屋たなか" not in mine.text
    [call_id] = call_ids(mine.text)

    answer = web.post(
        f"/incidents/{incident.number}/calls/{call_id}",
        data={"outcome": "reached", "notes": "店長に説明済み"},
        headers={"HX-Request": "true", "X-CSRF-Token": csrf_token(web)},
    )
    assert answer.status_code == 200
    # The row comes back (to replace itself) with the outcome, and the progress card out of band.
    assert answer.text.lstrip().startswith("<tr") or f'id="call-{call_id}"' in answer.text
    assert "店長に説明済み" in answer.text
    assert 'hx-swap-oob="true"' in answer.text
    assert '<progress value="1" max="3">' in answer.text

    again = web.get(f"/incidents/{incident.number}/calls?state=reached")
    assert call_ids(again.text) == [call_id]


def test_a_plain_form_post_comes_back_to_the_list(web: TestClient, world: Container, crew: Crew) -> None:
    incident = listed(world, crew)
    sign_in(web, crew.support.email)
    call_id = call_ids(web.get(f"/incidents/{incident.number}/calls").text)[0]
    answer = web.post(
        f"/incidents/{incident.number}/calls/{call_id}",
        data={"outcome": "no_answer", "csrf_token": csrf_token(web)},
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/incidents/{incident.number}/calls#call-{call_id}"
    bad = web.post(
        f"/incidents/{incident.number}/calls/{call_id}",
        data={"outcome": "busy", "csrf_token": csrf_token(web)},
    )
    assert bad.status_code == 400
    assert (
        '<p class="notice error" role="alert">outcome: 「busy」' in bad.text
    )  # in the support person's language


def test_reassign_from_the_page(web: TestClient, world: Container, crew: Crew) -> None:
    incident = listed(world, crew)
    sign_in(web, crew.support_lead.email)
    call_id = call_ids(web.get(f"/incidents/{incident.number}/calls").text)[0]
    answer = web.post(
        f"/incidents/{incident.number}/calls/{call_id}",
        data={"assignee": str(crew.sales.id)},
        headers={"HX-Request": "true", "X-CSRF-Token": csrf_token(web)},
    )
    assert answer.status_code == 200
    assert f'<option value="{crew.sales.id}" selected>{crew.sales.name}</option>' in answer.text


def test_a_viewer_cannot_open_the_list_nor_record(web: TestClient, world: Container, crew: Crew) -> None:
    incident = listed(world, crew)
    sign_in(web, crew.viewer.email)
    assert web.get(f"/incidents/{incident.number}/calls").status_code == 403
    call_id = 1
    token = csrf_token(web)
    refused = web.post(
        f"/incidents/{incident.number}/calls/{call_id}", data={"outcome": "reached", "csrf_token": token}
    )
    assert refused.status_code == 403


def test_the_incident_page_shows_the_progress_with_a_link(
    web: TestClient, world: Container, crew: Crew
) -> None:
    incident = listed(world, crew)
    sign_in(web, crew.support.email)
    call_id = call_ids(web.get(f"/incidents/{incident.number}/calls").text)[0]
    web.post(
        f"/incidents/{incident.number}/calls/{call_id}",
        data={"outcome": "reached"},
        headers={"HX-Request": "true", "X-CSRF-Token": csrf_token(web)},
    )
    panel = web.get(f"/incidents/{incident.number}/comms-panel", headers={"HX-Request": "true"})
    assert panel.status_code == 200
    assert f'<a href="/incidents/{incident.number}/calls">' in panel.text
    assert "3 店舗中 1 店舗に架電済み" in panel.text  # the support person reads Japanese


def test_api_lists_filters_and_changes_calls(web: TestClient, world: Container, crew: Crew) -> None:
    incident = listed(world, crew)
    headers = bearer(world, crew.sales)
    answer = web.get(f"/api/v1/incidents/{incident.number}/calls", headers=headers)
    assert answer.status_code == 200
    body = answer.json()
    assert [call["store_external_id"] for call in body["calls"]] == ["T2", "T1", "S1"]
    assert body["progress"] == {
        "total": 3,
        "to_call": 3,
        "called": 0,
        "reached": 0,
        "voicemail": 0,
        "no_answer": 0,
        "wrong_number": 0,
    }
    mine = web.get(f"/api/v1/incidents/{incident.number}/calls?mine=true", headers=headers).json()
    [t1] = mine["calls"]
    assert (t1["store_external_id"], t1["assignee_id"], t1["open_now"]) == ("T1", crew.sales.id, False)

    changed = web.patch(
        f"/api/v1/calls/{t1['id']}",
        json={"outcome": "wrong_number", "notes": "番号が変わった"},
        headers=headers,
    )
    assert changed.status_code == 200
    assert (changed.json()["outcome"], changed.json()["attempts"], changed.json()["called_by_id"]) == (
        "wrong_number",
        1,
        crew.sales.id,
    )
    unassigned = web.patch(f"/api/v1/calls/{t1['id']}", json={"assignee_id": None}, headers=headers).json()
    assert (unassigned["assignee_id"], unassigned["outcome"]) == (None, "wrong_number")
    called = web.get(f"/api/v1/incidents/{incident.number}/calls?state=called", headers=headers).json()
    assert [call["id"] for call in called["calls"]] == [t1["id"]]


def test_api_errors_are_4xx_naming_the_field(web: TestClient, world: Container, crew: Crew) -> None:
    incident = listed(world, crew)
    headers = bearer(world, crew.support)
    call_id = web.get(f"/api/v1/incidents/{incident.number}/calls", headers=headers).json()["calls"][0]["id"]

    def error(response: object) -> tuple[int, str, str]:
        assert hasattr(response, "json")
        body = response.json()["error"]  # type: ignore[attr-defined]
        return response.status_code, body["code"], body["message"]  # type: ignore[attr-defined]

    status, code, message = error(
        web.patch(f"/api/v1/calls/{call_id}", json={"outcome": "busy"}, headers=headers)
    )
    assert (status, code) == (400, "invalid_input")
    assert message.startswith("outcome: 'busy'")
    status, code, message = error(
        web.patch(f"/api/v1/calls/{call_id}", json={"assignee_id": crew.viewer.id}, headers=headers)
    )
    assert (status, code) == (400, "invalid_input")
    assert "assignee_id" in message
    status, code, _ = error(web.patch("/api/v1/calls/987654", json={"outcome": "reached"}, headers=headers))
    assert (status, code) == (404, "not_found")
    status, code, _ = error(web.get("/api/v1/incidents/9999/calls", headers=headers))
    assert status == 404
    status, code, message = error(
        web.get(f"/api/v1/incidents/{incident.number}/calls?state=done", headers=headers)
    )
    assert status == 400
    assert message.startswith("state: 'done'")
    assert web.patch(f"/api/v1/calls/{call_id}", json={"colour": "red"}, headers=headers).status_code == 422
    assert web.get(f"/api/v1/incidents/{incident.number}/calls?limit=0", headers=headers).status_code == 422
    viewer = bearer(world, crew.viewer)
    assert web.get(f"/api/v1/incidents/{incident.number}/calls", headers=viewer).status_code == 403
    assert (
        web.patch(f"/api/v1/calls/{call_id}", json={"outcome": "reached"}, headers=viewer).status_code == 403
    )
