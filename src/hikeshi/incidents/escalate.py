"""Paging the on-call engineer from an incident's war room (FLOW.md §1: anyone may page, support too).

The page is the on-call domain's; it names the incident as its source, so the war room lists it with
the pages of the linked alert groups, and the timeline says who paged whom and when.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from hikeshi.catalog import service as catalog
from hikeshi.core.errors import Conflict, NotFound
from hikeshi.incidents.models import Incident
from hikeshi.incidents.rules import CLOSED_STATUSES, Status
from hikeshi.incidents.work import load_incident, record_event
from hikeshi.oncall import escalation, paging
from hikeshi.oncall.paging_models import Page

SOURCE_KIND = "incident"


def pageable_services(*, session: Session) -> list[str]:
    return escalation.pageable_services(session=session)


def default_service(*, session: Session, incident: Incident) -> str:
    """Whoever answers for the first affected product, else the first service anyone answers for."""
    names = pageable_services(session=session)
    slugs = {product.id: product.slug for product in catalog.list_products(session=session)}
    for product_id in incident.product_ids:
        if slugs.get(product_id) in names:
            return slugs[product_id]
    return names[0] if names else ""


def page_oncall(
    *,
    session: Session,
    number: int,
    service: str,
    urgency: str,
    by: int | None,
    by_name: str,
    now: datetime,
) -> Page:
    """Page whoever answers for `service` (a product or team slug; empty: the incident's product)."""
    incident = load_incident(session, number, lock=True)
    if Status(incident.status) in CLOSED_STATUSES:
        raise Conflict("incident #{value} is closed; nobody is paged for it", value=number)
    chosen = service.strip().lower() or default_service(session=session, incident=incident)
    policy = escalation.policy_for_service(session=session, name=chosen) if chosen else None
    if policy is None:
        raise NotFound(
            "service: no escalation policy answers for '{value}'; try one of: {choices}",
            field="service",
            value=chosen,
            choices=", ".join(pageable_services(session=session)) or "—",
        )
    page = paging.start_page(
        session=session,
        title=f"#{incident.number} {incident.title}",
        urgency=urgency,
        policy_id=policy.id,
        now=now,
        source_kind=SOURCE_KIND,
        source_id=incident.id,
        requested_by_id=by,
        requested_by_name=by_name,
    )
    record_event(
        session,
        incident,
        "page_started",
        now,
        by=by,
        note=chosen,
        data={"page_id": page.id, "service": chosen},
    )
    session.flush()
    return page


def pages_of(*, session: Session, incident: Incident) -> list[Page]:
    return paging.pages_for_source(session=session, source_kind=SOURCE_KIND, source_id=incident.id)
