"""The postmortems API as a client script uses it: read, edit, the gate, review, publish, Markdown."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from hikeshi.bootstrap import Container
from tests.integration.postmortems.conftest import Crew, bearer
from tests.support.catalog import run_jobs
from tests.support.clock import FrozenClock
from tests.support.postmortems import resolved_incident


def test_edit_gate_review_publish_and_markdown_through_the_api(
    world: Container, crew: Crew, web: TestClient, clock: FrozenClock
) -> None:
    incident = resolved_incident(world, by=crew.engineer.id, started_at=clock.now - timedelta(hours=2))
    run_jobs(world)
    writer, reviewer = bearer(world, crew.engineer), bearer(world, crew.reviewer)

    listed = web.get(f"/api/v1/postmortems?incident={incident.number}", headers=writer)
    assert listed.status_code == 200
    [row] = listed.json()
    assert (row["incident_number"], row["status"], row["owner_name"]) == (incident.number, "draft", "Sato")
    postmortem_id = row["id"]
    one = web.get(f"/api/v1/incidents/{incident.number}/postmortem", headers=writer).json()
    assert one["id"] == postmortem_id
    assert one["missing"] == ["cause", "prevention"]
    assert one["durations"] == {
        "start_to_detection": 7200,  # detected when declared, at resolution
        "detection_to_resolution": 0,
        "start_to_resolution": 7200,
    }
    assert "Web予約で予約が保存できない" in one["symptom_ja"]

    edited = web.patch(
        f"/api/v1/postmortems/{postmortem_id}",
        json={"cause_ja": "予約テーブルのロック待ち", "cause_en": "Lock waits", "version": 1},
        headers=writer,
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["version"], edited.json()["missing"]) == (2, ["prevention"])
    stale = web.patch(
        f"/api/v1/postmortems/{postmortem_id}", json={"cause_ja": "x", "version": 1}, headers=writer
    )
    assert stale.status_code == 409
    assert "changed since you read it" in stale.json()["error"]["message"]

    assert web.post(f"/api/v1/postmortems/{postmortem_id}/submit", headers=writer).status_code == 200
    refused = web.post(f"/api/v1/postmortems/{postmortem_id}/publish", headers=reviewer)
    assert refused.status_code == 409
    assert refused.json()["error"] == {
        "code": "postmortem_incomplete",
        "message": "The postmortem cannot be published until these are filled in: "
        "Prevention measures (at least one action item)",
    }

    item = web.post(
        f"/api/v1/postmortems/{postmortem_id}/action-items",
        json={"title": "ロック待ちの監視を追加する", "owner_id": crew.engineer.id, "due_on": "2026-11-30"},
        headers=writer,
    )
    assert item.status_code == 201, item.text
    assert {
        key: item.json()[key] for key in ("incident_number", "owner_name", "due_on", "status", "overdue")
    } == {
        "incident_number": incident.number,
        "owner_name": "Sato",
        "due_on": "2026-11-30",
        "status": "open",
        "overdue": True,  # due yesterday in Tokyo
    }

    own = web.post(f"/api/v1/postmortems/{postmortem_id}/publish", headers=writer)
    assert own.status_code == 409
    assert "Another person must review" in own.json()["error"]["message"]
    published = web.post(f"/api/v1/postmortems/{postmortem_id}/publish", headers=reviewer)
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published"
    markdown = web.get(f"/api/v1/postmortems/{postmortem_id}/markdown", headers=writer)
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert "予約テーブルのロック待ち" in markdown.text
    assert "Lock waits" in markdown.text  # English written: its section is published too
    assert f"/postmortems/{postmortem_id}" in markdown.text

    run_jobs(world)
    synced = web.get(f"/api/v1/postmortems/{postmortem_id}", headers=writer).json()
    assert synced["kb_kind"] == "folder"
    assert synced["kb_location"].endswith(f"incident-{incident.number}.md")
    reopened = web.post(f"/api/v1/postmortems/{postmortem_id}/reopen", headers=writer)
    assert reopened.json()["status"] == "draft"


def test_roles_and_bad_input(world: Container, crew: Crew, web: TestClient) -> None:
    incident = resolved_incident(world, by=crew.engineer.id)
    run_jobs(world)
    [row] = web.get("/api/v1/postmortems", headers=bearer(world, crew.support)).json()
    support, viewer, writer = (
        bearer(world, crew.support),
        bearer(world, crew.viewer),
        bearer(world, crew.engineer),
    )
    assert web.get(f"/api/v1/postmortems/{row['id']}", headers=support).status_code == 200
    assert (
        web.patch(f"/api/v1/postmortems/{row['id']}", json={"cause_ja": "x"}, headers=support).status_code
        == 403
    )
    assert web.get(f"/api/v1/postmortems/{row['id']}", headers=viewer).status_code == 403
    assert web.get("/api/v1/postmortems/999", headers=writer).status_code == 404
    assert (
        web.get("/api/v1/postmortems?status=lost", headers=writer).json()["error"]["code"] == "invalid_input"
    )
    bad_owner = web.post(
        f"/api/v1/postmortems/{row['id']}/action-items",
        json={"title": "x", "owner_id": 999, "due_on": "2026-12-10"},
        headers=writer,
    )
    assert bad_owner.status_code == 400
    assert "owner" in bad_owner.json()["error"]["message"]
    bad_day = web.post(
        f"/api/v1/postmortems/{row['id']}/action-items", json={"title": "x", "due_on": "soon"}, headers=writer
    )
    assert 400 <= bad_day.status_code < 500
    assert "due_on" in bad_day.json()["error"]["message"]
    too_long = web.patch(f"/api/v1/postmortems/{row['id']}", json={"cause_ja": "x" * 20_001}, headers=writer)
    assert 400 <= too_long.status_code < 500
    missing = web.get(f"/api/v1/incidents/{incident.number + 1}/postmortem", headers=writer)
    assert missing.status_code == 404
