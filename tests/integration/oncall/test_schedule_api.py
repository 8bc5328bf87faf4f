"""The on-call JSON API as a client uses it: who is on call now, shifts with gaps, CRUD, bad input, roles."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from hikeshi.bootstrap import Container
from tests.support.clock import FrozenClock
from tests.support.schedules import Crew
from tests.support.web import People


def bearer(container: Container, crew_member: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {People(container).token(crew_member)}"}


def names(shift: dict[str, Any]) -> list[str]:
    return [person["name"] for person in shift["users"]]


def test_now_says_who_until_when_and_who_is_next(
    schedule_client: TestClient, schedule_container: Container, schedule_crew: Crew
) -> None:
    answer = schedule_client.get(
        "/api/v1/oncall/now", headers=bearer(schedule_container, schedule_crew.support)
    )
    assert answer.status_code == 200, answer.text
    [platform] = answer.json()
    assert platform["schedule"] == "Platform"
    assert [person["name"] for person in platform["users"]] == ["Sato"]
    assert platform["until"] == "2026-12-02T10:00:00Z"  # 19:00 in Tokyo, when the nights layer starts
    assert platform["gap"] is False
    assert names(platform["next"]) == ["Emily"]


def test_shifts_of_a_window_follow_layers_and_restrictions(
    schedule_client: TestClient, schedule_container: Container, schedule_crew: Crew
) -> None:
    answer = schedule_client.get(
        f"/api/v1/oncall/schedules/{schedule_crew.schedule_id}/shifts",
        params={"start": "2026-12-04T00:00", "end": "2026-12-08T00:00+09:00"},  # naive: HIKESHI_TIMEZONE
        headers=bearer(schedule_container, schedule_crew.support),
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [(shift["start"], names(shift)) for shift in body["shifts"]] == [
        ("2026-12-03T15:00:00Z", ["Emily"]),  # Thursday night until Friday 09:00
        ("2026-12-04T00:00:00Z", ["Sato"]),
        ("2026-12-04T10:00:00Z", ["Emily"]),  # Friday night, into Saturday 09:00
        ("2026-12-05T00:00:00Z", ["Sato"]),  # the weekend and Sunday night: the primary
        ("2026-12-07T01:00:00Z", ["Suzuki"]),  # Monday 10:00 handoff
        ("2026-12-07T10:00:00Z", ["Emily"]),
    ]
    assert body["gaps"] == []


def test_a_restricted_layer_alone_shows_its_gaps(
    schedule_client: TestClient, schedule_container: Container, schedule_crew: Crew
) -> None:
    headers = bearer(schedule_container, schedule_crew.admin)
    created = schedule_client.post(
        "/api/v1/oncall/schedules",
        json={"name": "Office hours", "timezone": "Europe/London"},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    schedule_id = created.json()["id"]
    rotation = schedule_client.post(
        f"/api/v1/oncall/schedules/{schedule_id}/rotations",
        json={
            "name": "Day desk",
            "kind": "custom",
            "shift_hours": 12,
            "timezone": "Europe/London",
            "start_date": "2026-11-30",
            "handoff_time": "08:00",
            "member_ids": [schedule_crew.sato.id, schedule_crew.suzuki.id],
            "restrictions": ["mon-fri 09:00-17:00"],
        },
        headers=headers,
    )
    assert rotation.status_code == 201, rotation.text
    assert rotation.json()["restrictions"][0] == {"weekday": 0, "start_time": "09:00", "end_time": "17:00"}
    shifts = schedule_client.get(
        f"/api/v1/oncall/schedules/{schedule_id}/shifts",
        params={"start": "2026-12-07T00:00Z", "end": "2026-12-08T00:00Z"},
        headers=headers,
    ).json()
    assert [(shift["start"], shift["end"], shift["gap"]) for shift in shifts["shifts"]] == [
        ("2026-12-07T00:00:00Z", "2026-12-07T09:00:00Z", True),
        ("2026-12-07T09:00:00Z", "2026-12-07T17:00:00Z", False),
        ("2026-12-07T17:00:00Z", "2026-12-08T00:00:00Z", True),
    ]
    assert len(shifts["gaps"]) == 2
    now = schedule_client.get("/api/v1/oncall/now", headers=headers).json()
    office = next(item for item in now if item["schedule"] == "Office hours")
    assert office["gap"] is True  # Wednesday 03:00 in London
    assert office["users"] == []


def test_overrides_replace_and_add_through_the_api(
    schedule_client: TestClient, schedule_container: Container, schedule_crew: Crew
) -> None:
    headers = bearer(schedule_container, schedule_crew.sato)
    base = f"/api/v1/oncall/schedules/{schedule_crew.schedule_id}"
    replaced = schedule_client.post(
        f"{base}/overrides",
        json={
            "kind": "replace",
            "user_id": schedule_crew.takahashi.id,
            "replaced_user_id": schedule_crew.sato.id,
            "starts_at": "2026-12-02T13:00",
            "ends_at": "2026-12-02T15:00",
            "reason": "通院",
        },
        headers=headers,
    )
    assert replaced.status_code == 201, replaced.text
    assert replaced.json()["created_by_id"] == schedule_crew.sato.id
    assert replaced.json()["starts_at"] == "2026-12-02T04:00:00Z"
    added = schedule_client.post(
        f"{base}/overrides",
        json={
            "kind": "add",
            "user_id": schedule_crew.suzuki.id,
            "starts_at": "2026-12-02T14:00+09:00",
            "ends_at": "2026-12-02T16:00+09:00",
        },
        headers=headers,
    )
    assert added.status_code == 201, added.text
    who = schedule_client.get(f"{base}/who", params={"at": "2026-12-02T14:30"}, headers=headers).json()
    assert [person["name"] for person in who] == ["Takahashi", "Suzuki"]
    deleted = schedule_client.delete(f"{base}/overrides/{replaced.json()['id']}", headers=headers)
    assert deleted.status_code == 204
    who = schedule_client.get(f"{base}/who", params={"at": "2026-12-02T14:30"}, headers=headers).json()
    assert [person["name"] for person in who] == ["Sato", "Suzuki"]


def test_editing_a_rotation_changes_who_is_on_call(
    schedule_client: TestClient, schedule_container: Container, schedule_crew: Crew
) -> None:
    headers = bearer(schedule_container, schedule_crew.admin)
    schedule = schedule_client.get(
        f"/api/v1/oncall/schedules/{schedule_crew.schedule_id}", headers=headers
    ).json()
    primary = next(rotation for rotation in schedule["rotations"] if rotation["name"] == "Primary")
    changed = schedule_client.put(
        f"/api/v1/oncall/rotations/{primary['id']}",
        json={**primary, "member_ids": [schedule_crew.takahashi.id, schedule_crew.sato.id]},
        headers=headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["member_ids"] == [schedule_crew.takahashi.id, schedule_crew.sato.id]
    who = schedule_client.get(
        f"/api/v1/oncall/schedules/{schedule_crew.schedule_id}/who", headers=headers
    ).json()
    assert [person["name"] for person in who] == ["Takahashi"]


def test_bad_input_is_a_4xx_naming_the_field(
    schedule_client: TestClient, schedule_container: Container, schedule_crew: Crew
) -> None:
    headers = bearer(schedule_container, schedule_crew.admin)
    zone = schedule_client.post(
        "/api/v1/oncall/schedules", json={"name": "X", "timezone": "Tokyo"}, headers=headers
    )
    assert zone.status_code == 400
    assert zone.json()["error"]["code"] == "invalid_input"
    assert "timezone" in zone.json()["error"]["message"]
    clash = schedule_client.post("/api/v1/oncall/schedules", json={"name": "Platform"}, headers=headers)
    assert clash.status_code == 409
    rotation = schedule_client.post(
        f"/api/v1/oncall/schedules/{schedule_crew.schedule_id}/rotations",
        json={"name": "R", "start_date": "2026-12-01", "member_ids": [9999], "handoff_time": "9am"},
        headers=headers,
    )
    assert rotation.status_code == 400
    assert "members" in rotation.json()["error"]["message"]
    backwards = schedule_client.get(
        f"/api/v1/oncall/schedules/{schedule_crew.schedule_id}/shifts",
        params={"start": "2026-12-08T00:00", "end": "2026-12-01T00:00"},
        headers=headers,
    )
    assert backwards.status_code == 400
    assert "end" in backwards.json()["error"]["message"]
    garbage = schedule_client.get(
        f"/api/v1/oncall/schedules/{schedule_crew.schedule_id}/who",
        params={"at": "tomorrow"},
        headers=headers,
    )
    assert garbage.status_code == 400
    assert "at" in garbage.json()["error"]["message"]
    for far in ("0001-01-01T00:00", "9999-12-31T23:59Z"):
        beyond = schedule_client.get(
            f"/api/v1/oncall/schedules/{schedule_crew.schedule_id}/who", params={"at": far}, headers=headers
        )
        assert beyond.status_code == 400, beyond.text
        assert beyond.json()["error"]["message"].startswith("at: ")
    missing = schedule_client.get("/api/v1/oncall/schedules/999", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_staff_read_and_only_admins_and_engineers_change(
    schedule_client: TestClient, schedule_container: Container, schedule_crew: Crew
) -> None:
    support = bearer(schedule_container, schedule_crew.support)
    assert schedule_client.get("/api/v1/oncall/schedules", headers=support).status_code == 200
    refused = schedule_client.post("/api/v1/oncall/schedules", json={"name": "Mine"}, headers=support)
    assert refused.status_code == 403
    viewer = bearer(schedule_container, schedule_crew.viewer)
    assert schedule_client.get("/api/v1/oncall/now", headers=viewer).status_code == 403
    assert schedule_client.get("/api/v1/oncall/now").status_code == 401


def test_now_across_the_los_angeles_spring_change_with_a_moving_clock(
    schedule_client: TestClient,
    schedule_container: Container,
    schedule_crew: Crew,
    schedule_clock: FrozenClock,
) -> None:
    headers = bearer(schedule_container, schedule_crew.emily)
    created = schedule_client.post(
        "/api/v1/oncall/schedules", json={"name": "West", "timezone": "America/Los_Angeles"}, headers=headers
    )
    west = created.json()["id"]
    schedule_client.post(
        f"/api/v1/oncall/schedules/{west}/rotations",
        json={
            "name": "Daily",
            "kind": "daily",
            "timezone": "America/Los_Angeles",
            "start_date": "2026-03-01",
            "handoff_time": "09:00",
            "member_ids": [schedule_crew.emily.id, schedule_crew.sato.id],
        },
        headers=headers,
    )
    schedule_clock.now = datetime(2026, 3, 7, 18, 0, tzinfo=UTC)  # Saturday 10:00 PST
    before = next(
        item
        for item in schedule_client.get("/api/v1/oncall/now", headers=headers).json()
        if item["schedule_id"] == west
    )
    assert [person["name"] for person in before["users"]] == ["Emily"]  # turn 6 of Emily, Sato
    assert before["until"] == "2026-03-08T16:00:00Z"  # Sunday 09:00 PDT: a 23-hour day
    schedule_clock.now = datetime(2026, 3, 8, 16, 0, tzinfo=UTC)
    after = next(
        item
        for item in schedule_client.get("/api/v1/oncall/now", headers=headers).json()
        if item["schedule_id"] == west
    )
    assert [person["name"] for person in after["users"]] == ["Sato"]
    assert after["until"] == "2026-03-09T16:00:00Z"


def test_now_across_the_london_autumn_change_with_a_moving_clock(
    schedule_client: TestClient,
    schedule_container: Container,
    schedule_crew: Crew,
    schedule_clock: FrozenClock,
) -> None:
    headers = bearer(schedule_container, schedule_crew.emily)
    created = schedule_client.post(
        "/api/v1/oncall/schedules", json={"name": "London", "timezone": "Europe/London"}, headers=headers
    )
    london = created.json()["id"]
    added = schedule_client.post(
        f"/api/v1/oncall/schedules/{london}/rotations",
        json={
            "name": "Weekly",
            "kind": "weekly",
            "timezone": "Europe/London",
            "start_date": "2026-10-19",
            "handoff_time": "09:00",
            "member_ids": [schedule_crew.emily.id, schedule_crew.sato.id],
        },
        headers=headers,
    )
    assert added.status_code == 201, added.text

    def now_on_london() -> dict[str, Any]:
        answers = schedule_client.get("/api/v1/oncall/now", headers=headers).json()
        return next(item for item in answers if item["schedule_id"] == london)

    schedule_clock.now = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # Sunday 01:30 BST, before the change
    before = now_on_london()
    assert names(before) == ["Emily"]
    assert before["until"] == "2026-10-26T09:00:00Z"  # Monday 09:00 GMT: her week lasts 169 hours
    schedule_clock.now = datetime(2026, 10, 26, 8, 30, tzinfo=UTC)  # 08:30 GMT: still Emily
    assert names(now_on_london()) == ["Emily"]
    schedule_clock.now = datetime(2026, 10, 26, 9, 0, tzinfo=UTC)
    after = now_on_london()
    assert names(after) == ["Sato"]
    assert after["until"] == "2026-11-02T09:00:00Z"
    assert names(after["next"]) == ["Emily"]
