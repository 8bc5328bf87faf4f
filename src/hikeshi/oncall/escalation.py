"""Use cases of escalation policies and personal notification rules. Keyword-only; they never commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from hikeshi.accounts.models import ContactMethod, User
from hikeshi.accounts.rules import validate_name
from hikeshi.accounts.service import find_user_by_email, get_team, get_user, list_teams
from hikeshi.catalog.service import get_product_by_slug, list_products
from hikeshi.core.errors import Conflict, InvalidInput, NotFound
from hikeshi.oncall.models import Schedule
from hikeshi.oncall.paging_models import (
    EscalationPolicy,
    EscalationPolicyProduct,
    EscalationStep,
    NotificationRule,
)
from hikeshi.oncall.paging_rules import (
    MAX_RULE_DELAY_MINUTES,
    StepInput,
    TargetType,
    Urgency,
    check_steps,
    parse_target,
    parse_urgency,
)
from hikeshi.oncall.paging_schemas import PolicyIn, PolicyOut, StepOut, TargetOut
from hikeshi.oncall.service import find_schedule, on_call_user_ids


@dataclass(frozen=True, slots=True)
class PolicyInput:
    name: str
    steps: list[StepInput]
    repeat_count: int = 0
    description: str = ""
    team_id: int | None = None
    product_slugs: Sequence[str] = ()


def create_policy(*, session: Session, policy: PolicyInput, now: datetime) -> EscalationPolicy:
    name = validate_name(policy.name)
    if session.scalar(select(EscalationPolicy.id).where(EscalationPolicy.name == name)) is not None:
        raise Conflict("name: a policy '{value}' already exists", field="name", value=name)
    created = EscalationPolicy(name=name, created_at=now, updated_at=now)
    session.add(created)
    _apply(session, created, policy, now)
    session.flush()
    return created


def update_policy(
    *, session: Session, policy_id: int, policy: PolicyInput, now: datetime
) -> EscalationPolicy:
    """Replace the policy's steps and settings. Pages already running keep their snapshot."""
    existing = get_policy(session=session, policy_id=policy_id)
    name = validate_name(policy.name)
    clash = session.scalar(
        select(EscalationPolicy.id).where(EscalationPolicy.name == name, EscalationPolicy.id != policy_id)
    )
    if clash is not None:
        raise Conflict("name: a policy '{value}' already exists", field="name", value=name)
    existing.name = name
    existing.steps.clear()
    existing.products.clear()
    session.flush()
    _apply(session, existing, policy, now)
    session.flush()
    return existing


def _apply(session: Session, target: EscalationPolicy, policy: PolicyInput, now: datetime) -> None:
    check_steps(policy.steps, repeat_count=policy.repeat_count)
    for step in policy.steps:
        for kind, target_id in step.targets:
            _check_target(session, kind, target_id)
    target.description = policy.description.strip()[:2000]
    target.team_id = get_team(session=session, team_id=policy.team_id).id if policy.team_id else None
    target.repeat_count = policy.repeat_count
    target.updated_at = now
    target.steps = [
        EscalationStep(
            position=position,
            delay_minutes=step.delay_minutes,
            targets=[{"type": kind.value, "id": target_id} for kind, target_id in step.targets],
        )
        for position, step in enumerate(policy.steps)
    ]
    product_ids = {get_product_by_slug(session=session, slug=slug).id for slug in policy.product_slugs}
    target.products = [EscalationPolicyProduct(product_id=product_id) for product_id in sorted(product_ids)]


def _check_target(session: Session, kind: TargetType, target_id: int) -> None:
    if kind is TargetType.USER:
        get_user(session=session, user_id=target_id)
    elif session.get(Schedule, target_id) is None:
        raise NotFound("schedule {value} does not exist", field="targets", value=target_id)


def resolve_target(*, session: Session, value: str) -> tuple[TargetType, int]:
    """A target as people type it: `user:sato@example.jp`, `user:12`, `schedule:Primary`, `schedule:3`."""
    kind, rest = parse_target(value)
    if rest.isdigit():
        target_id = int(rest)
        _check_target(session, kind, target_id)
        return kind, target_id
    if kind is TargetType.USER:
        user = find_user_by_email(session=session, email=rest)
        if user is None:
            raise NotFound("user '{value}' does not exist", field="targets", value=rest)
        return kind, user.id
    return kind, find_schedule(session=session, name_or_id=rest).id


