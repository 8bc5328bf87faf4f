"""Maintenance windows: alerts inside one are recorded and shown but notify no one; outside, they notify."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hikeshi.accounts import service as accounts
from hikeshi.alerts import heartbeats, integrations, maintenance
from hikeshi.alerts.heartbeats_rules import PingKind
from hikeshi.alerts.models import Alert, AlertEvent, AlertGroup, MaintenanceWindow
from hikeshi.bootstrap import Container
from hikeshi.catalog.service import create_product
from hikeshi.core.errors import Conflict, InvalidInput
from hikeshi.delivery.models import Delivery
from hikeshi.jobs.models import Job
from hikeshi.jobs.worker import Worker
from tests.integration.alerts.conftest import CONTEXT, Ingest, alert
from tests.integration.delivery.conftest import Fakes
from tests.support.clock import FrozenClock


@pytest.fixture
def paged(alerting: Container, integration_id: int) -> int:
    """Critical alerts of the integration page someone with a phone."""
    with alerting.sessions() as db:
        oncall = accounts.create_user(
            session=db, email="sato@example.jp", name="佐藤", role="engineer", now=alerting.clock()
        )
        accounts.add_contact_method(
            session=db, user_id=oncall.id, kind="sms", address="+819011112222", now=alerting.clock()
        )
        integrations.get_integration(session=db, integration_id=integration_id).page_user_id = oncall.id
        db.commit()
        return oncall.id


def schedule(container: Container, *, starts_in: timedelta, lasts: timedelta, **scope: object) -> int:
    now = container.clock()
    with container.sessions() as db:
        window = maintenance.create_window(
            session=db,
            starts_at=now + starts_in,
            ends_at=now + starts_in + lasts,
            reason="DB 移行",
            now=now,
            **scope,
        )  # type: ignore[arg-type]
        db.commit()
        return window.id


def count(container: Container, model: type, *where: object) -> int:
    with container.sessions() as db:
        return db.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]


def notices(container: Container) -> tuple[int, int]:
    """Deliveries asked for (chat posts, pages), and jobs that would send or update chat."""
    chat_jobs = count(container, Job, Job.kind != heartbeats.HEARTBEAT_CHECK_JOB)
    return count(container, Delivery), chat_jobs


def test_alerts_inside_a_window_are_recorded_suppressed_and_notify_no_one(
    alerting: Container, ingest: Ingest, worker: Worker, fakes: Fakes, paged: int
) -> None:
    schedule(alerting, starts_in=timedelta(0), lasts=timedelta(hours=2))
    [outcome] = ingest(alert("db-1/disk"))
    ingest(alert("db-1/disk"), alert("db-2/disk"))
    worker.run_once()
    with alerting.sessions() as db:
        group = db.get(AlertGroup, outcome.group_id)
        assert group is not None
        assert (group.suppressed, group.status, group.alert_count) == (True, "triggered", 2)
        assert all(stored.suppressed for stored in db.scalars(select(Alert)))
        kinds = [event.kind for event in db.scalars(select(AlertEvent).order_by(AlertEvent.id))]
    assert kinds[:2] == ["opened", "suppressed"]
    assert "posted" not in kinds
    assert "paged" not in kinds
    assert notices(alerting) == (0, 0)
    assert (fakes.chat.posts, fakes.sms.sent) == ([], [])


def test_alerts_before_and_after_a_window_notify(
    alerting: Container, ingest: Ingest, worker: Worker, fakes: Fakes, clock: FrozenClock, paged: int
) -> None:
    schedule(alerting, starts_in=timedelta(hours=1), lasts=timedelta(hours=1))
    ingest(alert("before", name="Before"))
    clock.advance(hours=2)  # the window is over
    ingest(alert("after", name="After"))
    worker.run_once()
    assert count(alerting, AlertGroup, AlertGroup.suppressed.is_(True)) == 0
    assert len(fakes.chat.posts) == 2
    assert len(fakes.sms.sent) == 2


def test_a_window_covers_only_the_integrations_and_products_it_names(
    alerting: Container, ingest: Ingest, integration_id: int
) -> None:
    with alerting.sessions() as db:
        create_product(session=db, slug="fax", name_ja="FAX", name_en="FAX", now=alerting.clock())
        other, _ = integrations.create_integration(
            session=db, name="Grafana", kind="grafana", now=alerting.clock()
        )
        db.commit()
    schedule(alerting, starts_in=timedelta(0), lasts=timedelta(hours=1), integration_ids=[other.id])
    [elsewhere] = ingest(alert("a", name="A"))
    schedule(alerting, starts_in=timedelta(0), lasts=timedelta(hours=1), product_slugs=["fax"])
    [other_product] = ingest(alert("b", name="B", product="sms"))
    [fax] = ingest(alert("c", name="C", product="fax"))
    schedule(alerting, starts_in=timedelta(0), lasts=timedelta(hours=1), integration_ids=[integration_id])
    [named] = ingest(alert("d", name="D"))
    with alerting.sessions() as db:
        groups = [db.get(AlertGroup, o.group_id) for o in (elsewhere, other_product, fax, named)]
        assert [group.suppressed for group in groups if group is not None] == [False, False, True, True]


def test_a_group_opened_inside_a_window_stays_quiet_after_it_and_new_groups_notify(
    alerting: Container, ingest: Ingest, worker: Worker, fakes: Fakes, clock: FrozenClock
) -> None:
    schedule(alerting, starts_in=timedelta(0), lasts=timedelta(minutes=30))
    [quiet] = ingest(alert("db-1/disk", name="DiskFull"))
    clock.advance(hours=1)
    [joined] = ingest(alert("db-2/disk", name="DiskFull"))
    [fresh] = ingest(alert("web-1/5xx", name="HighErrorRate", summary="5xx が多発"))
    worker.run_once()
    assert joined.group_id == quiet.group_id
    [posted] = fakes.chat.posts
    assert "5xx が多発" in posted.message.text
    with alerting.sessions() as db:
        assert db.get(AlertGroup, quiet.group_id).suppressed  # type: ignore[union-attr]
        assert not db.get(AlertGroup, fresh.group_id).suppressed  # type: ignore[union-attr]


def test_heartbeat_alerts_go_through_the_same_silence(
    alerting: Container, fakes: Fakes, worker: Worker
) -> None:
    with alerting.sessions() as db:
        heartbeat, _ = heartbeats.create_heartbeat(
            session=db,
            name="FAX sender",
            period_seconds=300,
            now=alerting.clock(),
            default_timezone="Asia/Tokyo",
            chat_channel="C0BEATS",
        )
        db.commit()
    schedule(
        alerting, starts_in=timedelta(0), lasts=timedelta(hours=1), integration_ids=[heartbeat.integration_id]
    )
    with alerting.sessions() as db:
        found = heartbeats.get_heartbeat(session=db, heartbeat_id=heartbeat.id)
        heartbeats.record_ping(
            session=db, heartbeat=found, kind=PingKind.FAIL, body="", now=alerting.clock(), context=CONTEXT
        )
        db.commit()
    worker.run_once()
    assert count(alerting, AlertGroup, AlertGroup.suppressed.is_(True)) == 1
    assert fakes.chat.posts == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_in": timedelta(hours=-1)}, "ends_at"),  # before it starts
        ({"starts_in": timedelta(hours=-3), "ends_in": timedelta(hours=-2)}, "ends_at"),  # over already
        ({"reason": "   "}, "reason"),
        ({"reason": "x" * 501}, "reason"),
        ({"integration_ids": [999]}, "integrations"),
        ({"product_slugs": ["nope"]}, "products"),
    ],
)
def test_window_validation_names_the_field(
    alerting: Container, change: dict[str, object], field: str
) -> None:
    now = alerting.clock()
    values: dict[str, object] = {"starts_in": timedelta(0), "ends_in": timedelta(hours=1), "reason": "作業"}
    values.update(change)
    starts_in, ends_in = values.pop("starts_in"), values.pop("ends_in")
    with alerting.sessions() as db, pytest.raises(InvalidInput) as raised:
        maintenance.create_window(
            session=db,
            starts_at=now + starts_in,
            ends_at=now + ends_in,
            now=now,
            **values,  # type: ignore[operator,arg-type]
        )
    assert raised.value.field == field
    assert str(raised.value).startswith(f"{field}:")


def test_ending_a_window_early_cancelling_one_ahead_and_listing(
    alerting: Container, clock: FrozenClock
) -> None:
    active = schedule(alerting, starts_in=timedelta(0), lasts=timedelta(hours=2))
    ahead = schedule(alerting, starts_in=timedelta(days=1), lasts=timedelta(hours=2))
    with alerting.sessions() as db:
        listed = {
            status: [w.id for w in maintenance.list_windows(session=db, now=clock.now, status=status)]
            for status in ("active", "upcoming", "past", "all")
        }
        assert listed == {"active": [active], "upcoming": [ahead], "past": [], "all": [active, ahead]}
        clock.advance(minutes=10)
        assert maintenance.end_window(session=db, window_id=active, now=clock.now) == "ended"
        assert maintenance.end_window(session=db, window_id=ahead, now=clock.now) == "cancelled"
        db.commit()
        assert db.get(MaintenanceWindow, active).ends_at == clock.now  # type: ignore[union-attr]
        assert db.get(MaintenanceWindow, ahead) is None
        with pytest.raises(Conflict, match="already over"):
            maintenance.end_window(session=db, window_id=active, now=clock.now)
        with pytest.raises(InvalidInput, match="status: 'soon'"):
            maintenance.list_windows(session=db, now=clock.now, status="soon")
