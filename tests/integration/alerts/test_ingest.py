"""Dedup, grouping, routing and states, through the ingest service on a real database."""

from __future__ import annotations

from sqlalchemy import func, select

from hikeshi.accounts import service as accounts
from hikeshi.alerts import groups, integrations
from hikeshi.alerts.models import Alert, AlertGroup
from hikeshi.alerts.normalized import Action, Severity
from hikeshi.bootstrap import Container
from hikeshi.delivery.models import Delivery
from hikeshi.jobs.worker import Worker
from tests.integration.alerts.conftest import Ingest, alert
from tests.integration.delivery.conftest import Fakes
from tests.support.clock import FrozenClock


def _count(container: Container, model: type) -> int:
    with container.sessions() as db:
        return db.scalar(select(func.count()).select_from(model)) or 0


def test_same_dedup_key_while_open_counts_and_notifies_no_one(
    alerting: Container, ingest: Ingest, worker: Worker, fakes: Fakes
) -> None:
    for _ in range(3):
        ingest(alert("db-1/disk"))
    worker.run_once()
    with alerting.sessions() as db:
        [stored] = db.scalars(select(Alert))
        assert stored.count == 3
    assert len(fakes.chat.posts) == 1


def test_trigger_without_dedup_key_gets_a_generated_one(ingest: Ingest) -> None:
    [first] = ingest(alert(None))
    [second] = ingest(alert(None))
    assert first.dedup_key != second.dedup_key
    assert len(first.dedup_key) == 32


def test_a_storm_opens_one_group_one_message_and_one_page(
    alerting: Container, ingest: Ingest, worker: Worker, fakes: Fakes, integration_id: int
) -> None:
    with alerting.sessions() as db:
        oncall = accounts.create_user(
            session=db, email="sato@example.jp", name="佐藤", role="engineer", now=alerting.clock()
        )
        accounts.add_contact_method(
            session=db, user_id=oncall.id, kind="sms", address="+819011112222", now=alerting.clock()
        )
        integrations.get_integration(session=db, integration_id=integration_id).page_user_id = oncall.id
        db.commit()
    for host in range(200):
        ingest(alert(f"web-{host}/5xx", name="HighErrorRate", summary=f"web-{host}: 5xx 多発"))
    worker.run_once()
    assert _count(alerting, AlertGroup) == 1
    assert _count(alerting, Alert) == 200
    [posted] = fakes.chat.posts
    assert len(fakes.sms.sent) == 1
    # The one message is kept current in place, with the counts.
    assert "200" in posted.current_text


def test_different_alert_names_open_different_groups(ingest: Ingest, alerting: Container) -> None:
    ingest(alert("a", name="DiskFull"), alert("b", name="HighLatency"))
    assert _count(alerting, AlertGroup) == 2


def test_resolving_the_last_alert_resolves_the_group_and_the_message_says_so(
    alerting: Container, ingest: Ingest, worker: Worker, fakes: Fakes
) -> None:
    ingest(alert("a"), alert("b"))
    worker.run_once()
    ingest(alert("a", action=Action.RESOLVE))
    with alerting.sessions() as db:
        [group] = db.scalars(select(AlertGroup))
        assert (group.status, group.open_alert_count) == ("triggered", 1)
    ingest(alert("b", action=Action.RESOLVE))
    worker.run_once()
    with alerting.sessions() as db:
        [group] = db.scalars(select(AlertGroup))
        assert group.status == "resolved"
    assert "解決" in fakes.chat.posts[0].current_text


def test_after_resolve_the_same_key_opens_a_new_alert(alerting: Container, ingest: Ingest) -> None:
    ingest(alert("a"))
    ingest(alert("a", action=Action.RESOLVE))
    [outcome] = ingest(alert("a"))
    assert outcome.effect == "opened"
    assert _count(alerting, Alert) == 2


def test_acknowledge_or_resolve_for_an_unknown_key_is_ignored(alerting: Container, ingest: Ingest) -> None:
    [ack] = ingest(alert("nothing-open", action=Action.ACKNOWLEDGE))
    [resolve] = ingest(alert("nothing-open", action=Action.RESOLVE))
    assert (ack.effect, resolve.effect) == ("ignored", "ignored")
    assert _count(alerting, Alert) == 0


def test_warning_posts_but_pages_no_one(
    alerting: Container, ingest: Ingest, worker: Worker, fakes: Fakes, integration_id: int
) -> None:
    with alerting.sessions() as db:
        oncall = accounts.create_user(
            session=db, email="sato@example.jp", name="佐藤", role="engineer", now=alerting.clock()
        )
        accounts.add_contact_method(
            session=db, user_id=oncall.id, kind="sms", address="+819011112222", now=alerting.clock()
        )
        integrations.get_integration(session=db, integration_id=integration_id).page_user_id = oncall.id
        db.commit()
    ingest(alert("w", severity=Severity.WARNING))
    worker.run_once()
    assert len(fakes.chat.posts) == 1
    assert fakes.sms.sent == []


def test_routing_rule_can_drop(
    alerting: Container, ingest: Ingest, worker: Worker, fakes: Fakes, integration_id: int
) -> None:
    with alerting.sessions() as db:
        integrations.add_routing_rule(
            session=db, integration_id=integration_id, severities=["info"], drop=True
        )
        db.commit()
    ingest(alert("noise", severity=Severity.INFO))
    worker.run_once()
    assert fakes.chat.posts == []
    assert _count(alerting, Alert) == 1  # recorded all the same


def test_person_acknowledges_then_triggers_notify_no_one(
    alerting: Container, ingest: Ingest, worker: Worker, fakes: Fakes
) -> None:
    with alerting.sessions() as db:
        person = accounts.create_user(
            session=db, email="sato@example.jp", name="佐藤", role="engineer", now=alerting.clock()
        )
        db.commit()
        person_id = person.id
    [outcome] = ingest(alert("a"))
    assert outcome.group_id is not None
    with alerting.sessions() as db:
        groups.acknowledge_group(
            session=db, group_id=outcome.group_id, user_id=person_id, now=alerting.clock()
        )
        db.commit()
    ingest(alert("a"), alert("b"))
    worker.run_once()
    with alerting.sessions() as db:
        group = groups.get_group(session=db, group_id=outcome.group_id)
        assert group.status == "acknowledged"
        assert group.acknowledged_by_id == person_id
        kinds = [event.kind for event in groups.group_events(session=db, group_id=group.id)]
    assert kinds[:2] == ["opened", "posted"]
    assert "acknowledged" in kinds
    assert len(fakes.chat.posts) == 1


def test_maintenance_window_records_but_notifies_no_one(
    alerting: Container, ingest: Ingest, worker: Worker, fakes: Fakes, clock: FrozenClock
) -> None:
    from datetime import timedelta

    from hikeshi.alerts.models import MaintenanceWindow

    with alerting.sessions() as db:
        db.add(
            MaintenanceWindow(
                starts_at=clock() - timedelta(minutes=5),
                ends_at=clock() + timedelta(hours=1),
                reason="DB upgrade",
                created_at=clock(),
            )
        )
        db.commit()
    ingest(alert("a"))
    worker.run_once()
    assert fakes.chat.posts == []
    with alerting.sessions() as db:
        assert db.scalar(select(func.count(Delivery.id))) == 0
        [group] = db.scalars(select(AlertGroup))
        assert group.suppressed
