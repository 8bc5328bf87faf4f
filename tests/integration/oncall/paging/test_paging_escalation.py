"""A page walks its policy on timers: step 1, step 2 after its delay, repeats, exhaustion, acknowledgement."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from hikeshi.accounts import service as accounts
from hikeshi.accounts.service import get_user
from hikeshi.bootstrap import Container
from hikeshi.jobs.worker import Worker
from hikeshi.oncall import escalation
from hikeshi.oncall import paging as paging_service
from hikeshi.oncall.paging_rules import StepInput, TargetType
from hikeshi.web.app import create_app
from tests.integration.delivery.conftest import Fakes
from tests.support.clock import FrozenClock
from tests.support.paging import add_person, make_policy, page_status, start, timeline
from tests.support.web import csrf_token

LINK = re.compile(r"https://hikeshi\.example\.jp(/pages/ack/[A-Za-z0-9_.-]+)")


@pytest.fixture
def web(paging: Container) -> Iterator[TestClient]:
    app = create_app(paging)
    # HIKESHI_BASE_URL is https, so cookies are Secure: the browser speaks https too.
    with TestClient(
        app, base_url="https://testserver", raise_server_exceptions=False, follow_redirects=False
    ) as client:
        yield client


def _texts_to(fakes: Fakes, number: str) -> list[str]:
    return [sms.body for sms in fakes.sms.sent if sms.to == number]


def test_unanswered_step_one_escalates_to_step_two_and_the_signed_link_stops_everything(
    paging: Container, worker: Worker, fakes: Fakes, clock: FrozenClock, web: TestClient
) -> None:
    sato = add_person(paging, "sato@example.jp", phone="+819011110001")
    suzuki = add_person(paging, "suzuki@example.jp", phone="+819011110002")
    policy = make_policy(paging, "Web 予約", [(5, [sato.id]), (10, [suzuki.id])], repeat_count=2)
    page_id = start(paging, policy, title="Web 予約で 5xx 多発")

    worker.run_once()
    [first] = _texts_to(fakes, sato.phone)
    assert "Web 予約で 5xx 多発" in first
    assert _texts_to(fakes, suzuki.phone) == []

    clock.advance(minutes=4, seconds=59)
    worker.run_once()
    assert _texts_to(fakes, suzuki.phone) == []  # step 1's five minutes are not over yet

    clock.advance(seconds=1)
    worker.run_once()
    [second] = _texts_to(fakes, suzuki.phone)
    assert ("step", None, None) in timeline(paging, page_id)
    assert ("notified", suzuki.id, "sms") in timeline(paging, page_id)

    # Suzuki opens the link from the SMS: the GET only shows the page, as a mail scanner would see it.
    match = LINK.search(second)
    assert match is not None, second
    shown = web.get(match.group(1))
    assert shown.status_code == 200
    assert "Web 予約で 5xx 多発" in shown.text
    assert page_status(paging, page_id) == "triggered"
    acked = web.post(match.group(1), data={"csrf_token": csrf_token(web)})
    assert acked.status_code == 200, acked.text
    assert "Suzuki" in acked.text
    assert page_status(paging, page_id) == "acknowledged"
    with paging.sessions() as db:
        assert paging_service.get_page(session=db, page_id=page_id).acknowledged_by_id == suzuki.id

    sent_before = len(fakes.sms.sent)
    for _ in range(6):  # well past every step and every repeat
        clock.advance(minutes=10)
        worker.run_once()
    assert len(fakes.sms.sent) == sent_before
    assert page_status(paging, page_id) == "acknowledged"
    kinds = [kind for kind, _, _ in timeline(paging, page_id)]
    assert kinds[-1] == "acknowledged"


def test_after_the_last_step_the_steps_repeat_then_the_page_is_exhausted(
    paging: Container, worker: Worker, fakes: Fakes, clock: FrozenClock
) -> None:
    sato = add_person(paging, "sato@example.jp", phone="+819011110001")
    policy = make_policy(paging, "Primary", [(5, [sato.id])], repeat_count=1)
    page_id = start(paging, policy)
    worker.run_once()
    clock.advance(minutes=5)
    worker.run_once()
    assert len(_texts_to(fakes, sato.phone)) == 2  # the one step, then its one repeat
    clock.advance(minutes=5)
    worker.run_once()
    assert page_status(paging, page_id) == "exhausted"
    clock.advance(minutes=30)
    worker.run_once()
    assert len(_texts_to(fakes, sato.phone)) == 2
    kinds = [kind for kind, _, _ in timeline(paging, page_id)]
    assert kinds.count("repeated") == 1
    assert kinds[-1] == "exhausted"


def test_editing_the_policy_mid_page_does_not_change_the_running_page(
    paging: Container, worker: Worker, fakes: Fakes, clock: FrozenClock
) -> None:
    sato = add_person(paging, "sato@example.jp", phone="+819011110001")
    suzuki = add_person(paging, "suzuki@example.jp", phone="+819011110002")
    tanaka = add_person(paging, "tanaka@example.jp", phone="+819011110003")
    policy = make_policy(paging, "Primary", [(5, [sato.id]), (5, [suzuki.id])])
    page_id = start(paging, policy)
    worker.run_once()
    with paging.sessions() as db:
        escalation.update_policy(
            session=db,
            policy_id=policy,
            policy=escalation.PolicyInput(
                name="Primary",
                steps=[
                    StepInput(delay_minutes=30, targets=((TargetType.USER, sato.id),)),
                    StepInput(delay_minutes=5, targets=((TargetType.USER, tanaka.id),)),
                ],
            ),
            now=clock(),
        )
        db.commit()
    clock.advance(minutes=5)
    worker.run_once()
    assert len(_texts_to(fakes, suzuki.phone)) == 1  # the snapshot's step 2, after the snapshot's 5 minutes
    assert _texts_to(fakes, tanaka.phone) == []
    assert ("notified", suzuki.id, "sms") in timeline(paging, page_id)
    # A page started now follows the edited policy.
    second = start(paging, policy, title="二件目")
    worker.run_once()
    clock.advance(minutes=5)
    worker.run_once()
    assert _texts_to(fakes, tanaka.phone) == []
    with paging.sessions() as db:
        snapshot = paging_service.get_page(session=db, page_id=second).policy_snapshot
        assert snapshot["steps"][0]["delay_minutes"] == 30


def test_notification_rules_play_out_as_timers_and_acknowledging_cancels_the_later_ones(
    paging: Container, worker: Worker, fakes: Fakes, clock: FrozenClock
) -> None:
    sato = add_person(paging, "sato@example.jp", phone="+819011110001", slack="U0SATO0001")
    with paging.sessions() as db:
        methods = {m.kind: m.id for m in get_user(session=db, user_id=sato.id).contact_methods}
        escalation.set_notification_rules(
            session=db,
            user_id=sato.id,
            urgency="high",
            rules=[
                escalation.RuleInput(contact_method_id=methods["slack"], delay_minutes=0),
                escalation.RuleInput(contact_method_id=methods["sms"], delay_minutes=3),
            ],
            now=clock(),
        )
        db.commit()
    policy = make_policy(paging, "Primary", [(30, [sato.id])])
    page_id = start(paging, policy)
    worker.run_once()
    [dm] = fakes.chat.posts
    assert dm.message.channel == "U0SATO0001"
    assert fakes.sms.sent == []
    clock.advance(minutes=3)
    worker.run_once()
    assert len(fakes.sms.sent) == 1
    # A second page: acknowledged within a minute, so the SMS three minutes later never goes.
    second = start(paging, policy, title="二件目")
    worker.run_once()
    with paging.sessions() as db:
        paging_service.acknowledge_page(session=db, page_id=second, user_id=sato.id, now=clock())
        db.commit()
    clock.advance(minutes=5)
    worker.run_once()
    assert len(fakes.sms.sent) == 1
    assert page_status(paging, page_id) == "triggered"


def test_the_signed_link_in_an_email_acknowledges_in_the_readers_language(
    paging: Container, worker: Worker, fakes: Fakes, clock: FrozenClock, web: TestClient
) -> None:
    with paging.sessions() as db:
        emily = accounts.create_user(
            session=db,
            email="emily@example.jp",
            name="Emily",
            role="engineer",
            language="en",
            timezone="America/Los_Angeles",
            now=clock(),
        )
        accounts.add_contact_method(
            session=db, user_id=emily.id, kind="email", address="emily.pager@example.com", now=clock()
        )
        db.commit()
        emily_id = emily.id
    sato = add_person(paging, "sato@example.jp", phone="+819011110001")
    policy = make_policy(paging, "Overnight", [(5, [emily_id]), (5, [sato.id])])
    page_id = start(paging, policy, title="Web 予約で 5xx 多発")
    worker.run_once()

    [mail] = fakes.email.to("emily.pager@example.com")
    assert mail.subject == "[hikeshi] Page: Web 予約で 5xx 多発"
    assert "Acknowledge: https://hikeshi.example.jp/pages/ack/" in mail.text
    assert f"Details: https://hikeshi.example.jp/pages/{page_id}" in mail.text
    match = LINK.search(mail.text)
    assert match is not None, mail.text
    acked = web.post(match.group(1), data={"csrf_token": csrf_token(web)})
    assert acked.status_code == 200, acked.text
    assert "Emily" in acked.text
    assert page_status(paging, page_id) == "acknowledged"
    assert ("acknowledged", emily_id, None) in timeline(paging, page_id)

    clock.advance(minutes=30)
    worker.run_once()
    assert _texts_to(fakes, sato.phone) == []  # step 2 never came
    # An altered link is refused.
    path = match.group(1)
    forged = web.post(path[:-1] + ("1" if path.endswith("0") else "0"), data={"csrf_token": csrf_token(web)})
    assert forged.status_code == 400


def test_resolving_an_unanswered_page_stops_its_steps(
    paging: Container, worker: Worker, fakes: Fakes, clock: FrozenClock
) -> None:
    sato = add_person(paging, "sato@example.jp", phone="+819011110001")
    suzuki = add_person(paging, "suzuki@example.jp", phone="+819011110002")
    policy = make_policy(paging, "Primary", [(5, [sato.id]), (5, [suzuki.id])], repeat_count=3)
    page_id = start(paging, policy)
    worker.run_once()
    assert len(_texts_to(fakes, sato.phone)) == 1
    with paging.sessions() as db:
        paging_service.resolve_page(session=db, page_id=page_id, user_id=sato.id, now=clock())
        db.commit()
    for _ in range(8):
        clock.advance(minutes=5)
        worker.run_once()
    assert len(_texts_to(fakes, sato.phone)) == 1
    assert _texts_to(fakes, suzuki.phone) == []
    assert page_status(paging, page_id) == "resolved"
    assert [kind for kind, _, _ in timeline(paging, page_id)][-1] == "resolved"
