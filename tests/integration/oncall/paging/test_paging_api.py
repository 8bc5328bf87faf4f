"""The paging API as a script would use it: policies, pages, acknowledgement, notification rules, metrics."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from hikeshi.accounts.service import find_user_by_email
from hikeshi.bootstrap import Container
from hikeshi.catalog.service import create_product
from hikeshi.jobs.worker import Worker
from hikeshi.web.app import create_app
from tests.integration.delivery.conftest import Fakes
from tests.support.clock import FrozenClock
from tests.support.paging import add_person
from tests.support.web import People


@pytest.fixture
def api(paging: Container) -> Iterator[TestClient]:
    with TestClient(create_app(paging), raise_server_exceptions=False) as client:
        yield client


def _bearer(paging: Container, email: str) -> dict[str, str]:
    people = People(paging)
    with paging.sessions() as db:
        user = find_user_by_email(session=db, email=email)
        assert user is not None
    return {"Authorization": f"Bearer {people.token(user)}"}


@pytest.fixture
def engineer(paging: Container) -> dict[str, str]:
    add_person(paging, "sato@example.jp", phone="+819011110001")
    add_person(paging, "suzuki@example.jp", phone="+819011110002")
    with paging.sessions() as db:
        create_product(
            session=db, slug="web-booking", name_ja="Web 予約", name_en="Web booking", now=paging.clock()
        )
        db.commit()
    return _bearer(paging, "sato@example.jp")


POLICY = {
    "name": "Web 予約",
    "products": ["web-booking"],
    "repeat_count": 1,
    "steps": [
        {"delay_minutes": 5, "targets": ["user:sato@example.jp"]},
        {"delay_minutes": 10, "targets": ["user:suzuki@example.jp"]},
    ],
}


def test_policies_are_created_read_replaced_and_deleted(api: TestClient, engineer: dict[str, str]) -> None:
    created = api.post("/api/v1/escalation-policies", json=POLICY, headers=engineer)
    assert created.status_code == 201, created.text
    policy = created.json()
    assert policy["products"] == ["web-booking"]
    assert [[t["name"] for t in step["targets"]] for step in policy["steps"]] == [["Sato"], ["Suzuki"]]
    replaced = api.put(
        f"/api/v1/escalation-policies/{policy['id']}",
        json={**POLICY, "steps": [{"delay_minutes": 3, "targets": ["user:suzuki@example.jp"]}]},
        headers=engineer,
    )
    assert replaced.json()["steps"][0]["delay_minutes"] == 3
    listed = api.get("/api/v1/escalation-policies", headers=engineer).json()
    assert [p["name"] for p in listed] == ["Web 予約"]
    assert api.delete(f"/api/v1/escalation-policies/{policy['id']}", headers=engineer).status_code == 204
    assert api.get(f"/api/v1/escalation-policies/{policy['id']}", headers=engineer).status_code == 404


def test_bad_policies_are_refused_with_the_field_named(api: TestClient, engineer: dict[str, str]) -> None:
    unknown = {**POLICY, "steps": [{"delay_minutes": 5, "targets": ["user:nobody@example.jp"]}]}
    answer = api.post("/api/v1/escalation-policies", json=unknown, headers=engineer)
    assert answer.status_code == 404
    assert "nobody@example.jp" in answer.json()["error"]["message"]
    no_steps = api.post("/api/v1/escalation-policies", json={**POLICY, "steps": []}, headers=engineer)
    assert no_steps.status_code in (400, 422)
    assert "error" in no_steps.json()
    api.post("/api/v1/escalation-policies", json=POLICY, headers=engineer)
    again = api.post("/api/v1/escalation-policies", json=POLICY, headers=engineer)
    assert again.status_code == 409


def test_support_pages_a_product_and_an_engineer_acknowledges_through_the_api(
    api: TestClient, engineer: dict[str, str], paging: Container, worker: Worker, fakes: Fakes
) -> None:
    api.post("/api/v1/escalation-policies", json=POLICY, headers=engineer)
    People(paging).add("yamada@example.jp", "support")
    support = _bearer(paging, "yamada@example.jp")
    started = api.post(
        "/api/v1/pages",
        json={"service": "web-booking", "message": "予約が入らないとお店から"},
        headers=support,
    )
    assert started.status_code == 201, started.text
    page = started.json()
    assert (page["status"], page["requested_by_name"]) == ("triggered", "Yamada")
    worker.run_once()
    assert [sms.to for sms in fakes.sms.sent] == ["+819011110001"]
    # Support may page but not acknowledge: that is the responders' job.
    assert api.post(f"/api/v1/pages/{page['id']}/acknowledge", headers=support).status_code == 403
    acked = api.post(f"/api/v1/pages/{page['id']}/acknowledge", headers=engineer)
    assert acked.json()["status"] == "acknowledged"
    assert acked.json()["time_to_acknowledge_seconds"] == 0
    assert [event["kind"] for event in acked.json()["events"]][-1] == "acknowledged"
    resolved = api.post(f"/api/v1/pages/{page['id']}/resolve", headers=engineer)
    assert resolved.json()["status"] == "resolved"
    assert api.get("/api/v1/pages?status=resolved", headers=support).json()[0]["id"] == page["id"]


def test_paging_an_unknown_service_names_the_ones_that_exist(
    api: TestClient, engineer: dict[str, str]
) -> None:
    api.post("/api/v1/escalation-policies", json=POLICY, headers=engineer)
    answer = api.post("/api/v1/pages", json={"service": "fax", "message": "送れない"}, headers=engineer)
    assert answer.status_code == 404
    assert "web-booking" in answer.json()["error"]["message"]


def test_my_notification_rules_are_kept_per_urgency(
    api: TestClient, engineer: dict[str, str], paging: Container
) -> None:
    with paging.sessions() as db:
        user = find_user_by_email(session=db, email="sato@example.jp")
        assert user is not None
        methods = [m.id for m in user.contact_methods]
    saved = api.put(
        "/api/v1/me/notification-rules",
        json={"urgency": "low", "rules": [{"contact_method_id": methods[0], "delay_minutes": 15}]},
        headers=engineer,
    )
    assert saved.status_code == 200, saved.text
    assert (
        api.get("/api/v1/me/notification-rules?urgency=low", headers=engineer).json()[0]["delay_minutes"]
        == 15
    )
    assert api.get("/api/v1/me/notification-rules?urgency=high", headers=engineer).json() == []
    foreign = api.put(
        "/api/v1/me/notification-rules",
        json={"urgency": "high", "rules": [{"contact_method_id": 99999, "delay_minutes": 0}]},
        headers=engineer,
    )
    assert foreign.status_code == 404
    bad = api.put("/api/v1/me/notification-rules", json={"urgency": "urgent", "rules": []}, headers=engineer)
    assert bad.status_code == 400
    assert "urgency" in bad.json()["error"]["message"]


def test_metrics_count_pages_night_pages_and_time_to_acknowledge(
    api: TestClient, engineer: dict[str, str], paging: Container, worker: Worker, clock: FrozenClock
) -> None:
    api.post("/api/v1/escalation-policies", json=POLICY, headers=engineer)
    # 2026-12-01 00:00 UTC is 09:00 in Tokyo: a day page, acknowledged after 2 minutes.
    day = api.post("/api/v1/pages", json={"service": "web-booking", "message": "昼"}, headers=engineer).json()
    worker.run_once()
    clock.advance(minutes=2)
    api.post(f"/api/v1/pages/{day['id']}/acknowledge", headers=engineer)
    # 15:00 UTC is midnight in Tokyo: a night page, acknowledged after 6 minutes (step 2 reached Suzuki).
    clock.advance(hours=15)
    night = api.post(
        "/api/v1/pages", json={"service": "web-booking", "message": "夜"}, headers=engineer
    ).json()
    worker.run_once()
    clock.advance(minutes=6)
    worker.run_once()
    api.post(f"/api/v1/pages/{night['id']}/acknowledge", headers=engineer)
    report = api.get(
        "/api/v1/oncall/metrics",
        params={"since": "2026-12-01T00:00:00+09:00", "until": "2026-12-03T00:00:00+09:00"},
        headers=engineer,
    ).json()
    assert (report["pages"], report["acknowledged"], report["night_pages"]) == (2, 2, 1)
    assert (report["tta_p50_seconds"], report["tta_p95_seconds"]) == (120, 360)
    people = {person["name"]: person for person in report["people"]}
    assert (people["Sato"]["pages"], people["Sato"]["night_pages"], people["Sato"]["acknowledged"]) == (
        2,
        1,
        2,
    )
    assert (people["Suzuki"]["pages"], people["Suzuki"]["night_pages"]) == (1, 1)
    naive = api.get(
        "/api/v1/oncall/metrics",
        params={"since": "2026-12-01T00:00", "until": "2026-12-02T00:00"},
        headers=engineer,
    )
    assert naive.status_code == 400
