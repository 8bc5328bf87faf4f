"""The incidents JSON API with role checks: engineers change, support adds notes, viewers only read."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from hikeshi.bootstrap import Container
from tests.integration.incidents.conftest import Crew, bearer
from tests.support.clock import FrozenClock


def test_declare_change_and_resolve_through_the_api(world: Container, crew: Crew, web: TestClient) -> None:
    engineer = bearer(world, crew.engineer)
    made = web.post(
        "/api/v1/incidents",
        json={"title": "Web 予約が使えない", "products": ["web-booking"], "severity": "SEV1"},
        headers=engineer,
    )
    assert made.status_code == 201, made.text
    number = made.json()["number"]
    assert (made.json()["status"], made.json()["allowed_transitions"]) == (
        "triage",
        ["investigating", "identified", "dismissed"],
    )
    moved = web.post(f"/api/v1/incidents/{number}/status", json={"status": "investigating"}, headers=engineer)
    assert moved.status_code == 200, moved.text
    assert [task["runbook_key"] for task in moved.json()["tasks"]] == [
        "hotfix",
        "similar_inquiries",
        "contact_stores",
    ]

    refused = web.post(f"/api/v1/incidents/{number}/status", json={"status": "resolved"}, headers=engineer)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "conflict"
    assert "recovery action" in refused.json()["error"]["message"]

    action = web.post(
        f"/api/v1/incidents/{number}/recovery-actions",
        json={"kind": "scale_up", "description": "API サーバーを 4 台から 8 台に"},
        headers=engineer,
    )
    assert action.status_code == 201, action.text
    done = web.post(f"/api/v1/incidents/{number}/status", json={"status": "resolved"}, headers=engineer)
    assert done.json()["status"] == "resolved"
    listed = web.get("/api/v1/incidents", params={"state": "resolved"}, headers=engineer).json()
    assert [incident["number"] for incident in listed] == [number]
    assert web.get("/api/v1/incidents", params={"state": "open"}, headers=engineer).json() == []


def test_roles_decide_who_changes_and_who_adds(world: Container, crew: Crew, web: TestClient) -> None:
    number = web.post(
        "/api/v1/incidents",
        json={"title": "FAX が送れない", "declare": True},
        headers=bearer(world, crew.engineer),
    ).json()["number"]
    viewer, support, sales = (
        bearer(world, crew.viewer),
        bearer(world, crew.support),
        bearer(world, crew.sales),
    )

    assert web.get(f"/api/v1/incidents/{number}", headers=viewer).status_code == 200
    for headers in (viewer, support):
        status = web.post(
            f"/api/v1/incidents/{number}/status", json={"status": "identified"}, headers=headers
        )
        assert status.status_code == 403
        assert status.json()["error"]["code"] == "permission_denied"
        assert (
            web.patch(f"/api/v1/incidents/{number}", json={"severity": "SEV1"}, headers=headers).status_code
            == 403
        )
    assert web.post("/api/v1/incidents", json={"title": "x"}, headers=support).status_code == 403
    assert (
        web.post(f"/api/v1/incidents/{number}/notes", json={"text": "x"}, headers=viewer).status_code == 403
    )

    note = web.post(
        f"/api/v1/incidents/{number}/notes", json={"text": "同様の問い合わせ 3 件"}, headers=support
    )
    assert note.status_code == 201, note.text
    task = web.post(
        f"/api/v1/incidents/{number}/tasks",
        json={"title": "担当店舗に電話", "role": "sales", "owner_id": crew.sales.id},
        headers=sales,
    )
    assert task.status_code == 201, task.text
    ticked = web.patch(
        f"/api/v1/incidents/{number}/tasks/{task.json()['id']}", json={"done": True}, headers=sales
    )
    assert ticked.json()["done_by_id"] == crew.sales.id
    detail = web.get(f"/api/v1/incidents/{number}", headers=viewer).json()
    kinds = [(event["kind"], event["actor_user_id"]) for event in detail["events"]]
    assert ("note", crew.support.id) in kinds
    assert ("task_done", crew.sales.id) in kinds


def test_bad_input_is_a_4xx_naming_the_field(world: Container, crew: Crew, web: TestClient) -> None:
    engineer = bearer(world, crew.engineer)
    cases = [
        ({"title": "x", "severity": "SEV9"}, 400, "severity"),
        ({"title": "   "}, 400, "title"),
        ({"title": "x", "products": ["nope"]}, 404, "nope"),
        ({"title": "x", "regions": ["mars"]}, 400, "regions"),
        ({"title": "x", "commander_id": 9999}, 404, "commander_id"),
    ]
    for body, code, named in cases:
        answer = web.post("/api/v1/incidents", json=body, headers=engineer)
        assert answer.status_code == code, (body, answer.text)
        assert named in answer.json()["error"]["message"]
    number = web.post("/api/v1/incidents", json={"title": "x"}, headers=engineer).json()["number"]
    dismiss = web.post(f"/api/v1/incidents/{number}/status", json={"status": "dismissed"}, headers=engineer)
    assert dismiss.status_code == 400
    assert "reason" in dismiss.json()["error"]["message"]
    wrong_kind = web.post(
        f"/api/v1/incidents/{number}/recovery-actions", json={"kind": "pray"}, headers=engineer
    )
    assert wrong_kind.status_code == 400
    assert web.get("/api/v1/incidents/999", headers=engineer).status_code == 404
    for body in (
        {"title": "x", "started_at": "2026-11-28T10:00:00"},  # no offset: which zone?
        {"title": "x", "commander_id": 99999999999999999999},
        {"title": "x", "alert_group_ids": [0]},
    ):
        answer = web.post("/api/v1/incidents", json=body, headers=engineer)
        assert 400 <= answer.status_code < 500, (body, answer.text)
        assert "error" in answer.json()
    assert web.get("/api/v1/incidents/99999999999999999999", headers=engineer).status_code in (400, 422)


def test_deploys_around_the_incident_are_on_its_timeline(
    world: Container, crew: Crew, web: TestClient, clock: FrozenClock
) -> None:
    from hikeshi.alerts import integrations

    with world.sessions() as db:
        _, key = integrations.create_integration(session=db, name="Deploys", kind="pagerduty", now=clock())
        db.commit()
    for minutes_ago, summary in ((60 * 5, "古いデプロイ"), (30, "予約 API v4.2.0 をデプロイ")):
        at = (clock() - timedelta(minutes=minutes_ago)).isoformat()
        change = {"routing_key": key, "payload": {"summary": summary, "source": "ci", "timestamp": at}}
        assert web.post("/v2/change/enqueue", json=change).status_code == 202
    engineer = bearer(world, crew.engineer)
    number = web.post("/api/v1/incidents", json={"title": "Web 予約が遅い"}, headers=engineer).json()[
        "number"
    ]
    detail = web.get(f"/api/v1/incidents/{number}", headers=engineer).json()
    assert [change["summary"] for change in detail["changes"]] == ["予約 API v4.2.0 をデプロイ"]


def test_paging_the_on_call_from_an_incident_through_the_api(
    world: Container, crew: Crew, web: TestClient
) -> None:
    from tests.support.paging import add_person, make_policy

    oncall = add_person(world, "oncall@example.jp", phone="+819012345678")
    make_policy(world, "Web booking", [(5, [oncall.id])], products=("web-booking",))
    engineer, sales = bearer(world, crew.engineer), bearer(world, crew.sales)
    number = web.post(
        "/api/v1/incidents",
        json={"title": "Web 予約が使えない", "products": ["web-booking"]},
        headers=engineer,
    ).json()["number"]

    paged = web.post(f"/api/v1/incidents/{number}/pages", json={}, headers=sales)  # the product's on-call

    assert paged.status_code == 201, paged.text
    [page] = paged.json()["pages"]
    assert (page["status"], page["urgency"], page["source_kind"]) == ("triggered", "high", "incident")
    [event] = [e for e in paged.json()["events"] if e["kind"] == "page_started"]
    assert (event["actor_user_id"], event["data"]["service"]) == (crew.sales.id, "web-booking")
    bad = web.post(f"/api/v1/incidents/{number}/pages", json={"urgency": "urgent"}, headers=sales)
    assert bad.status_code == 400
    assert bad.json()["error"]["message"].startswith("urgency:")
    resolved = web.post(
        f"/api/v1/incidents/{number}/status",
        json={"status": "dismissed", "reason": "誤検知"},
        headers=engineer,
    )
    assert resolved.status_code == 200
    closed = web.post(f"/api/v1/incidents/{number}/pages", json={}, headers=sales)
    assert closed.status_code == 409
