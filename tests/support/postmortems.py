"""Helpers for postmortem tests: a company, a resolved incident, a postmortem row."""

from __future__ import annotations

from datetime import datetime

from hikeshi.bootstrap import Container
from hikeshi.incidents import service as incidents
from hikeshi.incidents import work
from hikeshi.incidents.models import Incident
from hikeshi.incidents.schemas import IncidentCreate
from hikeshi.postmortems.models import Postmortem
from hikeshi.postmortems.rules import PostmortemStatus


def resolved_incident(
    world: Container,
    *,
    by: int,
    title: str = "Web予約で予約が保存できない",
    products: tuple[str, ...] = ("web-booking",),
    started_at: datetime | None = None,
    resolve_at: datetime | None = None,
    severity: str = "SEV2",
) -> Incident:
    """Declared now (the clock's time), a hotfix recorded, resolved at `resolve_at` (default: now)."""
    now = world.clock()
    with world.sessions() as db:
        incident = incidents.declare_incident(
            session=db,
            new=IncidentCreate(
                title=title,
                products=list(products),
                severity=severity,
                started_at=started_at,
                declare=True,
            ),
            by=by,
            now=now,
        )
        end = resolve_at or now
        work.add_recovery_action(
            session=db,
            number=incident.number,
            kind="hotfix",
            description="ロック待ちを解消する修正をデプロイ",
            performed_by_id=by,
            performed_at=end if end <= now else now,
            by=by,
            now=now,
        )
        incidents.resolve_incident(session=db, number=incident.number, by=by, now=end)
        db.commit()
        db.refresh(incident)
        db.expunge(incident)
        return incident


def insert_postmortem(world: Container, incident: Incident, **fields: object) -> int:
    """A postmortem row straight into the table (for tests of what reads postmortems)."""
    now = world.clock()
    with world.sessions() as db:
        values: dict[str, object] = {"status": PostmortemStatus.DRAFT.value, **fields}
        postmortem = Postmortem(incident_id=incident.id, created_at=now, updated_at=now, **values)
        db.add(postmortem)
        db.commit()
        return postmortem.id