def get_policy(*, session: Session, policy_id: int) -> EscalationPolicy:
    policy = session.get(
        EscalationPolicy,
        policy_id,
        options=[selectinload(EscalationPolicy.steps), selectinload(EscalationPolicy.products)],
    )
    if policy is None:
        raise NotFound("escalation policy {value} does not exist", value=policy_id)
    return policy


def find_policy_id(*, session: Session, policy_id: int) -> int | None:
    """The policy's id when it (still) exists: routes keep a policy id without a foreign key."""
    return session.scalar(select(EscalationPolicy.id).where(EscalationPolicy.id == policy_id))


def find_policy(*, session: Session, name_or_id: str) -> EscalationPolicy:
    if name_or_id.strip().isdigit():
        return get_policy(session=session, policy_id=int(name_or_id))
    found = session.scalar(select(EscalationPolicy).where(EscalationPolicy.name == name_or_id.strip()))
    if found is None:
        raise NotFound("escalation policy '{value}' does not exist", field="policy", value=name_or_id)
    return found


def list_policies(*, session: Session) -> list[EscalationPolicy]:
    query = (
        select(EscalationPolicy)
        .options(selectinload(EscalationPolicy.steps), selectinload(EscalationPolicy.products))
        .order_by(EscalationPolicy.name)
    )
    return list(session.scalars(query))


def delete_policy(*, session: Session, policy_id: int) -> None:
    session.delete(get_policy(session=session, policy_id=policy_id))
    session.flush()


def policy_for_service(*, session: Session, name: str) -> EscalationPolicy | None:
    """The policy that answers for a product (by slug) or a team (by slug); products first."""
    wanted = name.strip().lower()
    by_product = (
        select(EscalationPolicy)
        .join(EscalationPolicyProduct, EscalationPolicyProduct.policy_id == EscalationPolicy.id)
        .where(EscalationPolicyProduct.product_id.in_(_product_ids(session, wanted)))
        .order_by(EscalationPolicy.id)
        .limit(1)
    )
    if (found := session.scalar(by_product)) is not None:
        return found
    team_ids = [team.id for team in list_teams(session=session) if team.slug == wanted]
    by_team = (
        select(EscalationPolicy).where(EscalationPolicy.team_id.in_(team_ids)).order_by(EscalationPolicy.id)
    )
    return session.scalars(by_team.limit(1)).first()


def _product_ids(session: Session, slug: str) -> list[int]:
    return [product.id for product in list_products(session=session) if product.slug == slug]


def pageable_services(*, session: Session) -> list[str]:
    """The product and team slugs someone can page: those a policy answers for."""
    covered = set(session.scalars(select(EscalationPolicyProduct.product_id)))
    teams = set(
        session.scalars(select(EscalationPolicy.team_id).where(EscalationPolicy.team_id.is_not(None)))
    )
    names = [product.slug for product in list_products(session=session) if product.id in covered]
    names += [team.slug for team in list_teams(session=session) if team.id in teams]
    return sorted(set(names))


def snapshot(*, session: Session, policy: EscalationPolicy) -> dict[str, Any]:
    """The policy as a page keeps it: steps, targets with their names, repeats."""
    steps = []
    for step in policy.steps:
        targets = [
            {**target, "name": _target_name(session, TargetType(target["type"]), int(target["id"]))}
            for target in step.targets
        ]
        steps.append({"delay_minutes": step.delay_minutes, "targets": targets})
    return {"id": policy.id, "name": policy.name, "repeat_count": policy.repeat_count, "steps": steps}


def direct_snapshot(*, session: Session, user_id: int, delay_minutes: int = 5) -> dict[str, Any]:
    """A one-step policy paging one person: what a direct page target becomes."""
    person = get_user(session=session, user_id=user_id)
    target = {"type": TargetType.USER.value, "id": person.id, "name": person.name}
    step = {"delay_minutes": delay_minutes, "targets": [target]}
    return {"id": None, "name": person.name, "repeat_count": 0, "steps": [step]}


def _target_name(session: Session, kind: TargetType, target_id: int) -> str:
    if kind is TargetType.USER:
        user = session.get(User, target_id)
        return user.name if user is not None else f"#{target_id}"
    schedule = session.get(Schedule, target_id)
    return schedule.name if schedule is not None else f"#{target_id}"


