"""Copying a published postmortem to the knowledge base (esa, or a folder of Markdown files).

`publish_postmortem` stores the Markdown (`published_markdown`) and enqueues `PUBLISH_JOB` with the
postmortem's version; the job copies that Markdown out: the first time it creates the post, then it
updates the same post (esa's post number is kept in `kb_post_number`). What happened is recorded on
the postmortem (`kb_*`), failures included, so its page can show where the copy is or why it is not.

On PostgreSQL the postmortem's row is locked while the knowledge base is written, so two jobs for one
postmortem (published twice in quick succession) on two workers never create two posts; SQLite has one
worker, which writes outside any transaction (see `sync_postmortem`). A job for an older version than
the one already copied does nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from hikeshi.core.errors import Conflict, ExternalServiceError, NotFound
from hikeshi.core.settings import Settings
from hikeshi.jobs import service as jobs
from hikeshi.jobs.models import Job
from hikeshi.postmortems import facts, markdown
from hikeshi.postmortems.models import Postmortem
from hikeshi.postmortems.ports import KnowledgeBasePort, StoredPost
from hikeshi.postmortems.rules import PUBLISH_JOB

log = logging.getLogger("hikeshi.postmortems")

TAGS: Final = ("postmortem",)
MAX_ERROR = 2000


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What one run of the publish job did: `synced` False means there was nothing (newer) to copy."""

    synced: bool
    number: int | None = None
    location: str = ""


def retry_sync(*, session: Session, postmortem_id: int, now: datetime) -> Job | None:
    """Copy the published postmortem to the knowledge base again now (the page's "sync again")."""
    postmortem = session.get(Postmortem, postmortem_id)
    if postmortem is None:
        raise NotFound("There is no postmortem {id}", id=postmortem_id)
    if not postmortem.published_markdown:
        raise Conflict("The postmortem has not been published yet")
    return jobs.enqueue(
        session=session,
        kind=PUBLISH_JOB,
        payload={"postmortem_id": postmortem.id, "version": postmortem.version, "force": True},
        now=now,
        idempotency_key=f"{PUBLISH_JOB}:{postmortem.id}:{postmortem.version}:again@{now.isoformat()}",
    )


@dataclass(frozen=True, slots=True)
class SyncPlan:
    """One write to the knowledge base: what `KnowledgeBasePort.publish` is called with."""

    postmortem_id: int
    version: int
    name: str
    body_md: str
    category: str
    tags: list[str]
    number: int | None
    key: str


def plan_sync(
    *,
    session: Session,
    postmortem_id: int,
    version: int,
    knowledge_base_kind: str,
    settings: Settings,
    force: bool = False,
    lock: bool = False,
) -> SyncPlan | None:
    """What to write for `version`, or None when nothing (newer) is to be copied.

    `lock` holds the postmortem's row until the caller's transaction ends (PostgreSQL: two workers syncing
    one postmortem at once would otherwise both create a post).
    """
    query = select(Postmortem).where(Postmortem.id == postmortem_id)
    postmortem = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if postmortem is None or not postmortem.published_markdown:
        return None
    stale = version < postmortem.kb_synced_version or (version == postmortem.kb_synced_version and not force)
    if stale:
        log.info("postmortem %d: version %d is in the knowledge base already", postmortem_id, version)
        return None
    document = facts.build_document(
        session=session,
        postmortem=postmortem,
        language="ja",
        timezone=settings.timezone,
        url=settings.public_url(f"/postmortems/{postmortem.id}"),
    )
    return SyncPlan(
        postmortem_id=postmortem.id,
        version=version,
        name=markdown.post_name(document),
        body_md=postmortem.published_markdown,
        category=settings.esa_category,
        tags=[*TAGS, document.severity],
        # A post number means something only to the knowledge base that gave it (esa, not a folder).
        number=postmortem.kb_post_number if postmortem.kb_kind == knowledge_base_kind else None,
        key=markdown.post_key(document),
    )


def write_to_knowledge_base(plan: SyncPlan, knowledge_base: KnowledgeBasePort) -> StoredPost:
    """The one call that leaves hikeshi; raises ExternalServiceError when the knowledge base failed."""
    return knowledge_base.publish(
        name=plan.name,
        body_md=plan.body_md,
        category=plan.category,
        tags=plan.tags,
        number=plan.number,
        key=plan.key,
    )


def record_sync(
    *, session: Session, plan: SyncPlan, stored: StoredPost, knowledge_base_kind: str, now: datetime
) -> SyncResult:
    """Remember where the copy went (a later version already recorded is kept)."""
    postmortem = session.get(Postmortem, plan.postmortem_id)
    if postmortem is None:
        return SyncResult(synced=False)
    postmortem.kb_kind = knowledge_base_kind
    postmortem.kb_post_number = stored.number
    postmortem.kb_location = stored.location
    postmortem.kb_synced_at = now
    postmortem.kb_synced_version = max(plan.version, postmortem.kb_synced_version)
    postmortem.kb_error = ""
    return SyncResult(synced=True, number=stored.number, location=stored.location)


def sync_postmortem(
    *,
    session: Session,
    postmortem_id: int,
    version: int,
    knowledge_base: KnowledgeBasePort,
    settings: Settings,
    now: datetime,
    force: bool = False,
) -> SyncResult:
    """Plan, write and record in one transaction, holding the postmortem's row (PostgreSQL).

    On SQLite the job handler runs the three steps in separate transactions instead: every SQLite
    transaction holds the database's write lock, which must not wait for the knowledge base, and one
    worker per SQLite file means no other sync runs meanwhile. Raises ExternalServiceError when the
    knowledge base failed; the caller records it with `record_sync_error` in a new transaction.
    """
    plan = plan_sync(
        session=session,
        postmortem_id=postmortem_id,
        version=version,
        knowledge_base_kind=knowledge_base.kind,
        settings=settings,
        force=force,
        lock=True,
    )
    if plan is None:
        return SyncResult(synced=False)
    stored = write_to_knowledge_base(plan, knowledge_base)
    return record_sync(
        session=session, plan=plan, stored=stored, knowledge_base_kind=knowledge_base.kind, now=now
    )


def record_sync_error(*, session: Session, postmortem_id: int, error: ExternalServiceError) -> None:
    """Keep the knowledge base's answer on the postmortem, for its page (cleared by the next sync)."""
    postmortem = session.get(Postmortem, postmortem_id)
    if postmortem is not None:
        postmortem.kb_error = str(error)[:MAX_ERROR]
