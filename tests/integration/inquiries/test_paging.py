""" "Looks like a bug" pages the product's on-call engineer, unless the support integration says otherwise."""

from __future__ import annotations

from datetime import timedelta

from hikeshi.alerts import groups, integrations, maintenance
from hikeshi.bootstrap import Container
from hikeshi.jobs.worker import Worker
from hikeshi.oncall import paging
from tests.integration.delivery.conftest import Fakes
from tests.integration.inquiries.conftest import Log
from tests.support.paging import Person, add_person, make_policy


def _sms_to(fakes: Fakes, person: Person) -> list[str]:
    return [sms.body for sms in fakes.sms.sent if sms.to == person.phone]


def _events(container: Container, group_id: int | None) -> list[str]:
    assert group_id is not None
    with container.sessions() as db:
        return [event.kind for event in groups.group_events(session=db, group_id=group_id)]


def _pages(container: Container, group_id: int | None) -> list[int | None]:
    assert group_id is not None
    with container.sessions() as db:
        found = paging.pages_for_source(session=db, source_kind="alert_group", source_id=group_id)
        return [page.policy_id for page in found]


def test_a_bug_about_a_product_pages_the_policy_that_answers_for_it_once_per_group(
    supporting: Container, support_integration: int, log: Log, worker: Worker, fakes: Fakes
) -> None:
    web = add_person(supporting, "sato@example.jp", phone="+819011110001")
    sms = add_person(supporting, "suzuki@example.jp", phone="+819011110002")
    web_policy = make_policy(supporting, "Web 予約", [(30, [web.id])], products=("web-booking",))
    make_policy(supporting, "SMS 配信", [(30, [sms.id])], products=("sms",))

    first = log("Web予約の確定ボタンを押すとエラーになる", product="web-booking", bug=True)
    worker.run_once()
    assert _pages(supporting, first.alert_group_id) == [web_policy]
    assert "paged" in _events(supporting, first.alert_group_id)
    [text] = _sms_to(fakes, web)
    assert f"#{first.id}" in text
    assert _sms_to(fakes, sms) == []  # another product's engineer is not woken

    # A second bug report about web booking joins the open group: its engineer is paged already.
    second = log("Web予約で決済画面に進めない", product="web-booking", bug=True)
    worker.run_once()
    assert second.alert_group_id == first.alert_group_id
    assert _pages(supporting, first.alert_group_id) == [web_policy]
    assert len(_sms_to(fakes, web)) == 1

    # No policy answers for FAX: the alert is posted for triage, nobody is paged.
    fax = log("FAXの予約表が届かない", product="fax", bug=True)
    worker.run_once()
    assert _pages(supporting, fax.alert_group_id) == []
    assert "posted" in _events(supporting, fax.alert_group_id)
    # Nor is anyone paged for a plain inquiry.
    log("Web予約の使い方を教えてほしい", product="web-booking")
    worker.run_once()
    assert len(fakes.sms.sent) == 1


def test_the_support_integrations_own_routing_wins_over_the_products_policy(
    supporting: Container, support_integration: int, log: Log, worker: Worker, fakes: Fakes
) -> None:
    web = add_person(supporting, "sato@example.jp", phone="+819011110001")
    lead = add_person(supporting, "kobayashi@example.jp", phone="+819011110003")
    make_policy(supporting, "Web 予約", [(30, [web.id])], products=("web-booking",))
    with supporting.sessions() as db:
        # SMS bugs are only posted (a rule that pages no one); every other bug pages the support lead.
        integrations.add_routing_rule(session=db, integration_id=support_integration, product_slug="sms")
        integrations.get_integration(session=db, integration_id=support_integration).page_user_id = lead.id
        db.commit()

    bug = log("Web予約の確定メールが届かない", product="web-booking", bug=True)
    worker.run_once()
    assert len(_pages(supporting, bug.alert_group_id)) == 1
    assert len(_sms_to(fakes, lead)) == 1
    assert _sms_to(fakes, web) == []  # configured routing is not doubled by the product's policy

    with supporting.sessions() as db:
        integrations.get_integration(session=db, integration_id=support_integration).page_user_id = None
        db.commit()
    make_policy(supporting, "SMS 配信", [(30, [lead.id])], products=("sms",))
    posted_only = log("SMSが一通も送れない", product="sms", bug=True)
    worker.run_once()
    assert _pages(supporting, posted_only.alert_group_id) == []  # the rule decided: post only
    assert len(fakes.sms.sent) == 1


def test_a_maintenance_window_over_the_product_silences_the_page_too(
    supporting: Container, support_integration: int, log: Log, worker: Worker, fakes: Fakes
) -> None:
    web = add_person(supporting, "sato@example.jp", phone="+819011110001")
    make_policy(supporting, "Web 予約", [(30, [web.id])], products=("web-booking",))
    with supporting.sessions() as db:
        now = supporting.clock()
        maintenance.create_window(
            session=db,
            starts_at=now - timedelta(minutes=5),
            ends_at=now + timedelta(hours=1),
            reason="Web 予約の切り替え作業",
            product_slugs=["web-booking"],
            now=now,
        )
        db.commit()
    bug = log("Web予約の画面が真っ白", product="web-booking", bug=True)
    worker.run_once()
    assert _pages(supporting, bug.alert_group_id) == []
    assert "suppressed" in _events(supporting, bug.alert_group_id)
    assert fakes.sms.sent == []
