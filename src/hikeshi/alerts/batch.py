"""Many triggers at once: the set-based form of `service.ingest` for one group-commit batch.

A storm sends thousands of triggers a second, nearly all of them new alerts of a group that is already
open. Done one by one, each costs an ORM look-up, a SAVEPOINT, an insert and a group update; here a
batch costs one look-up of its dedup keys per integration, one multi-row INSERT of its new alerts and
one of their history entries, and one UPDATE per group it touched. What is not the common case (a
group to open and announce, a repeat of an open alert) takes the same code as one alert alone, in
the same transaction, so the outcome is the same as ingesting the triggers one after another.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Dialect, Table, bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler

from hikeshi.alerts import notify, quiet, service
from hikeshi.alerts.groups import RESOLVED_LITERAL
from hikeshi.alerts.models import Alert, AlertEvent, AlertGroup, Integration
from hikeshi.alerts.normalized import Action, NormalizedAlert
from hikeshi.alerts.notify import Context
from hikeshi.alerts.rules import AlertStatus, grouping_key, higher_severity
from hikeshi.alerts.service import Outcome
from hikeshi.db.base import Base


@dataclass(frozen=True, slots=True)
class Trigger:
    """One trigger of the batch, as `service.ingest` would take it alone."""

    integration: Integration
    alert: NormalizedAlert
    raw: Any
    context: Context


@dataclass(frozen=True, slots=True)
class _OpenGroup:
    """The few columns of an open group the batch needs, read without loading the group as an object."""

    id: int
    severity: str
    suppressed: bool
    chat_delivery_id: int | None


@dataclass(slots=True)
class _Tally:
    """What the batch's new alerts do to one open group (as `service.open_alert` would), applied once."""

    group: AlertGroup | _OpenGroup
    alerts: int = 0
    events: int = 0
    severity: str | None = None

    def count(self, severity: str, *, new: bool) -> None:
        self.alerts += new
        self.events += 1
        self.severity = severity if self.severity is None else higher_severity(self.severity, severity)

    def apply(self, session: Session, now: datetime) -> None:
        """Onto the group's object when the session holds one (its own changes are flushed from it,
        so an UPDATE beside it would be overwritten), else one UPDATE of the row, counts added in SQL."""
        group = self.group
        if isinstance(group, _OpenGroup):
            loaded = session.identity_map.get(session.identity_key(AlertGroup, group.id))
            if not isinstance(loaded, AlertGroup):
                severity = group.severity
                if self.severity is not None:
                    severity = higher_severity(severity, self.severity)
                parameters = {
                    "group_id": group.id,
                    "new_alerts": self.alerts,
                    "new_events": self.events,
                    "now": now,
                    "new_severity": severity,
                }
                session.connection().execute(_UPDATE_GROUP, parameters)
                return
            group = loaded
        group.alert_count += self.alerts
        group.open_alert_count += self.alerts
        group.event_count += self.events
        group.last_seen_at = now
        if self.severity is not None:
            group.severity = higher_severity(group.severity, self.severity)


def _update_group() -> Any:
    groups = AlertGroup.metadata.tables[AlertGroup.__tablename__]
    return (
        update(groups)
        .where(groups.c.id == bindparam("group_id"))
        .values(
            alert_count=groups.c.alert_count + bindparam("new_alerts"),
            open_alert_count=groups.c.open_alert_count + bindparam("new_alerts"),
            event_count=groups.c.event_count + bindparam("new_events"),
            last_seen_at=bindparam("now", type_=groups.c.last_seen_at.type),
            severity=bindparam("new_severity"),
        )
    )


def _find_open_group() -> Any:
    groups = AlertGroup.metadata.tables[AlertGroup.__tablename__]
    columns = (groups.c.id, groups.c.severity, groups.c.suppressed, groups.c.chat_delivery_id)
    return (
        select(*columns)
        .where(
            groups.c.integration_id == bindparam("integration_id"),
            groups.c.grouping_key == bindparam("grouping_key"),
            groups.c.status != RESOLVED_LITERAL,
        )
        .with_for_update()
    )


# Built once with bound parameters: each batch runs them without building or caching a statement.
_UPDATE_GROUP = _update_group()
_FIND_OPEN_GROUP = _find_open_group()


def _open_group(session: Session, integration_id: int, key: str) -> AlertGroup | _OpenGroup | None:
    """`service.find_open_group` (locked likewise), as the few columns the batch needs, or the group's
    object when this session holds it already."""
    parameters = {"integration_id": integration_id, "grouping_key": key}
    row = session.connection().execute(_FIND_OPEN_GROUP, parameters).first()
    if row is None:
        return None
    loaded = session.identity_map.get(session.identity_key(AlertGroup, row.id))
    if isinstance(loaded, AlertGroup):
        return loaded
    return _OpenGroup(
        id=row.id, severity=row.severity, suppressed=row.suppressed, chat_delivery_id=row.chat_delivery_id
    )


