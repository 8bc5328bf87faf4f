"""Helpers for the publishing tests: a postmortem written and submitted, then published by its reviewer."""

from __future__ import annotations

from datetime import date, timedelta

from hikeshi.bootstrap import Container
from hikeshi.postmortems import service
from hikeshi.postmortems.models import Postmortem
from hikeshi.postmortems.schemas import PostmortemUpdate
from tests.integration.postmortems.conftest import Crew
from tests.support.postmortems import resolved_incident

CAUSE = "予約テーブルのロック待ちが連鎖した"


def submitted_postmortem(world: Container, crew: Crew, *, cause: str = CAUSE) -> int:
    """A resolved incident's postmortem, written by the engineer (cause as given) and submitted."""
    now = world.clock()
    incident = resolved_incident(world, by=crew.engineer.id, started_at=now - timedelta(minutes=50))
    with world.sessions() as db:
        postmortem = service.open_postmortem(
            session=db, incident_id=incident.id, now=now, timezone=world.settings.timezone
        )
        service.update_postmortem(
            session=db,
            postmortem_id=postmortem.id,
            changes=PostmortemUpdate(cause_ja=cause),
            by=crew.engineer.id,
            now=now,
        )
        service.add_action_item(
            session=db,
            postmortem_id=postmortem.id,
            title="ロック待ちの監視を追加する",
            due_on=date(2026, 12, 15),
            owner_id=crew.engineer.id,
            by=crew.engineer.id,
            now=now,
        )
        service.submit_postmortem(session=db, postmortem_id=postmortem.id, by=crew.engineer.id, now=now)
        db.commit()
        return postmortem.id


def publish(world: Container, crew: Crew, postmortem_id: int) -> Postmortem:
    """The reviewer publishes it (committed); the copy to the knowledge base waits for the worker."""
    with world.sessions() as db:
        postmortem = service.publish_postmortem(
            session=db,
            postmortem_id=postmortem_id,
            by=crew.reviewer,
            now=world.clock(),
            url=world.settings.public_url(f"/postmortems/{postmortem_id}"),
            timezone=world.settings.timezone,
        )
        db.commit()
        db.refresh(postmortem)
        db.expunge(postmortem)
        return postmortem


def republish(world: Container, crew: Crew, postmortem_id: int, changes: PostmortemUpdate) -> Postmortem:
    """Reopen the published postmortem, change it, submit it again and publish it again."""
    now = world.clock()
    with world.sessions() as db:
        service.reopen_postmortem(session=db, postmortem_id=postmortem_id, by=crew.engineer.id, now=now)
        service.update_postmortem(
            session=db, postmortem_id=postmortem_id, changes=changes, by=crew.engineer.id, now=now
        )
        service.submit_postmortem(session=db, postmortem_id=postmortem_id, by=crew.engineer.id, now=now)
        db.commit()
    return publish(world, crew, postmortem_id)


def stored(world: Container, postmortem_id: int) -> Postmortem:
    with world.sessions() as db:
        postmortem = db.get(Postmortem, postmortem_id)
        assert postmortem is not None
        db.expunge(postmortem)
        return postmortem