def people_for_targets(*, session: Session, targets: list[dict[str, Any]], at: datetime) -> list[int]:
    """Everyone a step reaches now: its people, and whoever its schedules have on call; each once."""
    people: list[int] = []
    for target in targets:
        if target.get("type") == TargetType.SCHEDULE:
            try:
                found = on_call_user_ids(session=session, schedule_id=int(target["id"]), at=at)
            except NotFound:  # deleted since the policy was written: the step's other targets still count
                found = []
        else:
            found = [int(target["id"])]
        people += [user_id for user_id in found if user_id not in people]
    return people


# Personal notification rules.


@dataclass(frozen=True, slots=True)
class RuleInput:
    contact_method_id: int
    delay_minutes: int


@dataclass(frozen=True, slots=True)
class PlannedNotification:
    """One contact method to try after a delay; `contact_method_id` None means the inbox."""

    contact_method_id: int
    kind: str
    address: str
    delay_minutes: int


def set_notification_rules(
    *, session: Session, user_id: int, urgency: str, rules: Sequence[RuleInput], now: datetime
) -> list[NotificationRule]:
    """Replace a person's rules for one urgency; every contact method must be their own."""
    level = parse_urgency(urgency)
    person = get_user(session=session, user_id=user_id)
    own = {method.id for method in person.contact_methods}
    for rule in rules:
        if rule.contact_method_id not in own:
            raise NotFound("contact method {value} does not exist", value=rule.contact_method_id)
        if not 0 <= rule.delay_minutes <= MAX_RULE_DELAY_MINUTES:
            raise InvalidInput(
                "delay_minutes: must be between 0 and {limit}",
                field="delay_minutes",
                limit=MAX_RULE_DELAY_MINUTES,
            )
    for existing in notification_rules(session=session, user_id=user_id, urgency=level):
        session.delete(existing)
    session.flush()
    created = [
        NotificationRule(
            user_id=user_id,
            contact_method_id=rule.contact_method_id,
            urgency=level.value,
            delay_minutes=rule.delay_minutes,
            created_at=now,
        )
        for rule in rules
    ]
    session.add_all(created)
    session.flush()
    return created


def notification_rules(*, session: Session, user_id: int, urgency: Urgency) -> list[NotificationRule]:
    query = (
        select(NotificationRule)
        .where(NotificationRule.user_id == user_id, NotificationRule.urgency == urgency.value)
        .order_by(NotificationRule.delay_minutes, NotificationRule.id)
    )
    return list(session.scalars(query))


def notification_plan(*, session: Session, user_id: int, urgency: Urgency) -> list[PlannedNotification]:
    """What paging this person does: their rules, or every contact method at once when they have none."""
    person = get_user(session=session, user_id=user_id)
    methods = {method.id: method for method in person.contact_methods}
    rules = notification_rules(session=session, user_id=user_id, urgency=urgency)
    if not rules:
        return [_planned(method, 0) for method in methods.values()]
    return [_planned(methods[rule.contact_method_id], rule.delay_minutes) for rule in rules]


def _planned(method: ContactMethod, delay: int) -> PlannedNotification:
    return PlannedNotification(
        contact_method_id=method.id, kind=method.kind, address=method.address, delay_minutes=delay
    )


def count_rules(*, session: Session, user_id: int) -> int:
    query = select(func.count(NotificationRule.id)).where(NotificationRule.user_id == user_id)
    return session.scalar(query) or 0


def policy_out(*, session: Session, policy: EscalationPolicy) -> PolicyOut:
    taken = snapshot(session=session, policy=policy)
    covered = {link.product_id for link in policy.products}
    return PolicyOut(
        id=policy.id,
        name=policy.name,
        description=policy.description,
        team_id=policy.team_id,
        repeat_count=policy.repeat_count,
        products=[product.slug for product in list_products(session=session) if product.id in covered],
        steps=[
            StepOut(
                position=position,
                delay_minutes=step["delay_minutes"],
                targets=[TargetOut(**target) for target in step["targets"]],
            )
            for position, step in enumerate(taken["steps"])
        ],
        created_at=policy.created_at,
        updated_at=policy.updated_at,
    )


def policy_input(*, session: Session, body: PolicyIn) -> PolicyInput:
    """The API's and the CLI's policy, targets as people type them (`user:sato@example.jp`)."""
    steps = [
        StepInput(
            delay_minutes=step.delay_minutes,
            targets=tuple(resolve_target(session=session, value=value) for value in step.targets),
        )
        for step in body.steps
    ]
    return PolicyInput(
        name=body.name,
        steps=steps,
        repeat_count=body.repeat_count,
        description=body.description,
        team_id=body.team_id,
        product_slugs=body.products,
    )