@dataclass(slots=True)
class _NewRow:
    """A new alert of an open group, inserted with the others at the end of the batch."""

    values: dict[str, Any]
    tally: _Tally
    alert_id: int | None = None


def ingest_triggers(*, session: Session, triggers: Sequence[Trigger], now: datetime) -> list[Outcome]:
    """Each trigger's outcome, in order; the same rows as `service.ingest` of each, one after another."""
    if any(trigger.alert.action is not Action.TRIGGER for trigger in triggers):
        raise ValueError("ingest_triggers takes triggers only")
    outcomes: list[Outcome | None] = [None] * len(triggers)
    keys = [service.dedup_key_of(trigger.alert) for trigger in triggers]
    open_alerts = _open_alerts(session, triggers, keys)
    new_rows: dict[tuple[int, str], _NewRow] = {}
    waiting: dict[int, _NewRow] = {}  # outcomes whose alert id comes with the INSERT
    groups: dict[tuple[int, str], _Tally] = {}
    slugs: dict[tuple[int, str | None], str | None] = {}
    touched: dict[int, tuple[Integration, set[int]]] = {}
    # Each integration's id and grouping, read once (a mapped attribute costs a call at every read).
    read: dict[int, tuple[int, list[str]]] = {}
    for index, (trigger, key) in enumerate(zip(triggers, keys, strict=True)):
        integration, incoming = trigger.integration, trigger.alert
        if (known := read.get(id(integration))) is None:
            known = read[id(integration)] = (integration.id, integration.grouping)
            touched.setdefault(known[0], (integration, set()))
        integration_id, grouping = known
        if (existing := open_alerts.get((integration_id, key))) is not None:
            outcome = service.repeat_alert(session=session, alert=existing, incoming=incoming, now=now)
        elif (pending := new_rows.get((integration_id, key))) is not None:
            outcome = _repeat_pending(pending, incoming, now)
            waiting[index] = pending
        else:
            slug_key = (integration_id, incoming.product)
            if slug_key not in slugs:
                slugs[slug_key] = service.product_slug_for(session, integration, incoming)
            group_key = (
                integration_id,
                grouping_key(incoming, grouping=grouping, product_slug=slugs[slug_key]),
            )
            tally = groups.get(group_key)
            if tally is None and (group := _open_group(session, *group_key)) is not None:
                tally = groups[group_key] = _Tally(group)
            if tally is None:
                # No open group: the first alert opens (and announces) it, as it would alone.
                outcome = service.open_alert(
                    session=session,
                    integration=integration,
                    incoming=incoming,
                    dedup_key=key,
                    raw=trigger.raw,
                    now=now,
                    context=trigger.context,
                )
                found = session.get(AlertGroup, outcome.group_id)
                opened = session.get(Alert, outcome.alert_id)
                if found is not None and found.status != AlertStatus.RESOLVED:
                    groups[group_key] = _Tally(found)
                if opened is not None:
                    open_alerts[(integration_id, key)] = opened
            else:
                values = _values(trigger, integration_id, key, tally.group, now)
                row = new_rows[(integration_id, key)] = _NewRow(values, tally)
                waiting[index] = row
                tally.count(values["severity"], new=True)
                outcome = Outcome(dedup_key=key, effect="opened", alert_id=None, group_id=tally.group.id)
        outcomes[index] = outcome
        if outcome.group_id is not None:
            touched[integration_id][1].add(outcome.group_id)
    for tally in groups.values():
        tally.apply(session, now)
    _insert_new(session, list(new_rows.values()), now)
    for index, row in waiting.items():
        done = outcomes[index]
        assert done is not None
        outcomes[index] = Outcome(
            dedup_key=done.dedup_key, effect=done.effect, alert_id=row.alert_id, group_id=done.group_id
        )
    for integration, group_ids in touched.values():
        service.note_received(integration, now)
        quiet.schedule_quiet_resolve(session=session, integration=integration, group_ids=group_ids, now=now)
    session.flush()
    return [outcome for outcome in outcomes if outcome is not None]


