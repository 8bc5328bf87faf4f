"""Fixtures of the on-call tests; the schedule ones (`schedule_*`) live in tests/support/schedules.py."""

from __future__ import annotations

from tests.support.schedules import (  # noqa: F401 - fixtures, found by pytest through this module
    schedule_client,
    schedule_clock,
    schedule_container,
    schedule_crew,
)
