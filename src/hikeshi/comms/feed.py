"""The in-app notice feed: the published notices that concern one store (or product), newest first.

An entry is one incident or one maintenance: its latest IN_APP notice is the headline, its earlier
IN_APP notices are the entry's `updates` (newest first), so the app shows one banner per incident
and can unfold its story. An incident's entry stays until three days after it was resolved (the
RESOLVED notice is what the app shows meanwhile); a maintenance's from its announcement until a day
after it was completed, never once cancelled. A store sees an entry when the headline names one of
the products it uses (or none) and its region (or none).

The answer is a function of the comms version and of the clock marks passed (`feed_rules.clock_marks`),
so `feed_state` alone decides a conditional GET without building anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hikeshi.catalog.models import Product, Store
from hikeshi.catalog.service import find_store, get_product_by_slug, list_products, store_products
from hikeshi.comms import feed_rules
from hikeshi.comms.changes import current_version
from hikeshi.comms.feed_rules import FeedQuery
from hikeshi.comms.models import Maintenance, Notice
from hikeshi.comms.rules import NoticeChannel, NoticeKind, NoticeStatus, PublicStatus
from hikeshi.comms.status import INCIDENT_PREFIX
from hikeshi.core.errors import InvalidInput, NotFound
from hikeshi.incidents.models import Incident

# Clock marks older than this no longer matter: the feed has long shown what they changed.
MARKS_LOOKBACK = timedelta(days=8)


@dataclass(frozen=True, slots=True)
class FeedState:
    version: int
    last_modified: datetime | None  # None: nothing was ever published

    def etag(self, query: FeedQuery) -> str:
        return feed_rules.etag(version=self.version, modified=self.last_modified, query=query)


def feed_state(*, session: Session, now: datetime) -> FeedState:
    """What every answer's ETag and Last-Modified are made of: a few small look-ups, nothing rendered."""
    version, changed_at = current_version(session=session)
    since = now - MARKS_LOOKBACK - feed_rules.RESOLVED_VISIBLE
    published = select(Notice.incident_id).where(Notice.status == NoticeStatus.PUBLISHED)
    resolved_at = session.scalars(
        select(Incident.resolved_at).where(
            Incident.id.in_(published), Incident.resolved_at.is_not(None), Incident.resolved_at > since
        )
    )
    resolved_notices_at = session.scalars(
        select(Notice.published_at).where(
            Notice.status == NoticeStatus.PUBLISHED,
            Notice.published_at > since,
            or_(Notice.kind == NoticeKind.RESOLVED, Notice.public_status == PublicStatus.RESOLVED),
        )
    )
    announced = select(Notice.maintenance_id).where(Notice.status == NoticeStatus.PUBLISHED)
    maintenances = session.scalars(
        select(Maintenance).where(
            Maintenance.id.in_(announced),
            or_(Maintenance.scheduled_until > since, Maintenance.completed_at > since),
        )
    )
    marks = feed_rules.clock_marks(
        resolved_at=[moment for moment in resolved_at if moment is not None],
        resolved_notices_at=[moment for moment in resolved_notices_at if moment is not None],
        maintenances=list(maintenances),
    )
    modified = feed_rules.last_modified(changed_at=changed_at, marks=marks, now=now)
    return FeedState(version=version, last_modified=modified)


def feed_document(*, session: Session, now: datetime, query: FeedQuery, base_url: str) -> dict[str, object]:
    """The feed for a store (its external id) and/or a product (its slug); neither: every entry."""
    products = {product.id: product for product in list_products(session=session)}
    product_ids: frozenset[int] | None = None
    region: str | None = None
    if query.store is not None:
        store = _store(session, query.store)
        region = store.region
        product_ids = frozenset(product.id for product in store_products(session=session, store_id=store.id))
    if query.product is not None:
        wanted = get_product_by_slug(session=session, slug=query.product).id
        product_ids = frozenset({wanted}) if product_ids is None else product_ids & {wanted}
    entries = [
        _entry(
            thread,
            query=query,
            maintenance=maintenance,
            status_id=status_id,
            products=products,
            now=now,
            base_url=base_url,
        )
        for thread, maintenance, status_id in _current_threads(session, now)
        if feed_rules.concerns(
            notice_products=thread[0].product_ids,
            notice_regions=thread[0].region_codes,
            product_ids=product_ids,
            region=region,
        )
    ]
    return {
        "language": query.language,
        "store": query.store,
        "product": query.product,
        "status_url": f"{base_url}/status",
        "notices": entries,
    }


