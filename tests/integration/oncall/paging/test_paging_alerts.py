"""Alerts page through escalation policies: a critical alert on /v2/enqueue pages whoever is on call on
the integration's policy; acknowledging either the page or the alert group stops both."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient

from hikeshi.alerts import groups as alerts
from hikeshi.alerts import integrations
from hikeshi.bootstrap import Container
from hikeshi.jobs.worker import Worker
from hikeshi.oncall import editing, escalation
from hikeshi.oncall import paging as paging_service
from hikeshi.oncall.paging_rules import StepInput, TargetType
from hikeshi.web.app import create_app
from tests.integration.delivery.conftest import Fakes
from tests.support.clock import FrozenClock
from tests.support.paging import Person, ShownEvent, add_person, make_policy, page_status, shown_timeline
from tests.support.web import People, csrf_token, sign_in

LINK = re.compile(r"https://hikeshi\.example\.jp(/pages/ack/[A-Za-z0-9_.-]+)")


@pytest.fixture
def web(paging: Container) -> Iterator[TestClient]:
    app = create_app(paging)
    # HIKESHI_BASE_URL is https, so cookies are Secure: the browser speaks https too.
    with TestClient(
        app, base_url="https://testserver", raise_server_exceptions=False, follow_redirects=False
    ) as c:
        yield c


@pytest.fixture
def on_call(paging: Container) -> dict[str, Person]:
    """Sato is on call on the Primary schedule today; Suzuki is the second step of the policy."""
    sato = add_person(paging, "sato@example.jp", phone="+819011110001")
    suzuki = add_person(paging, "suzuki@example.jp", phone="+819011110002")
    with paging.sessions() as db:
        now = paging.clock()
        schedule = editing.create_schedule(session=db, name="Primary", timezone="Asia/Tokyo", now=now)
        editing.create_rotation(
            session=db,
            schedule_id=schedule.id,
            given=editing.RotationInput(
                name="Weekly",
                kind="weekly",
                timezone="Asia/Tokyo",
                start_date=date(2026, 11, 30),
                handoff_time="09:00",
                member_ids=[sato.id],
            ),
            now=now,
        )
        db.commit()
    return {"sato": sato, "suzuki": suzuki}


@pytest.fixture
def integration_key(paging: Container, on_call: dict[str, Person]) -> str:
    with paging.sessions() as db:
        schedule_id = escalation.resolve_target(session=db, value="schedule:Primary")[1]
        policy = escalation.create_policy(
            session=db,
            policy=escalation.PolicyInput(
                name="Web 予約",
                steps=[
                    StepInput(delay_minutes=5, targets=((TargetType.SCHEDULE, schedule_id),)),
                    StepInput(delay_minutes=5, targets=((TargetType.USER, on_call["suzuki"].id),)),
                ],
            ),
            now=paging.clock(),
        )
        _, key = integrations.create_integration(
            session=db,
            name="PagerDuty client",
            kind="pagerduty",
            escalation_policy_id=policy.id,
            now=paging.clock(),
        )
        db.commit()
        return key


def _trigger(web: TestClient, key: str, severity: str = "critical") -> str:
    event = {
        "routing_key": key,
        "event_action": "trigger",
        "dedup_key": f"web-1/{severity}",
        "payload": {"summary": f"Web 予約 API 5xx ({severity})", "source": "web-1", "severity": severity},
    }
    answer = web.post("/v2/enqueue", json=event)
    assert answer.status_code == 202, answer.text
    return str(answer.json()["dedup_key"])


def _only_page(paging: Container) -> int:
    with paging.sessions() as db:
        [page] = paging_service.list_pages(session=db)
        return page.id


def _group_id(paging: Container, page_id: int) -> int:
    with paging.sessions() as db:
        page = paging_service.get_page(session=db, page_id=page_id)
        assert page.source_kind == "alert_group"
        assert page.source_id is not None
        return page.source_id


def _group_status(paging: Container, group_id: int) -> str:
    with paging.sessions() as db:
        return alerts.get_group(session=db, group_id=group_id).status


def test_a_critical_alert_pages_the_on_call_person_and_the_signed_link_acknowledges_the_alert_group(
    paging: Container,
    web: TestClient,
    integration_key: str,
    on_call: dict[str, Person],
    worker: Worker,
    fakes: Fakes,
    clock: FrozenClock,
) -> None:
    _trigger(web, integration_key)
    worker.run_once()
    [sms] = fakes.sms.sent
    assert sms.to == on_call["sato"].phone
    assert "Web 予約 API 5xx" in sms.body
    page_id = _only_page(paging)
    group_id = _group_id(paging, page_id)

    match = LINK.search(sms.body)
    assert match is not None, sms.body
    assert web.get(match.group(1)).status_code == 200
    assert web.post(match.group(1), data={"csrf_token": csrf_token(web)}).status_code == 200
    assert page_status(paging, page_id) == "acknowledged"
    worker.run_once()  # the outbox tells the alert group
    assert _group_status(paging, group_id) == "acknowledged"
    with paging.sessions() as db:
        assert alerts.get_group(session=db, group_id=group_id).acknowledged_by_id == on_call["sato"].id

    clock.advance(minutes=30)
    worker.run_once()
    assert [sms.to for sms in fakes.sms.sent] == [on_call["sato"].phone]  # step 2 never came

    # The group's page shows the page's timeline: every step, who was reached how, who acknowledged, when.
    sign_in(web, "suzuki@example.jp")
    shown = web.get(f"/alerts/groups/{group_id}")
    assert shown.status_code == 200
    assert shown_timeline(shown.text) == [
        ShownEvent("2026-12-01 09:00", "呼び出し開始"),
        ShownEvent("2026-12-01 09:00", "ステップ 1 を開始"),
        ShownEvent("2026-12-01 09:00", "通知", "Sato", "SMS"),
        ShownEvent("2026-12-01 09:00", "確認済み", "Sato"),
    ]


def test_acknowledging_the_alert_group_stops_its_page_and_resolving_resolves_it(
    paging: Container,
    web: TestClient,
    integration_key: str,
    on_call: dict[str, Person],
    worker: Worker,
    fakes: Fakes,
    clock: FrozenClock,
) -> None:
    _trigger(web, integration_key)
    worker.run_once()
    page_id = _only_page(paging)
    group_id = _group_id(paging, page_id)
    with paging.sessions() as db:
        alerts.acknowledge_group(session=db, group_id=group_id, user_id=on_call["suzuki"].id, now=clock())
        db.commit()
    assert page_status(paging, page_id) == "acknowledged"
    clock.advance(minutes=10)
    worker.run_once()
    assert len(fakes.sms.sent) == 1
    with paging.sessions() as db:
        alerts.resolve_group(session=db, group_id=group_id, user_id=on_call["suzuki"].id, now=clock())
        db.commit()
    assert page_status(paging, page_id) == "resolved"


def test_a_warning_pages_no_one_and_a_resolved_source_stops_the_page(
    paging: Container,
    web: TestClient,
    integration_key: str,
    worker: Worker,
    fakes: Fakes,
    clock: FrozenClock,
) -> None:
    _trigger(web, integration_key, severity="warning")
    worker.run_once()
    assert fakes.sms.sent == []
    dedup_key = _trigger(web, integration_key)
    page_id = _only_page(paging)
    resolve = {"routing_key": integration_key, "event_action": "resolve", "dedup_key": dedup_key}
    assert web.post("/v2/enqueue", json=resolve).status_code == 202
    assert page_status(paging, page_id) == "resolved"
    clock.advance(minutes=10)
    worker.run_once()
    assert fakes.sms.sent == []  # the notification timer found the page resolved


def test_an_admin_chooses_the_integrations_escalation_policy_on_its_page(
    paging: Container, web: TestClient, on_call: dict[str, Person]
) -> None:
    policy = make_policy(paging, "Web 予約 一次対応", [(5, [on_call["sato"].id])])
    People(paging).add("admin@example.jp", "admin")
    with paging.sessions() as db:
        integration, _ = integrations.create_integration(
            session=db, name="Grafana", kind="grafana", page_user_id=on_call["suzuki"].id, now=paging.clock()
        )
        db.commit()
    sign_in(web, "admin@example.jp")
    saved = web.post(
        f"/integrations/{integration.id}/paging",
        data={"csrf_token": csrf_token(web), "escalation_policy_id": str(policy), "page_user_id": ""},
    )
    assert saved.status_code == 303, saved.text
    shown = web.get(f"/integrations/{integration.id}")
    assert "Web 予約 一次対応" in shown.text
    with paging.sessions() as db:
        changed = integrations.get_integration(session=db, integration_id=integration.id)
        assert (changed.escalation_policy_id, changed.page_user_id) == (policy, None)
    missing = web.post(
        f"/integrations/{integration.id}/paging",
        data={"csrf_token": csrf_token(web), "escalation_policy_id": "999", "page_user_id": ""},
    )
    assert missing.status_code == 400
