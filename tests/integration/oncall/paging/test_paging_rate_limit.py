"""A flood of pages reaches a person at most HIKESHI_PAGING_RATE_LIMIT times a window; the rest is logged."""

from __future__ import annotations

import pytest

from hikeshi.bootstrap import Container
from hikeshi.core.settings import Settings
from hikeshi.jobs.worker import Worker
from tests.integration.delivery.conftest import Fakes
from tests.support.clock import FrozenClock
from tests.support.paging import add_person, make_policy, start, timeline


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"paging_rate_limit": 3, "paging_rate_window_minutes": 10})


def test_the_fourth_notification_within_ten_minutes_is_held_back_and_shown(
    paging: Container, worker: Worker, fakes: Fakes, clock: FrozenClock
) -> None:
    sato = add_person(paging, "sato@example.jp", phone="+819011110001")
    policy = make_policy(paging, "Primary", [(30, [sato.id])])
    pages = [start(paging, policy, title=f"障害 {number}") for number in range(5)]
    worker.run_once()
    assert len(fakes.sms.sent) == 3
    held = [page for page in pages if ("suppressed", sato.id, "sms") in timeline(paging, page)]
    assert held == pages[3:]

    clock.advance(minutes=10, seconds=1)
    later = start(paging, policy, title="十分後")
    worker.run_once()
    assert len(fakes.sms.sent) == 4
    assert ("notified", sato.id, "sms") in timeline(paging, later)
