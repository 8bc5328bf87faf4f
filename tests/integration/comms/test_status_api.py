"""The status page's JSON in Statuspage's shapes (reference/protocols.md §7), and its Atom feed."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from hikeshi.bootstrap import Container
from tests.integration.comms.conftest import Crew
from tests.integration.comms.test_status_page import outage, publish

PAGE_FIELDS = {"id", "name", "url", "time_zone", "updated_at"}
COMPONENT_FIELDS = {
    "id",
    "name",
    "status",
    "created_at",
    "updated_at",
    "position",
    "description",
    "group_id",
    "only_show_if_degraded",
}
INCIDENT_FIELDS = {
    "id",
    "name",
    "status",
    "impact",
    "created_at",
    "updated_at",
    "monitoring_at",
    "resolved_at",
    "shortlink",
    "components",
    "incident_updates",
}
UPDATE_FIELDS = {"id", "incident_id", "status", "body", "created_at", "display_at"}
COMPONENT_STATUSES = {
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
}
ATOM = "{http://www.w3.org/2005/Atom}"


def _timestamps(document: dict[str, object], *names: str) -> None:
    for name in names:
        value = document[name]
        if value is not None:
            assert isinstance(value, str)
            assert datetime.fromisoformat(value).utcoffset() == timedelta(hours=9), name


def test_status_json_is_page_and_indicator(world: Container, crew: Crew, web: TestClient) -> None:
    response = web.get("/api/v2/status.json", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"page", "status"}
    assert set(body["page"]) == PAGE_FIELDS
    assert body["page"]["name"] == "Service status"
    assert body["page"]["url"] == "http://testserver/status"
    assert body["page"]["time_zone"] == "Asia/Tokyo"
    assert body["status"] == {"indicator": "none", "description": "All Systems Operational"}
    japanese = web.get("/api/v2/status.json").json()
    assert japanese["status"]["description"] == "すべてのシステムが正常に稼働しています"
    assert japanese["page"]["name"] == "サービス稼働状況"


def test_summary_lists_components_unresolved_incidents_and_maintenance(
    world: Container, crew: Crew, web: TestClient
) -> None:
    _, first = outage(world, crew)
    body = web.get("/api/v2/summary.json?lang=en").json()
    assert set(body) == {"page", "status", "components", "incidents", "scheduled_maintenances"}
    assert body["status"] == {"indicator": "major", "description": "Partial System Outage"}
    components = body["components"]
    assert [c["id"] for c in components] == [
        "ipad-app",
        "store-web",
        "web-booking",
        "email",
        "fax",
        "sms",
        "partner-api",
    ]
    for component in components:
        assert set(component) >= COMPONENT_FIELDS
        assert component["status"] in COMPONENT_STATUSES
        _timestamps(component, "created_at", "updated_at")
    booking = next(c for c in components if c["id"] == "web-booking")
    assert booking == {**booking, "name": "Web booking", "status": "partial_outage", "position": 2}
    [incident] = body["incidents"]
    assert set(incident) >= INCIDENT_FIELDS
    assert incident["id"] == f"n{first.id}"
    assert incident["name"] == "Web booking is unavailable"
    assert incident["status"] == "investigating"
    assert incident["impact"] == "major"
    assert incident["shortlink"] == f"http://testserver/status/incidents/n{first.id}"
    assert [c["id"] for c in incident["components"]] == ["web-booking"]
    _timestamps(incident, "created_at", "updated_at", "monitoring_at", "resolved_at")
    [update] = incident["incident_updates"]
    assert set(update) >= UPDATE_FIELDS
    assert update["incident_id"] == incident["id"]
    assert update["body"] == "Web booking is currently unavailable."
    assert body["scheduled_maintenances"] == []


def test_incident_lists_follow_the_incident_to_resolution(
    world: Container, crew: Crew, web: TestClient
) -> None:
    incident_id, first = outage(world, crew)
    world.clock.advance(minutes=30)  # type: ignore[attr-defined]
    publish(world, crew, incident_id, kind="update", public_status="monitoring")
    unresolved = web.get("/api/v2/incidents/unresolved.json").json()
    assert set(unresolved) == {"page", "incidents"}
    assert [i["status"] for i in unresolved["incidents"]] == ["monitoring"]
    assert unresolved["incidents"][0]["monitoring_at"] is not None
    assert len(unresolved["incidents"][0]["incident_updates"]) == 2
    world.clock.advance(minutes=30)  # type: ignore[attr-defined]
    publish(world, crew, incident_id, kind="resolved", public_status="resolved")
    assert web.get("/api/v2/incidents/unresolved.json").json()["incidents"] == []
    [listed] = web.get("/api/v2/incidents.json").json()["incidents"]
    assert listed["id"] == f"n{first.id}"
    assert listed["status"] == "resolved"
    assert [u["status"] for u in listed["incident_updates"]] == ["resolved", "monitoring", "investigating"]
    components = web.get("/api/v2/components.json").json()
    assert {c["status"] for c in components["components"]} == {"operational"}
    assert web.get("/api/v2/status.json").json()["status"]["indicator"] == "none"


def test_json_answers_304_when_nothing_changed_and_allows_any_origin(
    world: Container, crew: Crew, web: TestClient
) -> None:
    first = web.get("/api/v2/summary.json")
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, max-age=30"
    again = web.get("/api/v2/summary.json", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["access-control-allow-origin"] == "*"
    other = web.get("/api/v2/status.json")
    assert other.headers["etag"] != etag  # each document its own tag
    outage(world, crew)
    assert web.get("/api/v2/summary.json", headers={"If-None-Match": etag}).status_code == 200


def test_atom_feed_is_valid_with_one_entry_per_update(world: Container, crew: Crew, web: TestClient) -> None:
    incident_id, first = outage(world, crew)
    world.clock.advance(minutes=10)  # type: ignore[attr-defined]
    publish(world, crew, incident_id, kind="update", public_status="identified", body_en="Cause found.")
    response = web.get("/status/feed.atom?lang=en")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    feed = ET.fromstring(response.content)  # noqa: S314 - our own feed
    assert feed.tag == f"{ATOM}feed"
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    for name in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{name}") is not None, name
    assert feed.findtext(f"{ATOM}title") == "Service status"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 2
    for entry in entries:
        for name in ("id", "title", "updated", "content"):
            assert entry.find(f"{ATOM}{name}") is not None, name
        link = entry.find(f"{ATOM}link")
        assert link is not None
        assert link.get("href") == f"http://testserver/status/incidents/n{first.id}?lang=en"
    newest = entries[0]
    assert newest.findtext(f"{ATOM}title", "").endswith("Identified")
    assert "Cause found." in newest.findtext(f"{ATOM}content", "")
    assert len({entry.findtext(f"{ATOM}id") for entry in entries}) == 2
    japanese = ET.fromstring(web.get("/status/feed.atom").content)  # noqa: S314
    assert japanese.findtext(f"{ATOM}title") == "サービス稼働状況"
    titles = [entry.findtext(f"{ATOM}title", "") for entry in japanese.findall(f"{ATOM}entry")]
    assert titles[-1] == "Web 予約がご利用いただけない状態です — 調査中"