def _open_alerts(
    session: Session, triggers: Sequence[Trigger], keys: Sequence[str]
) -> dict[tuple[int, str], Alert]:
    """The open alerts of the batch's dedup keys: one query per integration, and one to load the few found.

    The look-up is the driver's own statement, built once (once per key count on SQLite): a storm's
    keys are new, so it nearly always finds nothing, and SQLAlchemy's expanding IN costs more than
    the query. On PostgreSQL each key is probed in the unique index of open alerts on its own (the
    LATERAL subquery cannot be flattened into a join): planned from the index alone, so the look-up
    stays a few index probes however stale the statistics of a fast-growing table are; a plain
    `dedup_key IN (...)`, planned while the table was small, scans every open alert of the integration.
    """
    wanted: dict[int, set[str]] = {}
    for trigger, key in zip(triggers, keys, strict=True):
        wanted.setdefault(trigger.integration.id, set()).add(key)
    connection = session.connection()
    postgresql = connection.dialect.name == "postgresql"
    ids: list[int] = []
    for integration_id, dedup_keys in wanted.items():
        ordered = sorted(dedup_keys)
        if postgresql:
            parameters: tuple[Any, ...] = (ordered, integration_id)
            statement = _OPEN_ALERT_IDS_POSTGRESQL
        else:
            parameters = (integration_id, *ordered)
            statement = _open_alert_ids_sqlite(len(ordered))
        ids.extend(row[0] for row in connection.exec_driver_sql(statement, parameters))
    if not ids:
        return {}
    # Loaded as objects only when found (a repeat is updated through the ORM, as `service` does).
    found = session.scalars(select(Alert).where(Alert.id.in_(ids), Alert.status != RESOLVED_LITERAL))
    return {(alert.integration_id, alert.dedup_key): alert for alert in found}


_OPEN_ALERT_IDS_POSTGRESQL = (
    "SELECT found.id FROM unnest(%s::varchar[]) AS wanted(dedup_key) CROSS JOIN LATERAL ("
    "SELECT alerts.id FROM alerts WHERE alerts.integration_id = %s "
    "AND alerts.dedup_key = wanted.dedup_key AND alerts.status != 'resolved' LIMIT 1) AS found"
)


@functools.cache
def _open_alert_ids_sqlite(count: int) -> str:
    keys = ", ".join("?" * count)  # placeholders only: the keys are parameters
    where = f"integration_id = ? AND dedup_key IN ({keys}) AND status != 'resolved'"
    return f"SELECT id FROM alerts WHERE {where}"  # noqa: S608


def _values(
    trigger: Trigger, integration_id: int, key: str, group: AlertGroup | _OpenGroup, now: datetime
) -> dict[str, Any]:
    incoming = trigger.alert
    return {
        "integration_id": integration_id,
        "group_id": group.id,
        "dedup_key": key,
        "status": AlertStatus.TRIGGERED.value,
        "severity": incoming.severity.value,
        "summary": incoming.summary[:1024],
        "source": incoming.source[:255],
        "name": incoming.name[:255],
        "labels": dict(incoming.labels),
        "links": [{"href": link.href, "text": link.text} for link in incoming.links],
        "details": dict(incoming.details),
        "raw": trigger.raw,
        "count": 1,
        "suppressed": group.suppressed,
        "first_seen_at": now,
        "last_seen_at": now,
        "acknowledged_at": None,
        "resolved_at": None,
    }


def _repeat_pending(pending: _NewRow, incoming: NormalizedAlert, now: datetime) -> Outcome:
    """What `service.repeat_alert` does, to an alert of this batch not inserted yet."""
    values = pending.values
    values["count"] += 1
    values["last_seen_at"] = now
    values["severity"] = higher_severity(incoming.severity.value, values["severity"])
    pending.tally.count(values["severity"], new=False)
    group_id = pending.tally.group.id
    return Outcome(dedup_key=values["dedup_key"], effect="repeated", alert_id=None, group_id=group_id)


def _insert_new(session: Session, rows: list[_NewRow], now: datetime) -> None:
    """One INSERT for the batch's new alerts, one for their history entries; each row gets its id."""
    if not rows:
        return
    tables = Base.metadata.tables
    alerts, events = tables[Alert.__tablename__], tables[AlertEvent.__tablename__]
    ids = _insert_many(session, alerts, [row.values for row in rows], ids=True)
    history = []
    for row, alert_id in zip(rows, ids, strict=True):
        row.alert_id = alert_id
        history.append(
            {
                "group_id": row.tally.group.id,
                "alert_id": alert_id,
                "kind": "alert_added",
                "actor_user_id": None,
                "note": row.values["summary"][:2000],
                "at": now,
            }
        )
    _insert_many(session, events, history, ids=False)
    for group in {id(row.tally): row.tally.group for row in rows}.values():
        if group.chat_delivery_id is not None:
            notify.refresh_chat(session=session, group_id=group.id, now=now)


