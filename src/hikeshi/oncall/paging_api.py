"""JSON API of paging: /api/v1/escalation-policies, /api/v1/pages, /api/v1/me/notification-rules,
/api/v1/oncall/metrics.

Anyone with an API token may page (support and sales too); responders manage policies and act on pages.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, status
from fastapi.responses import Response
from sqlalchemy.orm import Session

from hikeshi.accounts.deps import AnyUserApi, DbSession, Now, ResponderApi, StaffApi
from hikeshi.core.errors import InvalidInput
from hikeshi.oncall import escalation, paging, paging_metrics
from hikeshi.oncall.paging_models import Page
from hikeshi.oncall.paging_rules import parse_urgency
from hikeshi.oncall.paging_schemas import (
    MetricsOut,
    PageDetailOut,
    PageEventOut,
    PageIn,
    PageOut,
    PolicyIn,
    PolicyOut,
    RuleIn,
    RuleOut,
    RulesIn,
)

router = APIRouter(prefix="/api/v1", tags=["paging"])


@router.get("/escalation-policies", response_model=list[PolicyOut])
def list_policies(db: DbSession, _: StaffApi) -> list[PolicyOut]:
    return [escalation.policy_out(session=db, policy=p) for p in escalation.list_policies(session=db)]


@router.post("/escalation-policies", response_model=PolicyOut, status_code=status.HTTP_201_CREATED)
def create_policy(body: PolicyIn, db: DbSession, now: Now, _: ResponderApi) -> PolicyOut:
    policy = escalation.create_policy(
        session=db, policy=escalation.policy_input(session=db, body=body), now=now
    )
    db.commit()
    return escalation.policy_out(session=db, policy=policy)


@router.get("/escalation-policies/{policy_id}", response_model=PolicyOut)
def read_policy(policy_id: int, db: DbSession, _: StaffApi) -> PolicyOut:
    return escalation.policy_out(session=db, policy=escalation.get_policy(session=db, policy_id=policy_id))


@router.put("/escalation-policies/{policy_id}", response_model=PolicyOut)
def replace_policy(policy_id: int, body: PolicyIn, db: DbSession, now: Now, _: ResponderApi) -> PolicyOut:
    """Replace the policy; pages already running keep the policy as it was when they started."""
    policy = escalation.update_policy(
        session=db, policy_id=policy_id, policy=escalation.policy_input(session=db, body=body), now=now
    )
    db.commit()
    return escalation.policy_out(session=db, policy=policy)


@router.delete("/escalation-policies/{policy_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_policy(policy_id: int, db: DbSession, _: ResponderApi) -> Response:
    escalation.delete_policy(session=db, policy_id=policy_id)
    db.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/pages", response_model=list[PageOut])
def list_pages(db: DbSession, _: StaffApi, status: str | None = None, limit: int = 100) -> list[Page]:
    """`status`: open, acknowledged, resolved, exhausted; none for all."""
    return paging.list_pages(session=db, status=status, limit=limit)


@router.post("/pages", response_model=PageDetailOut, status_code=status.HTTP_201_CREATED)
def create_page(body: PageIn, db: DbSession, now: Now, user: AnyUserApi) -> PageDetailOut:
    """Page by product or team (`service`), by policy, or one person (`user_id`)."""
    chosen = [value for value in (body.service, body.policy_id, body.user_id) if value is not None]
    if len(chosen) != 1:
        raise InvalidInput("service: give exactly one of service, policy_id and user_id", field="service")
    if body.service is not None:
        page = paging.page_service(
            session=db,
            service=body.service,
            message=body.message,
            urgency=body.urgency,
            now=now,
            requested_by_id=user.id,
            requested_by_name=user.name,
            source_kind="api",
        )
    else:
        page = paging.start_page(
            session=db,
            title=body.message,
            urgency=body.urgency,
            policy_id=body.policy_id,
            user_id=body.user_id,
            now=now,
            source_kind="api",
            requested_by_id=user.id,
            requested_by_name=user.name,
        )
    db.commit()
    return _detail(db, page)


@router.get("/pages/{page_id}", response_model=PageDetailOut)
def read_page(page_id: int, db: DbSession, _: StaffApi) -> PageDetailOut:
    return _detail(db, paging.get_page(session=db, page_id=page_id))


@router.post("/pages/{page_id}/acknowledge", response_model=PageDetailOut)
def acknowledge_page(page_id: int, db: DbSession, now: Now, user: ResponderApi) -> PageDetailOut:
    page = paging.acknowledge_page(session=db, page_id=page_id, user_id=user.id, now=now)
    db.commit()
    return _detail(db, page)


@router.post("/pages/{page_id}/resolve", response_model=PageDetailOut)
def resolve_page(page_id: int, db: DbSession, now: Now, user: ResponderApi) -> PageDetailOut:
    page = paging.resolve_page(session=db, page_id=page_id, user_id=user.id, now=now)
    db.commit()
    return _detail(db, page)


def _detail(db: Session, page: Page) -> PageDetailOut:
    events = [PageEventOut.model_validate(event) for event in paging.page_events(session=db, page_id=page.id)]
    facts = paging_metrics.page_facts(session=db, page=page)
    return PageDetailOut(
        **PageOut.model_validate(page).model_dump(),
        events=events,
        time_to_acknowledge_seconds=facts.time_to_acknowledge_seconds,
        notified_user_ids=facts.notified_user_ids,
        at_night=facts.at_night,
        suppressed_notifications=facts.suppressed,
    )


@router.get("/me/notification-rules", response_model=list[RuleOut])
def my_rules(db: DbSession, user: AnyUserApi, urgency: str = "high") -> list[RuleOut]:
    rules = escalation.notification_rules(session=db, user_id=user.id, urgency=parse_urgency(urgency))
    return [RuleOut.model_validate(rule) for rule in rules]


@router.put("/me/notification-rules", response_model=list[RuleOut])
def set_my_rules(body: RulesIn, db: DbSession, now: Now, user: AnyUserApi) -> list[RuleOut]:
    """Replace your rules for one urgency; an empty list means every contact method at once."""
    rules = escalation.set_notification_rules(
        session=db,
        user_id=user.id,
        urgency=body.urgency,
        rules=[_rule(rule) for rule in body.rules],
        now=now,
    )
    db.commit()
    return [RuleOut.model_validate(rule) for rule in rules]


def _rule(rule: RuleIn) -> escalation.RuleInput:
    return escalation.RuleInput(contact_method_id=rule.contact_method_id, delay_minutes=rule.delay_minutes)


@router.get("/oncall/metrics", response_model=MetricsOut)
def metrics(db: DbSession, _: StaffApi, since: datetime, until: datetime) -> MetricsOut:
    """Pages started in [since, until): per person, at night, time to acknowledge (percentiles)."""
    for name, moment in (("since", since), ("until", until)):
        if moment.tzinfo is None:
            raise InvalidInput("{field}: give a time zone offset, e.g. 2026-12-01T00:00+09:00", field=name)
    return MetricsOut.model_validate(paging_metrics.paging_metrics(session=db, since=since, until=until))
