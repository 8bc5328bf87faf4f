"""Registering job kinds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hikeshi.core.errors import ConfigurationError
from hikeshi.jobs.registry import JobContext, JobRegistry, JobSpec


def _handler(context: JobContext, payload: dict[str, Any]) -> None:
    return None


def test_registry_finds_specs_by_kind_and_lists_them_sorted() -> None:
    registry = JobRegistry()
    registry.register(JobSpec(kind="sms.send", handler=_handler))
    registry.register(JobSpec(kind="email.send", handler=_handler, max_attempts=3))
    spec = registry.get("email.send")
    assert spec is not None
    assert spec.max_attempts == 3
    assert registry.get("chat.post") is None
    assert registry.kinds() == ["email.send", "sms.send"]


def test_a_kind_cannot_be_registered_twice() -> None:
    registry = JobRegistry()
    registry.register(JobSpec(kind="email.send", handler=_handler))
    with pytest.raises(ConfigurationError, match="registered twice"):
        registry.register(JobSpec(kind="email.send", handler=_handler))


@pytest.mark.parametrize(
    "options",
    [
        {"kind": ""},
        {"kind": "x" * 101},
        {"kind": "k", "max_attempts": 0},
        {"kind": "k", "lease": timedelta(0)},
        {"kind": "k", "base_delay": timedelta(hours=2), "max_delay": timedelta(hours=1)},
    ],
)
def test_impossible_specs_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        JobSpec(handler=_handler, **options)


def test_context_knows_the_last_attempt() -> None:
    def context(attempt: int, max_attempts: int | None) -> JobContext:
        return JobContext(
            job_id=1,
            kind="k",
            attempt=attempt,
            sessions=None,  # type: ignore[arg-type]
            clock=None,  # type: ignore[arg-type]
            services=None,
            max_attempts=max_attempts,
        )

    assert context(3, 3).is_last_attempt
    assert not context(2, 3).is_last_attempt
    assert not context(9, None).is_last_attempt


def _context(kind: str) -> JobContext:
    return JobContext(job_id=1, kind=kind, attempt=1, sessions=None, clock=None, services=None)  # type: ignore[arg-type]


def test_an_event_kind_runs_every_listener_in_the_order_they_were_added() -> None:
    registry = JobRegistry()
    heard: list[str] = []
    kind = "incidents.status_changed"
    registry.listen(kind, lambda ctx, payload: heard.append(f"notices {payload['to']}"))
    registry.listen(kind, lambda ctx, payload: heard.append(f"postmortems {payload['to']}"))
    spec = registry.get("incidents.status_changed")
    assert spec is not None
    spec.handler(_context(spec.kind), {"to": "resolved"})
    assert heard == ["notices resolved", "postmortems resolved"]
    assert registry.kinds() == ["incidents.status_changed"]


def test_an_event_kind_cannot_also_have_a_handler_of_its_own() -> None:
    registry = JobRegistry()
    registry.register(JobSpec(kind="incidents.status_changed", handler=_handler))
    with pytest.raises(ConfigurationError, match="registered twice"):
        registry.listen("incidents.status_changed", _handler)


def test_a_recurring_kind_is_registered_and_keys_each_occurrence_by_its_due_time() -> None:
    registry = JobRegistry()
    monday = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)
    registry.every(JobSpec(kind="reports.weekly", handler=_handler), lambda after: monday)
    assert registry.get("reports.weekly") is not None
    [recurring] = registry.recurring()
    assert recurring.next_due(monday) == monday
    assert recurring.idempotency_key(monday) == "reports.weekly@2026-12-07T00:00:00+00:00"
