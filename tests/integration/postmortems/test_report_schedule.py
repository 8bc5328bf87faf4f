"""The Monday-morning chat post of the weekly report, and week bounds across a change of the clocks."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from hikeshi.adapters.slack import FakeChat, FakeChatWebhook
from hikeshi.adapters.smtp import FakeEmail
from hikeshi.adapters.twilio import FakeSms, FakeVoice
from hikeshi.adapters.webhook import FakeWebhook
from hikeshi.bootstrap import Container, bootstrap
from hikeshi.core.settings import Settings
from hikeshi.db.migrate import upgrade_database
from hikeshi.jobs.models import Job
from hikeshi.jobs.service import enqueue
from hikeshi.jobs.worker import Worker
from hikeshi.postmortems.report_handlers import WEEKLY_REPORT_JOB
from hikeshi.postmortems.rules import IsoWeek
from hikeshi.postmortems.weekly import render_markdown, weekly_report
from tests.integration.delivery.conftest import Fakes
from tests.support.catalog import add_products
from tests.support.clock import FrozenClock
from tests.support.postmortems import resolved_incident
from tests.support.web import People


def _company(settings: Settings, clock: FrozenClock, fakes: Fakes | None = None, **changes: str) -> Container:
    container = bootstrap(
        settings.model_copy(update=changes), clock=clock, delivery_ports=fakes.ports() if fakes else None
    )
    upgrade_database(container.engine)
    with container.sessions() as db:
        add_products(db, container)
        db.commit()
    return container


@pytest.fixture
def fakes() -> Fakes:
    return Fakes(FakeEmail(), FakeChat(), FakeChatWebhook(), FakeSms(), FakeVoice(), FakeWebhook())


@pytest.fixture
def posting(settings: Settings, clock: FrozenClock, fakes: Fakes) -> Iterator[Container]:
    container = _company(
        settings, clock, fakes, weekly_report_channel="#all-hands", weekly_report_time="09:00"
    )
    yield container
    container.close()


def test_the_previous_week_is_posted_once_on_monday_morning(
    posting: Container, clock: FrozenClock, fakes: Fakes
) -> None:
    engineer = People(posting).add("sato@example.jp", "engineer")
    clock.now = datetime(2026, 11, 25, 1, tzinfo=UTC)
    resolved_incident(
        posting,
        by=engineer.id,
        title="Web予約で予約が保存できない",
        resolve_at=clock.now + timedelta(hours=1),
    )
    # Sunday 29 November, 20:00 in Tokyo: the next post is Monday 30 November 09:00 JST (00:00 UTC).
    clock.now = datetime(2026, 11, 29, 11, tzinfo=UTC)
    with Worker(container=posting, registry=posting.jobs, worker_id="t", rng=random.Random(1)) as worker:
        assert worker.schedule_recurring() >= 1  # other domains keep recurring jobs too
        assert worker.schedule_recurring() == 0
        worker.run_once()
        assert fakes.chat.posts == []
        clock.now = datetime(2026, 11, 30, 0, tzinfo=UTC)
        worker.run_once()  # the report job asks for the chat message
        worker.run_once()  # the delivery job posts it
        [post] = fakes.chat.posts
        assert post.message.channel == "#all-hands"
        text = post.message.text
        assert text.startswith("週次障害レポート 2026-W48（2026-11-23 〜 2026-11-29）\n")
        assert "障害: 1件" in text
        assert "• #1 Web予約で予約が保存できない (SEV2, 1時間)" in text
        assert text.endswith("/reports/weekly?week=2026-W48")
        # The same occurrence run again (a retry after a crash) posts nothing more.
        with posting.sessions() as db:
            enqueue(
                session=db,
                kind=WEEKLY_REPORT_JOB,
                payload={"due_at": "2026-11-30T00:00:00+00:00"},
                now=clock.now,
            )
            db.commit()
        assert worker.run_once() >= 1
        worker.run_once()
        assert len(fakes.chat.posts) == 1
        # The next occurrence is next Monday at 09:00 in Tokyo.
        worker.schedule_recurring()
        with posting.sessions() as db:
            due = db.scalars(
                select(Job.due_at).where(Job.kind == WEEKLY_REPORT_JOB, Job.status == "pending")
            ).all()
        assert due == [datetime(2026, 12, 7, 0, tzinfo=UTC)]
    assert WEEKLY_REPORT_JOB in posting.jobs.kinds()


def test_no_job_without_a_channel(world: Container) -> None:
    assert WEEKLY_REPORT_JOB not in world.jobs.kinds()


def test_a_week_with_a_change_of_the_clocks(settings: Settings) -> None:
    """Europe/London leaves summer time on Sunday 25 October 2026 at 01:00 UTC: week 43 lasts 169 hours."""
    clock = FrozenClock(datetime(2026, 10, 18, 22, 30, tzinfo=UTC))  # Sunday 23:30 BST: week 42
    london = _company(settings, clock, timezone="Europe/London")
    try:
        by = People(london).add("sato@example.jp", "engineer").id
        resolved_incident(london, by=by, title="週42", resolve_at=clock.now + timedelta(minutes=20))
        clock.now = datetime(2026, 10, 24, 23, 30, tzinfo=UTC)  # Sunday 00:30 BST
        resolved_incident(
            london,
            by=by,
            title="時計の切り替えをまたぐ",
            started_at=clock.now,
            resolve_at=datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # 01:30 GMT: one hour later by the clock
        )
        clock.now = datetime(2026, 10, 25, 23, 30, tzinfo=UTC)  # Sunday 23:30 GMT: still week 43
        resolved_incident(london, by=by, title="日曜の夜", resolve_at=clock.now + timedelta(minutes=15))
        clock.now = datetime(2026, 10, 26, 0, 10, tzinfo=UTC)  # Monday 00:10 GMT: week 44
        resolved_incident(london, by=by, title="週44", resolve_at=clock.now + timedelta(minutes=5))
        with london.sessions() as db:
            report = weekly_report(
                session=db, week=IsoWeek(2026, 43), timezone="Europe/London", language="en", now=clock.now
            )
        m = report.metrics
        assert (m.since, m.until) == (
            datetime(2026, 10, 18, 23, tzinfo=UTC),
            datetime(2026, 10, 26, 0, tzinfo=UTC),
        )
        assert m.until - m.since == timedelta(hours=169)
        assert [line.title for line in m.incidents] == ["時計の切り替えをまたぐ", "日曜の夜"]
        assert [line.duration_seconds for line in m.incidents] == [2 * 3600, 15 * 60]
        markdown = render_markdown(report)
        assert "| 2 h |" in markdown
        assert "Time zone: Europe/London" in markdown
    finally:
        london.close()
