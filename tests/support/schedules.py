"""On-call schedule fixtures: a web app on a frozen clock, people, and the platform team's schedule.

The schedule: a weekly Tokyo rotation (Sato → Suzuki → Takahashi) handing off on Mondays at 10:00 from
Monday 30 Nov 2026, and a higher weekday-nights layer (Emily) from 19:00 to 09:00, Monday to Friday.
The clock stands at Wednesday 2 Dec 2026, 12:00 in Tokyo.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from hikeshi.accounts.models import User
from hikeshi.bootstrap import Container, bootstrap
from hikeshi.core.settings import Settings
from hikeshi.db.migrate import upgrade_database
from hikeshi.oncall import editing
from hikeshi.web.app import create_app
from tests.support.clock import FrozenClock
from tests.support.web import People, sign_in

TOKYO = ZoneInfo("Asia/Tokyo")
NOON_WEDNESDAY = datetime(2026, 12, 2, 12, 0, tzinfo=TOKYO).astimezone(UTC)


def tokyo(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TOKYO).astimezone(UTC)


@dataclass
class Crew:
    admin: User
    sato: User
    suzuki: User
    takahashi: User
    emily: User
    support: User
    viewer: User
    schedule_id: int


@pytest.fixture
def schedule_clock() -> FrozenClock:
    return FrozenClock(NOON_WEDNESDAY)


@pytest.fixture
def schedule_container(settings: Settings, schedule_clock: FrozenClock) -> Iterator[Container]:
    container = bootstrap(settings, clock=schedule_clock)
    upgrade_database(container.engine)
    yield container
    container.close()


@pytest.fixture
def schedule_crew(schedule_container: Container) -> Crew:
    people = People(schedule_container)
    crew = {
        name: people.add(f"{name}@example.jp", role)
        for name, role in (
            ("admin", "admin"),
            ("sato", "engineer"),
            ("suzuki", "engineer"),
            ("takahashi", "engineer"),
            ("emily", "engineer"),
            ("support", "support"),
            ("viewer", "viewer"),
        )
    }
    now = schedule_container.clock()
    with schedule_container.sessions() as db:
        schedule = editing.create_schedule(session=db, name="Platform", timezone="Asia/Tokyo", now=now)
        primary = editing.RotationInput(
            name="Primary",
            kind="weekly",
            timezone="Asia/Tokyo",
            start_date=date(2026, 11, 30),
            handoff_time="10:00",
            member_ids=[crew["sato"].id, crew["suzuki"].id, crew["takahashi"].id],
        )
        editing.create_rotation(session=db, schedule_id=schedule.id, given=primary, now=now)
        nights = editing.RotationInput(
            name="Weekday nights",
            kind="daily",
            timezone="Asia/Tokyo",
            start_date=date(2026, 11, 30),
            handoff_time="19:00",
            member_ids=[crew["emily"].id],
            restrictions=["mon-fri 19:00-09:00"],
        )
        editing.create_rotation(session=db, schedule_id=schedule.id, given=nights, now=now)
        db.commit()
        schedule_id = schedule.id
    return Crew(**crew, schedule_id=schedule_id)


@pytest.fixture
def schedule_client(schedule_container: Container) -> Iterator[TestClient]:
    app = create_app(schedule_container)
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        yield client


def signed_in(client: TestClient, user: User) -> TestClient:
    sign_in(client, user.email)
    return client