def render_feed(document: dict[str, object]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def _store(session: Session, external_id: str) -> Store:
    """The store with exactly this external id (the feed never searches by name, nor says what matched)."""
    try:
        store = find_store(session=session, key=external_id)
    except (NotFound, InvalidInput):
        store = None
    if store is None or store.external_id != external_id:
        raise NotFound("store '{value}' does not exist", field="store", value=external_id)
    return store


Thread = list[Notice]  # one incident's or maintenance's IN_APP notices, newest first


def _current_threads(session: Session, now: datetime) -> list[tuple[Thread, Maintenance | None, str | None]]:
    """Entries to show now, the most recently updated first, with the status page's id of each incident."""
    rows = session.execute(
        select(Notice, Incident.resolved_at)
        .outerjoin(Incident, Incident.id == Notice.incident_id)
        .outerjoin(Maintenance, Maintenance.id == Notice.maintenance_id)
        .where(
            Notice.status == NoticeStatus.PUBLISHED,
            or_(Incident.resolved_at.is_(None), Incident.resolved_at > now - feed_rules.RESOLVED_VISIBLE),
            or_(
                Notice.maintenance_id.is_(None),
                Maintenance.cancelled_at.is_(None)
                & or_(
                    Maintenance.completed_at.is_(None),
                    Maintenance.completed_at > now - feed_rules.COMPLETED_VISIBLE,
                ),
            ),
        )
        .order_by(Notice.published_at.desc(), Notice.id.desc())
    ).all()
    threads: dict[tuple[str, int], Thread] = {}
    resolved: dict[tuple[str, int], datetime | None] = {}
    first_on_page: dict[int, int] = {}  # incident → its first notice on the status page (rows: newest first)
    for notice, resolved_at in rows:
        if notice.incident_id is not None and NoticeChannel.STATUS_PAGE in notice.channels:
            first_on_page[notice.incident_id] = notice.id
        if NoticeChannel.IN_APP not in notice.channels:
            continue
        if notice.maintenance_id is not None:
            key = ("maintenance", notice.maintenance_id)
        elif notice.incident_id is not None:
            key = ("incident", notice.incident_id)
        else:  # about neither: a thread of its own
            key = ("notice", notice.id)
        threads.setdefault(key, []).append(notice)
        resolved[key] = resolved_at
    wanted = [key[1] for key in threads if key[0] == "maintenance"]
    maintenances = (
        {item.id: item for item in session.scalars(select(Maintenance).where(Maintenance.id.in_(wanted)))}
        if wanted
        else {}
    )
    current: list[tuple[Thread, Maintenance | None, str | None]] = []
    for key, thread in threads.items():
        if key[0] == "maintenance":
            maintenance = maintenances.get(key[1])
            if maintenance is not None and feed_rules.maintenance_visible(maintenance, now=now):
                current.append((thread, maintenance, None))
        elif feed_rules.incident_visible(latest=thread[0], incident_resolved_at=resolved[key], now=now):
            on_page = first_on_page.get(key[1]) if key[0] == "incident" else None
            current.append((thread, None, f"{INCIDENT_PREFIX}{on_page}" if on_page is not None else None))
    return current


def _entry(
    thread: Thread,
    *,
    query: FeedQuery,
    maintenance: Maintenance | None,
    status_id: str | None,
    products: dict[int, Product],
    now: datetime,
    base_url: str,
) -> dict[str, object]:
    item = feed_rules.feed_item(
        notice=thread[0],
        language=query.language,
        products=products,
        maintenance=maintenance,
        now=now,
        base_url=base_url,
        status_id=status_id,
    )
    item["updates"] = [feed_rules.update_item(notice, language=query.language) for notice in thread[1:]]
    return item
