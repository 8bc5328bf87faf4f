"""HTML pages of integrations: the list, creating one (its URL and key shown once, with an example request),
rotating its key, and its routing rules. Responders look; administrators change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from hikeshi.accounts import service as accounts
from hikeshi.accounts.deps import AdminPage, DbSession, Now, ResponderPage
from hikeshi.accounts.models import User
from hikeshi.accounts.rules import ADMINS, Role
from hikeshi.alerts import integrations
from hikeshi.alerts.examples import ExampleRequest, example_request
from hikeshi.alerts.models import Integration
from hikeshi.alerts.normalized import Severity
from hikeshi.alerts.normalizers import KINDS as WEBHOOK_KINDS
from hikeshi.alerts.rules import KIND_LABELS, SEVERITY_LABELS
from hikeshi.catalog.service import list_products
from hikeshi.core.errors import Conflict, InvalidInput, NotFound
from hikeshi.oncall import escalation
from hikeshi.web.kit.context import container, translator

router = APIRouter(prefix="/integrations", tags=["alerts pages"], include_in_schema=False)

# The generic kind's settings a person fills in on the form (the rest keep their defaults).
GENERIC_PATHS = ("summary", "severity", "status", "dedup_key", "link")
KEY_PLACEHOLDER = "INTEGRATION_KEY"


def _render(request: Request, name: str, context: Mapping[str, object], status_code: int = 200) -> Response:
    response: Response = request.app.state.templates.render(request, name, context, status_code=status_code)
    return response


def _choices(db: Session) -> dict[str, object]:
    """What the forms offer and the ids on the pages stand for."""
    everyone = accounts.list_users(session=db)
    products = list_products(session=db)
    return {
        "kinds": WEBHOOK_KINDS,  # heartbeats make their own integrations
        "kind_labels": KIND_LABELS,
        "products": products,
        "product_by_id": {product.id: product for product in products},
        "users": [person for person in everyone if person.is_active],
        "people": {person.id: person.name for person in everyone},
        "severities": list(Severity),
        "severity_labels": SEVERITY_LABELS,
        "generic_paths": GENERIC_PATHS,
        "policies": {policy.id: policy.name for policy in escalation.list_policies(session=db)},
    }


def _base_url(request: Request) -> str:
    base: str = container(request).settings.public_url("")
    return base


def _example(request: Request, integration: Integration, key: str) -> ExampleRequest | None:
    """None for kinds that take no requests (a heartbeat's integration hears only its pings)."""
    if integration.kind not in WEBHOOK_KINDS:
        return None
    url = integrations.endpoint_url(_base_url(request), integration.kind, key)
    return example_request(kind=integration.kind, url=url, key=key, config=integration.config)


@router.get("")
def list_page(request: Request, db: DbSession, user: ResponderPage) -> Response:
    return _render(
        request, "alerts/integrations.html", _list_context(db, user, form=IntegrationForm().model_dump())
    )


def _list_context(db: Session, user: User, **extra: object) -> dict[str, object]:
    return {
        "integrations": integrations.list_integrations(session=db),
        "is_admin": Role(user.role) in ADMINS,
        **_choices(db),
        **extra,
    }


class IntegrationForm(BaseModel):
    """The "new integration" form; the path fields matter for the generic kind, the secret for Sentry."""

    name: str = Field(default="", max_length=200)
    kind: str = Field(default="", max_length=20)
    product: str = Field(default="", max_length=64)
    chat_channel: str = Field(default="", max_length=100)
    escalation_policy_id: str = Field(default="", max_length=20)
    page_user_id: str = Field(default="", max_length=20)
    client_secret: str = Field(default="", max_length=500)
    path_summary: str = Field(default="", max_length=1000)
    path_severity: str = Field(default="", max_length=1000)
    path_status: str = Field(default="", max_length=1000)
    path_dedup_key: str = Field(default="", max_length=1000)
    path_link: str = Field(default="", max_length=1000)

    def config(self) -> dict[str, Any]:
        """The integration's settings; what belongs to other kinds (hidden, perhaps filled) is dropped."""
        if self.kind == "generic":
            return {
                setting: [path.strip() for path in value.split(",") if path.strip()]
                for setting in GENERIC_PATHS
                if (value := getattr(self, f"path_{setting}")).strip()
            }
        if self.kind == "sentry" and self.client_secret.strip():
            return {"client_secret": self.client_secret.strip()}
        return {}


def _optional_id(value: str, field: str) -> int | None:
    if not value.strip():
        return None
    if not value.strip().isdigit():
        raise InvalidInput("{field}: '{value}' is not an id", field=field, value=value)
    return int(value)


@router.post("")
def create(
    request: Request, db: DbSession, now: Now, user: AdminPage, form: Annotated[IntegrationForm, Form()]
) -> Response:
    try:
        integration, key = integrations.create_integration(
            session=db,
            name=form.name,
            kind=form.kind,
            now=now,
            product_slug=form.product.strip() or None,
            config=form.config(),
            chat_channel=integrations.checked_channel(form.chat_channel),
            page_user_id=_optional_id(form.page_user_id, "page_user_id"),
            escalation_policy_id=_optional_id(form.escalation_policy_id, "escalation_policy_id"),
        )
    except (InvalidInput, NotFound, Conflict) as error:
        db.rollback()
        shown = form.model_dump(exclude={"client_secret"})
        context = _list_context(db, user, form=shown, error=error.render(translator(request).gettext))
        return _render(request, "alerts/integrations.html", context, status_code=400)
    db.commit()
    return _show(request, db, user, integration.id, revealed_key=key, status_code=201)


def _show(
    request: Request,
    db: Session,
    user: User,
    integration_id: int,
    *,
    revealed_key: str | None = None,
    status_code: int = 200,
    **extra: object,
) -> Response:
    integration = integrations.get_integration(session=db, integration_id=integration_id)
    context: dict[str, object] = {
        "integration": integration,
        "is_admin": Role(user.role) in ADMINS,
        "takes_requests": integration.kind in WEBHOOK_KINDS,
        "rules": integrations.list_routing_rules(session=db, integration_id=integration.id),
        "changes": integrations.recent_changes(session=db, integration_id=integration.id),
        "shown_url": integrations.endpoint_url(
            _base_url(request), integration.kind, integration.key_prefix + "…"
        ),
        "example": _example(request, integration, revealed_key or KEY_PLACEHOLDER),
        "revealed_key": revealed_key,
        "revealed_url": integrations.endpoint_url(_base_url(request), integration.kind, revealed_key or ""),
        **_choices(db),
        **extra,
    }
    return _render(request, "alerts/integration.html", context, status_code=status_code)


@router.get("/{integration_id}")
def detail(request: Request, integration_id: int, db: DbSession, user: ResponderPage) -> Response:
    return _show(request, db, user, integration_id)


@router.post("/{integration_id}/rotate-key")
def rotate_key(request: Request, integration_id: int, db: DbSession, now: Now, user: AdminPage) -> Response:
    _, key = integrations.rotate_key(session=db, integration_id=integration_id, now=now)
    db.commit()
    return _show(request, db, user, integration_id, revealed_key=key, rotated=True)


class PagingForm(BaseModel):
    escalation_policy_id: str = Field(default="", max_length=20)
    page_user_id: str = Field(default="", max_length=20)


@router.post("/{integration_id}/paging")
def set_paging(
    request: Request, integration_id: int, db: DbSession, user: AdminPage, form: Annotated[PagingForm, Form()]
) -> Response:
    """Whom critical alerts page: an escalation policy, else one person, else no one."""
    try:
        integrations.set_paging(
            session=db,
            integration_id=integration_id,
            escalation_policy_id=_optional_id(form.escalation_policy_id, "escalation_policy_id"),
            page_user_id=_optional_id(form.page_user_id, "page_user_id"),
        )
    except (InvalidInput, NotFound) as error:
        db.rollback()
        message = error.render(translator(request).gettext)
        return _show(request, db, user, integration_id, status_code=400, error=message)
    db.commit()
    return RedirectResponse(f"/integrations/{integration_id}?saved=1", status_code=303)


def parse_label_lines(text: str) -> dict[str, str]:
    """`name=value`, one a line; blank lines are skipped."""
    labels: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, equals, value = line.partition("=")
        if not equals or not name.strip():
            raise InvalidInput(
                "labels: line {line} '{value}' is not name=value",
                field="labels",
                line=number,
                value=line.strip(),
            )
        labels[name.strip()] = value.strip()
    return labels


class RuleForm(BaseModel):
    """A routing rule: when the severity, labels and product match, post, page, or drop."""

    severities: list[str] = Field(default_factory=list)
    labels: str = Field(default="", max_length=5000)
    product: str = Field(default="", max_length=64)
    post: bool = False
    chat_channel: str = Field(default="", max_length=100)
    escalation_policy_id: str = Field(default="", max_length=20)
    page_user_id: str = Field(default="", max_length=20)
    drop: bool = False


@router.post("/{integration_id}/rules")
def add_rule(
    request: Request, integration_id: int, db: DbSession, user: AdminPage, form: Annotated[RuleForm, Form()]
) -> Response:
    try:
        integrations.add_routing_rule(
            session=db,
            integration_id=integration_id,
            severities=form.severities,
            labels=parse_label_lines(form.labels),
            product_slug=form.product.strip() or None,
            post=form.post,
            chat_channel=integrations.checked_channel(form.chat_channel),
            page_user_id=_optional_id(form.page_user_id, "page_user_id"),
            escalation_policy_id=_optional_id(form.escalation_policy_id, "escalation_policy_id"),
            drop=form.drop,
        )
    except (InvalidInput, NotFound) as error:
        db.rollback()
        message = error.render(translator(request).gettext)
        return _show(request, db, user, integration_id, status_code=400, error=message, rule_form=form)
    db.commit()
    return RedirectResponse(f"/integrations/{integration_id}?saved=1#rules", status_code=303)


@router.post("/{integration_id}/rules/{rule_id}/delete")
def delete_rule(request: Request, integration_id: int, rule_id: int, db: DbSession, _: AdminPage) -> Response:
    integrations.remove_routing_rule(session=db, integration_id=integration_id, rule_id=rule_id)
    db.commit()
    return RedirectResponse(f"/integrations/{integration_id}?saved=1#rules", status_code=303)
