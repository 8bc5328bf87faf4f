"""Publishing to esa end to end: the reviewer publishes, the worker copies it to the local esa server.

The container is built from settings naming the local server (team, token, API URL), so the wiring in
bootstrap is exercised too; the server checks every request as esa does.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from hikeshi.bootstrap import Container, bootstrap
from hikeshi.core.errors import Conflict
from hikeshi.core.settings import Settings
from hikeshi.db.migrate import upgrade_database
from hikeshi.postmortems import publishing
from hikeshi.postmortems.rules import IncompletePostmortem, RequiredField
from hikeshi.postmortems.schemas import PostmortemUpdate
from tests.integration.postmortems.conftest import Crew
from tests.support.catalog import add_products, run_jobs
from tests.support.clock import FrozenClock
from tests.support.esa_server import EsaServer
from tests.support.publishing import CAUSE, publish, republish, stored, submitted_postmortem


@pytest.fixture
def world(settings: Settings, clock: FrozenClock, esa_server: EsaServer) -> Iterator[Container]:
    """The postmortems world with esa configured (overrides the conftest's)."""
    configured = settings.model_copy(
        update={"esa_team": esa_server.team, "esa_token": esa_server.token, "esa_api_url": esa_server.api_url}
    )
    container = bootstrap(configured, clock=clock)
    upgrade_database(container.engine)
    with container.sessions() as db:
        add_products(db, container)
        db.commit()
    yield container
    container.close()


def test_an_empty_cause_is_refused_by_name_and_nothing_reaches_esa(
    world: Container, crew: Crew, esa_server: EsaServer
) -> None:
    postmortem_id = submitted_postmortem(world, crew, cause="")

    with pytest.raises(IncompletePostmortem) as caught:
        publish(world, crew, postmortem_id)
    run_jobs(world)

    assert caught.value.missing == [RequiredField.CAUSE]
    assert "Cause" in str(caught.value.render(lambda text: text))
    assert esa_server.requests == []
    assert stored(world, postmortem_id).kb_kind == ""


def test_publishing_creates_one_post_and_publishing_again_updates_it(
    world: Container, crew: Crew, esa_server: EsaServer, clock: FrozenClock
) -> None:
    postmortem_id = submitted_postmortem(world, crew)
    published = publish(world, crew, postmortem_id)

    run_jobs(world)
    run_jobs(world)  # a second round finds nothing more to copy

    [create] = esa_server.requests
    assert (create.method, create.status) == ("POST", 201)
    post = esa_server.posts[create.number or 0]
    assert post.name == "2026-12-01 No.1 Web予約で予約が保存できない"
    assert post.category == "障害情報"
    assert post.wip is False
    assert post.body_md == published.published_markdown
    assert f"## 原因\n\n{CAUSE}\n" in post.body_md
    assert "# English" not in post.body_md
    assert create.body["post"]["tags"] == ["postmortem", "SEV2"]
    first = stored(world, postmortem_id)
    assert (first.kb_kind, first.kb_post_number, first.kb_location) == ("esa", post.number, post.url)
    assert (first.kb_synced_at, first.kb_synced_version, first.kb_error) == (clock.now, first.version, "")

    clock.advance(hours=2)
    republish(
        world, crew, postmortem_id, PostmortemUpdate(cause_en="Lock waits on the bookings table cascaded")
    )
    run_jobs(world)

    assert [(item.method, item.number, item.status) for item in esa_server.requests] == [
        ("POST", post.number, 201),
        ("PATCH", post.number, 200),
    ]
    assert list(esa_server.posts) == [post.number]
    assert post.revision_number == 2
    assert "# English" in post.body_md
    assert "Lock waits on the bookings table cascaded" in post.body_md
    second = stored(world, postmortem_id)
    assert second.kb_post_number == post.number
    assert (second.kb_synced_at, second.kb_synced_version) == (clock.now, second.version)
    assert second.kb_synced_version > first.kb_synced_version


def test_throttled_by_esa_the_error_is_shown_and_the_job_retries_after_retry_after(
    world: Container, crew: Crew, esa_server: EsaServer, clock: FrozenClock
) -> None:
    postmortem_id = submitted_postmortem(world, crew)
    publish(world, crew, postmortem_id)
    esa_server.fail_next(1, status=429, retry_after=120)

    run_jobs(world)
    failed = stored(world, postmortem_id)
    clock.advance(seconds=60)
    run_jobs(world)  # too early: esa asked for two minutes

    assert [item.status for item in esa_server.requests] == [429]
    assert "429" in failed.kb_error
    assert "too_many_requests" in failed.kb_error
    assert failed.kb_post_number is None

    clock.advance(seconds=61)
    run_jobs(world)

    assert [item.status for item in esa_server.requests] == [429, 201]
    synced = stored(world, postmortem_id)
    assert (synced.kb_error, synced.kb_post_number) == ("", esa_server.requests[1].number)


def test_a_stale_job_does_nothing(world: Container, crew: Crew, esa_server: EsaServer) -> None:
    postmortem_id = submitted_postmortem(world, crew)
    first = publish(world, crew, postmortem_id)
    run_jobs(world)
    republish(world, crew, postmortem_id, PostmortemUpdate(cause_en="Lock waits"))
    run_jobs(world)

    with world.sessions() as db:
        result = publishing.sync_postmortem(
            session=db,
            postmortem_id=postmortem_id,
            version=first.version,
            knowledge_base=world.knowledge_base,
            settings=world.settings,
            now=world.clock(),
        )
        db.commit()

    assert not result.synced
    assert [item.method for item in esa_server.requests] == ["POST", "PATCH"]
    assert "Lock waits" in esa_server.posts[1].body_md


def test_sync_again_after_a_permanent_failure(
    world: Container, crew: Crew, esa_server: EsaServer, clock: FrozenClock
) -> None:
    postmortem_id = submitted_postmortem(world, crew)
    publish(world, crew, postmortem_id)
    token, esa_server.token = esa_server.token, "rotated-on-esa"

    run_jobs(world)
    clock.advance(hours=1)
    run_jobs(world)  # a wrong token is not retried

    assert [item.status for item in esa_server.requests] == [401]
    assert "401" in stored(world, postmortem_id).kb_error

    esa_server.token = token  # the token is fixed on esa's side
    with world.sessions() as db:
        assert publishing.retry_sync(session=db, postmortem_id=postmortem_id, now=clock.now) is not None
        db.commit()
    run_jobs(world)

    assert [item.status for item in esa_server.requests] == [401, 201]
    synced = stored(world, postmortem_id)
    assert (synced.kb_error, synced.kb_kind, synced.kb_post_number) == ("", "esa", 1)

    clock.advance(timedelta(minutes=5))
    with world.sessions() as db:
        publishing.retry_sync(session=db, postmortem_id=postmortem_id, now=clock.now)
        db.commit()
    run_jobs(world)  # syncing again what is there already updates the same post

    assert [(item.method, item.number) for item in esa_server.requests][1:] == [("POST", 1), ("PATCH", 1)]


def test_sync_again_is_refused_before_anything_was_published(world: Container, crew: Crew) -> None:
    postmortem_id = submitted_postmortem(world, crew)

    with world.sessions() as db, pytest.raises(Conflict) as caught:
        publishing.retry_sync(session=db, postmortem_id=postmortem_id, now=world.clock())

    assert "has not been published" in str(caught.value)
