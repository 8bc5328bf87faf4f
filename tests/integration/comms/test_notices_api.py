"""`/api/v1/notices` and `/api/v1/incidents/{number}/notices` as an API client uses them."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from hikeshi.bootstrap import Container
from tests.integration.comms.conftest import SECRET_STORE_NAMES, Crew, bearer, declare


def test_draft_edit_preview_publish_and_read_with_history(
    world: Container, crew: Crew, web: TestClient
) -> None:
    incident = declare(world, crew)
    engineer, lead = bearer(world, crew.engineer), bearer(world, crew.support_lead)
    created = web.post(
        f"/api/v1/incidents/{incident.number}/notices", json={"kind": "first"}, headers=engineer
    )
    assert created.status_code == 201, created.text
    notice = created.json()
    assert (notice["status"], notice["incident_number"]) == ("draft", incident.number)
    assert [entry["action"] for entry in notice["history"]] == ["drafted"]

    edited = web.patch(
        f"/api/v1/notices/{notice['id']}",
        json={"channels": ["status_page", "in_app", "email"], "public_status": "identified"},
        headers=engineer,
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["channels"] == ["status_page", "in_app", "email"]

    preview = web.get(f"/api/v1/notices/{notice['id']}/preview", headers=engineer)
    assert preview.status_code == 200, preview.text
    shown = preview.json()
    assert shown["status_page"]["ja"]["name"] == notice["title_ja"]
    assert shown["status_page"]["en"]["status"] == "identified"
    assert shown["in_app"]["en"]["title"] == notice["title_en"]
    assert {mail["language"] for mail in shown["email"]} == {"ja", "en"}
    assert notice["title_ja"] in next(m["subject"] for m in shown["email"] if m["language"] == "ja")
    dumped = str(shown)
    for secret in (*SECRET_STORE_NAMES, incident.title):
        assert secret not in dumped

    refused = web.post(f"/api/v1/notices/{notice['id']}/publish", headers=engineer)
    assert refused.status_code == 403
    assert "support team lead" in refused.json()["error"]["message"]
    published = web.post(f"/api/v1/notices/{notice['id']}/publish", headers=lead)
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published"
    assert published.json()["approved_by_id"] == crew.support_lead.id
    again = web.post(f"/api/v1/notices/{notice['id']}/publish", headers=lead)
    assert again.status_code == 409
    assert (
        web.patch(f"/api/v1/notices/{notice['id']}", json={"title_ja": "x"}, headers=lead).status_code == 409
    )

    read = web.get(f"/api/v1/notices/{notice['id']}", headers=bearer(world, crew.sales)).json()
    assert [entry["action"] for entry in read["history"]] == ["drafted", "edited", "published"]
    listed = web.get(f"/api/v1/notices?incident={incident.number}", headers=engineer).json()
    assert [row["id"] for row in listed] == [notice["id"]]


def test_drafts_awaiting_approval_are_listed_first(world: Container, crew: Crew, web: TestClient) -> None:
    incident = declare(world, crew)
    lead = bearer(world, crew.support_lead)
    first = web.post(
        f"/api/v1/incidents/{incident.number}/notices",
        json={"kind": "first", "channels": ["in_app"]},
        headers=lead,
    ).json()
    web.post(f"/api/v1/notices/{first['id']}/publish", headers=lead)
    update = web.post(
        f"/api/v1/incidents/{incident.number}/notices", json={"kind": "update"}, headers=lead
    ).json()
    other = web.post(
        f"/api/v1/incidents/{incident.number}/notices", json={"kind": "update"}, headers=lead
    ).json()
    discarded = web.post(f"/api/v1/notices/{other['id']}/discard", json={"reason": "重複"}, headers=lead)
    assert discarded.json()["status"] == "discarded"
    listed = web.get("/api/v1/notices", headers=lead).json()
    assert listed[0]["id"] == update["id"]
    assert [row["id"] for row in web.get("/api/v1/notices?status=draft", headers=lead).json()] == [
        update["id"]
    ]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "named"),
    [
        ("post", "/api/v1/incidents/{n}/notices", {"kind": "apology"}, 400, "kind"),
        ("post", "/api/v1/incidents/{n}/notices", {"kind": "first", "channels": ["fax"]}, 400, "channels"),
        ("post", "/api/v1/incidents/{n}/notices", {"kind": "first", "title_ja": " "}, 400, "title_ja"),
        ("post", "/api/v1/incidents/{n}/notices", {"kind": "first", "impact": "big"}, 400, "impact"),
        ("post", "/api/v1/incidents/999/notices", {"kind": "first"}, 404, "incident #999"),
        ("get", "/api/v1/notices/424242", None, 404, "notice 424242"),
        ("get", "/api/v1/notices?status=sent", None, 400, "status"),
        ("get", "/api/v1/notices?incident=77", None, 404, "incident #77"),
        ("post", "/api/v1/notices/{id}/discard", {"reason": ""}, 400, "reason"),
    ],
)
def test_bad_requests_are_4xx_naming_the_field(
    world: Container,
    crew: Crew,
    web: TestClient,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    status: int,
    named: str,
) -> None:
    incident = declare(world, crew)
    headers = bearer(world, crew.support)
    notice = web.post(f"/api/v1/incidents/{incident.number}/notices", json={"kind": "first"}, headers=headers)
    url = path.format(n=incident.number, id=notice.json()["id"])
    answer = web.request(method, url, json=body, headers=headers)
    assert answer.status_code == status, answer.text
    assert named in answer.json()["error"]["message"]


def test_only_staff_use_the_notices_api(world: Container, crew: Crew, web: TestClient) -> None:
    incident = declare(world, crew)
    viewer = bearer(world, crew.viewer)
    assert web.get("/api/v1/notices", headers=viewer).status_code == 403
    assert (
        web.post(
            f"/api/v1/incidents/{incident.number}/notices", json={"kind": "first"}, headers=viewer
        ).status_code
        == 403
    )
    assert web.get("/api/v1/notices").status_code == 401
    answer = web.post(
        f"/api/v1/incidents/{incident.number}/notices", json={"kind": 5}, headers=bearer(world, crew.sales)
    )
    assert answer.status_code == 422
    assert "error" in answer.json()
    assert web.get("/api/v1/notices/99999999999", headers=bearer(world, crew.sales)).status_code == 422
