"""Durations across a change of the clocks: the UTC difference, shown beside the local wall times.

The company runs on America/Los_Angeles here; on 2026-11-01 its clocks go back from 02:00 PDT to
01:00 PST, so 00:30 PDT to 01:30 PST is two hours although the wall clock moved one.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from hikeshi.accounts.models import User
from hikeshi.bootstrap import Container
from hikeshi.core.settings import Settings
from hikeshi.postmortems import service
from tests.integration.postmortems.conftest import Crew, bearer
from tests.support.catalog import run_jobs
from tests.support.clock import FrozenClock
from tests.support.postmortems import resolved_incident
from tests.support.web import sign_in

ZONE = "America/Los_Angeles"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"timezone": ZONE})


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 1, 9, 30, tzinfo=UTC))  # 01:30 PST, after the clocks went back


def test_an_incident_across_the_dst_change_lasts_two_hours_on_the_page_and_in_the_markdown(
    world: Container, crew: Crew, web: TestClient
) -> None:
    incident = resolved_incident(
        world,
        by=crew.engineer.id,
        started_at=datetime(2026, 11, 1, 7, 30, tzinfo=UTC),  # 00:30 PDT
    )
    run_jobs(world)
    with world.sessions() as db:
        db.execute(update(User).where(User.id == crew.engineer.id).values(timezone=ZONE))
        db.commit()
        postmortem = service.postmortem_for_incident(session=db, incident_id=incident.id)
        assert postmortem is not None
        postmortem_id = postmortem.id

    sign_in(web, crew.engineer.email)
    page = web.get(f"/postmortems/{postmortem_id}").text
    assert 'id="fact-started">2026-11-01 00:30 PDT<' in page
    assert 'id="fact-resolved">2026-11-01 01:30 PST<' in page
    assert 'id="duration-start">2時間<' in page
    assert 'id="duration-detection">0分<' in page

    markdown = web.get(
        f"/api/v1/postmortems/{postmortem_id}/markdown", headers=bearer(world, crew.engineer)
    ).text
    assert "2026-11-01 00:30 PDT" in markdown
    assert "2026-11-01 01:30 PST" in markdown
    # The recorded recovery action, at the company's wall time after the clocks went back.
    assert "| 2026-11-01 01:30 PST | ホットフィックスを本番にデプロイ |" in markdown
    assert "2時間" in markdown
