"""The paging web pages as people use them: sales pages the on-call engineer, an engineer sets up the
policy and their notification rules, acknowledges from the page list, reads the metrics."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from hikeshi.accounts.service import find_user_by_email
from hikeshi.bootstrap import Container
from hikeshi.catalog.service import create_product
from hikeshi.jobs.worker import Worker
from hikeshi.oncall import escalation
from hikeshi.oncall.paging_rules import Urgency
from hikeshi.web.app import create_app
from tests.integration.delivery.conftest import Fakes
from tests.support.clock import FrozenClock
from tests.support.paging import ShownEvent, add_person, make_policy, page_status, shown_timeline, start
from tests.support.web import People, csrf_token, sign_in


@pytest.fixture
def browser(paging: Container) -> Iterator[TestClient]:
    app = create_app(paging)
    # HIKESHI_BASE_URL is https, so cookies are Secure: the browser speaks https too.
    with TestClient(
        app, base_url="https://testserver", raise_server_exceptions=False, follow_redirects=False
    ) as c:
        yield c


@pytest.fixture
def team(paging: Container) -> dict[str, int]:
    sato = add_person(paging, "sato@example.jp", phone="+819011110001", slack="U0SATO0001")
    suzuki = add_person(paging, "suzuki@example.jp", phone="+819011110002")
    with paging.sessions() as db:
        create_product(
            session=db, slug="web-booking", name_ja="Web 予約", name_en="Web booking", now=paging.clock()
        )
        db.commit()
    return {"sato": sato.id, "suzuki": suzuki.id}


def test_an_engineer_writes_a_policy_in_the_form_and_it_lists_its_steps(
    browser: TestClient, paging: Container, team: dict[str, int]
) -> None:
    sign_in(browser, "sato@example.jp")
    form = browser.get("/escalation-policies/new")
    assert form.status_code == 200
    saved = browser.post(
        "/escalation-policies/new",
        data={
            "csrf_token": csrf_token(browser),
            "name": "Web 予約 一次対応",
            "products": ["web-booking"],
            "repeat_count": "2",
            "delay": ["5", "10", "5"],
            "targets": [f"0|user:{team['sato']}", f"1|user:{team['suzuki']}", f"1|user:{team['sato']}"],
        },
    )
    assert saved.status_code == 303, saved.text
    listed = browser.get("/escalation-policies")
    assert "Web 予約 一次対応" in listed.text
    assert "web-booking" in listed.text
    with paging.sessions() as db:
        [policy] = escalation.list_policies(session=db)
        assert [(s.delay_minutes, [t["id"] for t in s.targets]) for s in policy.steps] == [
            (5, [team["sato"]]),
            (10, [team["suzuki"], team["sato"]]),
        ]
        assert policy.repeat_count == 2
    edit = browser.get(f"/escalation-policies/{policy.id}")
    assert edit.status_code == 200
    assert f'value="1|user:{team["suzuki"]}" selected' in edit.text
    empty = browser.post(
        f"/escalation-policies/{policy.id}",
        data={"csrf_token": csrf_token(browser), "name": "Web 予約 一次対応", "delay": ["5"], "targets": []},
    )
    assert empty.status_code == 400
    assert "steps" in empty.text


def test_sales_pages_the_on_call_engineer_from_the_web_form(
    browser: TestClient, paging: Container, team: dict[str, int], worker: Worker, fakes: Fakes
) -> None:
    make_policy(paging, "Web 予約", [(5, [team["sato"]])], products=("web-booking",))
    People(paging).add("kato@example.jp", "sales")
    sign_in(browser, "kato@example.jp")
    form = browser.get("/pages/new")
    assert form.status_code == 200
    assert "web-booking" in form.text
    sent = browser.post(
        "/pages/new",
        data={
            "csrf_token": csrf_token(browser),
            "service": "web-booking",
            "message": "大口のお客様から予約できないと連絡",
            "urgency": "high",
        },
    )
    assert sent.status_code == 303, sent.text
    detail = browser.get(sent.headers["location"])
    assert "大口のお客様から予約できないと連絡" in detail.text
    assert "Kato" in detail.text
    worker.run_once()
    [dm] = fakes.chat.posts
    assert dm.message.channel == "U0SATO0001"
    assert "大口のお客様から予約できないと連絡" in dm.message.text
    unknown = browser.post(
        "/pages/new",
        data={"csrf_token": csrf_token(browser), "service": "fax", "message": "x", "urgency": "high"},
    )
    assert unknown.status_code == 400
    assert "web-booking" in unknown.text


def test_an_engineer_acknowledges_from_the_page_and_the_timeline_says_who(
    browser: TestClient, paging: Container, team: dict[str, int], worker: Worker
) -> None:
    policy = make_policy(paging, "Web 予約", [(5, [team["sato"]])], products=("web-booking",))
    page_id = start(paging, policy, title="決済 API が 500")
    worker.run_once()
    sign_in(browser, "sato@example.jp")
    listed = browser.get("/pages")
    assert "決済 API が 500" in listed.text
    acked = browser.post(f"/pages/{page_id}/acknowledge", data={"csrf_token": csrf_token(browser)})
    assert acked.status_code == 303
    assert page_status(paging, page_id) == "acknowledged"
    detail = browser.get(f"/pages/{page_id}")
    assert detail.status_code == 200
    assert shown_timeline(detail.text) == [
        ShownEvent("2026-12-01 09:00", "呼び出し開始"),
        ShownEvent("2026-12-01 09:00", "ステップ 1 を開始"),
        ShownEvent("2026-12-01 09:00", "通知", "Sato", "SMS"),
        ShownEvent("2026-12-01 09:00", "通知", "Sato", "Slack"),
        ShownEvent("2026-12-01 09:00", "確認済み", "Sato"),
    ]


def test_my_notification_rules_are_edited_on_my_profile_pages(
    browser: TestClient, paging: Container, team: dict[str, int]
) -> None:
    sign_in(browser, "sato@example.jp")
    shown = browser.get("/profile/notification-rules")
    assert shown.status_code == 200
    assert "+819011110001" in shown.text
    with paging.sessions() as db:
        user = find_user_by_email(session=db, email="sato@example.jp")
        assert user is not None
        methods = {m.kind: m.id for m in user.contact_methods}
    saved = browser.post(
        "/profile/notification-rules",
        data={
            "csrf_token": csrf_token(browser),
            "urgency": "high",
            "method": [str(methods["slack"]), str(methods["sms"]), ""],
            "delay": ["0", "1", "0"],
        },
    )
    assert saved.status_code == 303, saved.text
    with paging.sessions() as db:
        plan = escalation.notification_plan(session=db, user_id=team["sato"], urgency=Urgency.HIGH)
        assert [(p.kind, p.delay_minutes) for p in plan] == [("slack", 0), ("sms", 1)]
        low = escalation.notification_plan(session=db, user_id=team["sato"], urgency=Urgency.LOW)
        assert sorted((p.kind, p.delay_minutes) for p in low) == [("slack", 0), ("sms", 0)]


def test_the_metrics_page_shows_the_period(
    browser: TestClient, paging: Container, team: dict[str, int], worker: Worker, clock: FrozenClock
) -> None:
    policy = make_policy(paging, "Web 予約", [(5, [team["sato"]])], products=("web-booking",))
    start(paging, policy, title="決済 API が 500")
    worker.run_once()
    clock.advance(minutes=4)
    sign_in(browser, "sato@example.jp")
    acked = browser.post("/pages/1/acknowledge", data={"csrf_token": csrf_token(browser)})
    assert acked.status_code == 303
    shown = browser.get("/pages/metrics?since=2026-11-01&until=2026-12-01")
    assert shown.status_code == 200
    assert "開始日" in shown.text
    assert "差出人" not in shown.text  # the period's first day, not an email's sender
    assert 'id="metric-pages">1<' in shown.text
    assert 'id="metric-tta-p50">4.0 分<' in shown.text
    # Sato: one page, reached on two channels (Slack and SMS), acknowledged once.
    row = "<td>Sato</td><td>1</td><td>0</td><td>2</td><td>0</td><td>1</td>"
    assert f'<tr id="person-1">{row}</tr>' in shown.text
    before = browser.get("/pages/metrics?since=2026-11-01&until=2026-11-30")
    assert 'id="metric-pages">0<' in before.text
    bad = browser.get("/pages/metrics?since=yesterday")
    assert bad.status_code == 400
    ancient = browser.get("/pages/metrics?since=0001-01-01")  # would overflow the database's time type
    assert ancient.status_code == 400
    assert "1900" in ancient.text