def _insert_many(session: Session, table: Table, rows: list[dict[str, Any]], *, ids: bool) -> list[int]:
    """Insert the rows (all with the same keys); with `ids`, their new ids in order.

    The driver does it, each value through its column's bind processing as SQLAlchemy's would
    (SQLAlchemy's per-row handling costs more than the insert). On PostgreSQL, psycopg's pipelined
    executemany, which returns each row's id (SQLAlchemy's multi-row statements are too long for
    psycopg to cache, and an `unnest` of arrays costs the driver more); on SQLite, multi-row INSERTs,
    one engine step for many rows, whose ids are the last ones allocated, one after another under the
    write lock the transaction holds, which is checked.
    """
    connection = session.connection()
    dialect = connection.dialect
    names = tuple(rows[0])
    columns = [_bound(_bind_processor(table, name, dialect), [row[name] for row in rows]) for name in names]
    if dialect.name == "sqlite":
        return _insert_sqlite(connection, table, names, list(zip(*columns, strict=True)), ids=ids)
    statement = _insert_statement(table, names, dialect, returning=ids)
    parameters: list[Any] = (
        list(zip(*columns, strict=True))
        if statement.positional
        else [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
    )
    cursor: Any = connection.connection.cursor()  # psycopg's executemany takes `returning`
    try:
        if ids:
            cursor.executemany(statement.string, parameters, returning=True)
            return _returned_ids(cursor)
        cursor.executemany(statement.string, parameters)
    finally:
        cursor.close()
    return []


def _insert_sqlite(
    connection: Any, table: Table, names: tuple[str, ...], rows: list[tuple[Any, ...]], *, ids: bool
) -> list[int]:
    """SQLite: multi-row INSERTs (each a single step of the engine), at most 999 parameters each."""
    per_statement = max(1, _SQLITE_PARAMETERS // len(names))
    cursor: Any = connection.connection.cursor()
    inserted: list[int] = []
    try:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            statement = _multirow_sqlite(table, names, len(chunk), connection.dialect)
            cursor.execute(statement, [value for row in chunk for value in row])
            if not ids:
                continue
            cursor.execute(_consecutive_sqlite(table, connection.dialect), (len(chunk),))
            last, found = cursor.fetchone()
            if found != len(chunk):  # not one after another after all: the batch is stored one by one
                raise RuntimeError("the new rows' ids are not consecutive")
            inserted.extend(range(last - len(chunk) + 1, last + 1))
    finally:
        cursor.close()
    return inserted


_SQLITE_PARAMETERS = 999  # the limit of SQLite before 3.32


@functools.cache
def _multirow_sqlite(table: Table, names: tuple[str, ...], count: int, dialect: Dialect) -> str:
    preparer = dialect.identifier_preparer
    row = "(" + ", ".join("?" * len(names)) + ")"
    columns = ", ".join(preparer.quote(name) for name in names)
    values = ", ".join([row] * count)
    return f"INSERT INTO {preparer.format_table(table)} ({columns}) VALUES {values}"  # noqa: S608


@functools.cache
def _consecutive_sqlite(table: Table, dialect: Dialect) -> str:
    """The last id inserted, and how many rows have the ids from (last - ? + 1) to last."""
    name = dialect.identifier_preparer.format_table(table)
    last = "last_insert_rowid()"
    return f"SELECT {last}, (SELECT count(*) FROM {name} WHERE id BETWEEN {last} - ? + 1 AND {last})"  # noqa: S608


_UNSEEN = object()


def _bound(process: Any, values: list[Any]) -> list[Any]:
    """One column's values through its bind processing, each distinct value once.

    A batch's rows share most of their values (the time `now` in every time column, an empty dict
    or list in most JSON columns): a value that is the previous row's object again, or an empty
    dict or list, is processed once.
    """
    if process is None:
        return values
    bound = []
    previous: Any = _UNSEEN
    result: Any = None
    empty: dict[type, Any] = {}
    for value in values:
        if value is not previous:
            kind = type(value)
            if (kind is dict or kind is list) and not value:
                if kind not in empty:
                    empty[kind] = process(value)
                bound.append(empty[kind])
                continue
            previous, result = value, process(value)
        bound.append(result)
    return bound


def _returned_ids(cursor: Any) -> list[int]:
    """psycopg's executemany(returning=True): one result per row inserted, in order."""
    returned = []
    while True:
        returned.append(int(cursor.fetchone()[0]))
        if not cursor.nextset():
            return returned


@functools.cache
def _bind_processor(table: Table, name: str, dialect: Dialect) -> Any:
    return table.c[name].type.dialect_impl(dialect).bind_processor(dialect)


@functools.cache
def _insert_statement(
    table: Table, names: tuple[str, ...], dialect: Dialect, *, returning: bool
) -> SQLCompiler:
    statement = insert(table).returning(table.c.id) if returning else insert(table)
    compiled = statement.compile(dialect=dialect, column_keys=list(names))
    assert isinstance(compiled, SQLCompiler)
    return compiled
