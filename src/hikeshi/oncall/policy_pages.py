"""HTML pages of escalation policies (list, new, edit, delete) and of each person's notification rules.

A policy's form has one row per step: a delay and a multiple choice of people and schedules; each
choice's value carries its row (`2|user:12`), so the whole form is plain fields with no script.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from hikeshi.accounts import service as accounts
from hikeshi.accounts.deps import AnyUserPage, DbSession, Now, ResponderPage, StaffPage
from hikeshi.accounts.models import User
from hikeshi.accounts.rules import CONTACT_KIND_LABELS, RESPONDERS, Role
from hikeshi.catalog.service import list_products
from hikeshi.core.errors import HikeshiError, InvalidInput
from hikeshi.oncall import escalation
from hikeshi.oncall.paging_rules import URGENCY_LABELS, StepInput, Urgency, parse_target
from hikeshi.oncall.service import list_schedules
from hikeshi.web.kit.context import translator

router = APIRouter(tags=["paging pages"], include_in_schema=False)
BLANK_ROWS = 2


def _render(request: Request, name: str, context: Mapping[str, object], status_code: int = 200) -> Response:
    response: Response = request.app.state.templates.render(request, name, context, status_code=status_code)
    return response


@router.get("/escalation-policies")
def list_policies(request: Request, db: DbSession, user: StaffPage, saved: int | None = None) -> Response:
    policies = [escalation.policy_out(session=db, policy=p) for p in escalation.list_policies(session=db)]
    context = {
        "policies": policies,
        "teams": {team.id: team.name for team in accounts.list_teams(session=db)},
        "can_change": Role(user.role) in RESPONDERS,
        "saved": saved,
    }
    return _render(request, "oncall/policy_list.html", context)


def _form_page(
    request: Request,
    db: Session,
    *,
    form: Mapping[str, Any],
    policy_id: int | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    rows = list(form.get("steps", [])) + [{"delay_minutes": 5, "targets": []}] * BLANK_ROWS
    context = {
        "form": form,
        "rows": rows,
        "policy_id": policy_id,
        "people": accounts.list_users(session=db, include_inactive=False),
        "schedules": list_schedules(session=db),
        "teams": accounts.list_teams(session=db),
        "products": list_products(session=db),
        "error": error,
    }
    return _render(request, "oncall/policy_form.html", context, status_code=status_code)


@router.get("/escalation-policies/new")
def new_policy(request: Request, db: DbSession, user: ResponderPage) -> Response:
    return _form_page(request, db, form={"repeat_count": 0, "steps": []})


@router.get("/escalation-policies/{policy_id}")
def edit_policy(request: Request, policy_id: int, db: DbSession, user: ResponderPage) -> Response:
    out = escalation.policy_out(session=db, policy=escalation.get_policy(session=db, policy_id=policy_id))
    form = {
        "name": out.name,
        "description": out.description,
        "team_id": out.team_id,
        "repeat_count": out.repeat_count,
        "products": out.products,
        "steps": [
            {"delay_minutes": step.delay_minutes, "targets": [f"{t.type}:{t.id}" for t in step.targets]}
            for step in out.steps
        ],
    }
    return _form_page(request, db, form=form, policy_id=policy_id)


PolicyForm = dict[str, Any]


def _read_form(raw: Mapping[str, Any]) -> PolicyForm:
    """The posted fields as a policy form: steps from the rows that have someone to notify."""
    delay: Sequence[str] = raw["delay"] or []
    team_id: str = raw["team_id"]
    repeat_count: str = raw["repeat_count"]
    chosen: dict[int, list[str]] = {}
    for value in raw["targets"] or []:
        row, _, target = value.partition("|")
        if row.isdigit() and target:
            chosen.setdefault(int(row), []).append(target)
    steps = []
    for row, minutes in enumerate(delay):
        if chosen.get(row):
            if not minutes.strip().isdigit():
                raise InvalidInput(
                    "steps: step {number} needs a delay in minutes", field="steps", number=row + 1
                )
            steps.append({"delay_minutes": int(minutes), "targets": chosen[row]})
    return {
        "name": raw["name"],
        "description": raw["description"],
        "team_id": int(team_id) if team_id.isdigit() else None,
        "repeat_count": int(repeat_count) if repeat_count.strip().isdigit() else 0,
        "products": list(raw["products"] or []),
        "steps": steps,
    }


def _policy_input(form: PolicyForm) -> escalation.PolicyInput:
    steps = []
    for step in form["steps"]:
        targets = []
        for value in step["targets"]:
            kind, target_id = parse_target(value)
            if not target_id.isdigit():
                raise InvalidInput(
                    "targets: '{value}' is not user:… or schedule:…", field="targets", value=value
                )
            targets.append((kind, int(target_id)))
        steps.append(StepInput(delay_minutes=step["delay_minutes"], targets=tuple(targets)))
    return escalation.PolicyInput(
        name=form["name"],
        steps=steps,
        repeat_count=form["repeat_count"],
        description=form["description"],
        team_id=form["team_id"],
        product_slugs=form["products"],
    )


Field = Annotated[str, Form(max_length=2000)]
ListField = Annotated[list[str] | None, Form()]


@router.post("/escalation-policies/new")
def create_policy(
    request: Request,
    db: DbSession,
    now: Now,
    user: ResponderPage,
    name: Field = "",
    description: Field = "",
    team_id: Field = "",
    repeat_count: Field = "0",
    delay: ListField = None,
    targets: ListField = None,
    products: ListField = None,
) -> Response:
    raw = {"name": name, "description": description, "team_id": team_id, "repeat_count": repeat_count}
    return _save(request, db, now, None, {**raw, "delay": delay, "targets": targets, "products": products})


@router.post("/escalation-policies/{policy_id}")
def update_policy(
    request: Request,
    policy_id: int,
    db: DbSession,
    now: Now,
    user: ResponderPage,
    name: Field = "",
    description: Field = "",
    team_id: Field = "",
    repeat_count: Field = "0",
    delay: ListField = None,
    targets: ListField = None,
    products: ListField = None,
) -> Response:
    escalation.get_policy(session=db, policy_id=policy_id)  # 404 before anything else
    raw = {"name": name, "description": description, "team_id": team_id, "repeat_count": repeat_count}
    return _save(
        request, db, now, policy_id, {**raw, "delay": delay, "targets": targets, "products": products}
    )


def _save(
    request: Request, db: Session, now: datetime, policy_id: int | None, raw: Mapping[str, Any]
) -> Response:
    form: PolicyForm = {**raw, "steps": [], "products": raw["products"] or []}
    try:
        form = _read_form(raw)
        wanted = _policy_input(form)
        if policy_id is None:
            saved = escalation.create_policy(session=db, policy=wanted, now=now)
        else:
            saved = escalation.update_policy(session=db, policy_id=policy_id, policy=wanted, now=now)
    except HikeshiError as error:
        db.rollback()
        message = error.render(translator(request).gettext)
        return _form_page(request, db, form=form, policy_id=policy_id, error=message, status_code=400)
    db.commit()
    return RedirectResponse(f"/escalation-policies?saved={saved.id}", status_code=303)


@router.post("/escalation-policies/{policy_id}/delete")
def delete_policy(policy_id: int, db: DbSession, user: ResponderPage) -> Response:
    escalation.delete_policy(session=db, policy_id=policy_id)
    db.commit()
    return RedirectResponse("/escalation-policies", status_code=303)


# Each person's own notification rules.


def _rules_page(
    request: Request, db: Session, user: User, *, error: str | None = None, status_code: int = 200
) -> Response:
    person = accounts.get_user(session=db, user_id=user.id)
    rules = {
        level.value: escalation.notification_rules(session=db, user_id=user.id, urgency=level)
        for level in Urgency
    }
    context = {
        "methods": person.contact_methods,
        "rules": rules,
        "urgencies": list(Urgency),
        "urgency_labels": URGENCY_LABELS,
        "kind_labels": {kind.value: label for kind, label in CONTACT_KIND_LABELS.items()},
        "blank_rows": BLANK_ROWS,
        "error": error,
        "saved": request.query_params.get("saved"),
    }
    return _render(request, "oncall/rule_edit.html", context, status_code=status_code)


@router.get("/profile/notification-rules")
def notification_rules(request: Request, db: DbSession, user: AnyUserPage) -> Response:
    return _rules_page(request, db, user)


@router.post("/profile/notification-rules")
def save_notification_rules(
    request: Request,
    db: DbSession,
    now: Now,
    user: AnyUserPage,
    urgency: Annotated[str, Form(max_length=10)] = "high",
    method: ListField = None,
    delay: ListField = None,
) -> Response:
    try:
        rules = []
        for method_id, minutes in zip(method or [], delay or [], strict=False):
            if not method_id.strip():
                continue
            if not method_id.isdigit() or not minutes.strip().isdigit():
                raise InvalidInput("delay_minutes: a whole number of minutes", field="delay_minutes")
            rules.append(escalation.RuleInput(contact_method_id=int(method_id), delay_minutes=int(minutes)))
        escalation.set_notification_rules(session=db, user_id=user.id, urgency=urgency, rules=rules, now=now)
    except HikeshiError as error:
        db.rollback()
        message = error.render(translator(request).gettext)
        return _rules_page(request, db, user, error=message, status_code=400)
    db.commit()
    return RedirectResponse(f"/profile/notification-rules?saved={urgency}", status_code=303)
