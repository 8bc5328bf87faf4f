"""The batch's look-up of open alerts and its bind processing: the same rows, for less work."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from hikeshi.alerts import integrations
from hikeshi.alerts.batch import _OPEN_ALERT_IDS_POSTGRESQL, _bound
from hikeshi.alerts.models import Alert
from hikeshi.bootstrap import Container
from hikeshi.db.group_commit import GroupCommit
from tests.integration.alerts.test_batch_ingest import _answers, _event, _in_one_batch, _unit
from tests.support.clock import FrozenClock


@pytest.fixture
def group_commit(alerting: Container) -> Iterator[GroupCommit]:
    committer = GroupCommit(alerting.sessions)
    yield committer
    committer.close()


def test_a_batch_of_two_integrations_repeats_each_ones_own_open_alerts(
    alerting: Container, group_commit: GroupCommit, clock: FrozenClock
) -> None:
    with alerting.sessions() as db:
        _, first = integrations.create_integration(session=db, name="one", kind="pagerduty", now=clock())
        _, second = integrations.create_integration(session=db, name="two", kind="pagerduty", now=clock())
        db.commit()
    _in_one_batch(group_commit, [_unit(_event(first, "trigger", "disk-1"), clock)])
    _in_one_batch(group_commit, [_unit(_event(second, "trigger", "disk-2"), clock)])
    _in_one_batch(group_commit, [_unit(_event(second, "resolve", "disk-2"), clock)])
    # disk-1 is open on the first integration only; disk-2 was resolved on the second.
    units = [
        _unit(_event(first, "trigger", "disk-1"), clock),
        _unit(_event(second, "trigger", "disk-1"), clock),
        _unit(_event(second, "trigger", "disk-2"), clock),
        _unit(_event(first, "trigger", "disk-2"), clock),
    ]
    answers = _answers(_in_one_batch(group_commit, units))
    assert [(status, body["dedup_key"]) for status, body in answers] == [
        (202, "disk-1"),
        (202, "disk-1"),
        (202, "disk-2"),
        (202, "disk-2"),
    ]
    with alerting.sessions() as db:
        rows = db.execute(
            text(
                "SELECT integrations.name, alerts.dedup_key, alerts.status, alerts.count FROM alerts "
                "JOIN integrations ON integrations.id = alerts.integration_id "
                "ORDER BY integrations.name, alerts.dedup_key, alerts.id"
            )
        ).all()
    assert [tuple(row) for row in rows] == [
        ("one", "disk-1", "triggered", 2),  # repeated
        ("one", "disk-2", "triggered", 1),
        ("two", "disk-1", "triggered", 1),  # the same key on another integration: a new alert
        ("two", "disk-2", "resolved", 1),
        ("two", "disk-2", "triggered", 1),  # resolved before: a new alert
    ]


def test_a_large_batch_gives_each_history_entry_its_own_alert(
    alerting: Container, group_commit: GroupCommit, clock: FrozenClock
) -> None:
    """Over 999 parameters, SQLite's multi-row inserts are cut in several: each row still gets its id."""
    with alerting.sessions() as db:
        _, key = integrations.create_integration(session=db, name="big", kind="pagerduty", now=clock())
        db.commit()
    units = [_unit(_event(key, "trigger", f"host-{n:03}"), clock) for n in range(130)]
    answers = _answers(_in_one_batch(group_commit, units))
    assert [body["dedup_key"] for _, body in answers] == [f"host-{n:03}" for n in range(130)]
    with alerting.sessions() as db:
        pairs = db.execute(
            text(
                "SELECT alerts.dedup_key, alerts.summary, alert_events.note FROM alert_events "
                "JOIN alerts ON alerts.id = alert_events.alert_id WHERE alert_events.kind = 'alert_added'"
            )
        ).all()
        ids = db.execute(text("SELECT id FROM alerts ORDER BY id")).scalars().all()
    assert len(pairs) == 129  # the first alert opened the group; the others were added to it
    assert all(summary == note and summary.startswith(dedup_key) for dedup_key, summary, note in pairs)
    assert len(set(ids)) == 130


@pytest.mark.postgres_only
def test_on_postgresql_the_look_up_probes_the_index_by_key_even_with_stale_statistics(
    alerting: Container, clock: FrozenClock
) -> None:
    """Planned while the table was empty, `dedup_key IN (...)` read every open alert of the integration."""
    with alerting.sessions() as db:
        integration, _ = integrations.create_integration(
            session=db, name="storm", kind="pagerduty", now=clock()
        )
        db.commit()
        db.execute(text("ANALYZE alerts"))  # statistics of an empty table, as on a fresh install
        db.commit()
        _many_open_alerts(db, integration.id, 3000)
        db.commit()
        keys = [f"storm-{n}" for n in range(0, 3000, 100)] + ["not-there"]
        connection = db.connection()
        found = connection.exec_driver_sql(_OPEN_ALERT_IDS_POSTGRESQL, (keys, integration.id)).all()
        plan = "\n".join(
            row[0]
            for row in connection.exec_driver_sql(
                "EXPLAIN (ANALYZE, COSTS OFF) " + _OPEN_ALERT_IDS_POSTGRESQL, (keys, integration.id)
            )
        )
    assert len(found) == 30
    index_lines = [line for line in plan.splitlines() if "Index Cond" in line]
    assert any("dedup_key" in line for line in index_lines), plan
    assert "Rows Removed by Filter" not in plan, plan


def _many_open_alerts(db: Session, integration_id: int, count: int) -> None:
    now = "2026-11-28 00:00:00+00"
    group_id = db.execute(
        text(
            "INSERT INTO alert_groups (integration_id, grouping_key, status, title, severity, alert_count, "
            "open_alert_count, event_count, suppressed, first_seen_at, last_seen_at) VALUES "
            "(:integration, 'storm', 'triggered', 'storm', 'critical', 0, 0, 0, false, :now, :now) "
            "RETURNING id"
        ),
        {"integration": integration_id, "now": now},
    ).scalar_one()
    db.execute(
        text(
            "INSERT INTO alerts (integration_id, group_id, dedup_key, status, severity, summary, source, "
            "name, labels, links, details, raw, count, suppressed, first_seen_at, last_seen_at) "
            "SELECT :integration, :group, 'storm-' || n, 'triggered', 'critical', 'disk', 'db', 'disk', "
            "'{}', '[]', '{}', '{}', 1, false, :now, :now FROM generate_series(0, :last) AS n"
        ),
        {"integration": integration_id, "group": group_id, "now": now, "last": count - 1},
    )
    assert db.query(Alert).count() == count


def test_each_distinct_value_of_a_column_is_processed_once_with_the_same_result() -> None:
    seen: list[Any] = []

    def process(value: Any) -> Any:
        seen.append(value)
        return ("bound", repr(value))

    now, later = object(), object()
    values: list[Any] = [now, now, {}, {}, [], {"a": 1}, {"a": 1}, [], now, later, None, None]
    bound = _bound(process, values)
    assert bound == [("bound", repr(value)) for value in values]
    # The repeated object and the empty dict and list once each; equal but distinct dicts each time.
    assert seen == [now, {}, [], {"a": 1}, {"a": 1}, now, later, None]
    assert _bound(None, values) is values  # a column without bind processing is passed as it is
