"""Use cases for integrations: create one (its key is shown once), rotate the key, find it by key."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hikeshi.accounts.rules import validate_name
from hikeshi.accounts.service import get_user
from hikeshi.alerts.models import ChangeEvent, Integration, RoutingRule
from hikeshi.alerts.normalizers import validate_generic_config
from hikeshi.alerts.quiet import check_minutes
from hikeshi.alerts.rules import Rule, parse_grouping, parse_kind
from hikeshi.catalog.service import get_product_by_slug
from hikeshi.core.errors import InvalidInput, NotFound
from hikeshi.core.ids import hash_token
from hikeshi.delivery.rules import Channel, validate_target
from hikeshi.oncall.escalation import get_policy


def new_integration_key() -> str:
    """32 hexadecimal characters, the shape PagerDuty's routing keys have, so every client accepts it."""
    return secrets.token_hex(16)


def create_integration(
    *,
    session: Session,
    name: str,
    kind: str,
    now: datetime,
    product_slug: str | None = None,
    config: dict[str, Any] | None = None,
    grouping: Sequence[str] = (),
    chat_channel: str | None = None,
    page_user_id: int | None = None,
    resolve_after_minutes: int | None = None,
    escalation_policy_id: int | None = None,
) -> tuple[Integration, str]:
    """The integration and its key; the key is not stored, only its hash."""
    integration_kind = parse_kind(kind)
    key = new_integration_key()
    integration = Integration(
        name=validate_name(name),
        kind=integration_kind,
        key_hash=hash_token(key),
        key_prefix=key[:8],
        product_id=get_product_by_slug(session=session, slug=product_slug).id if product_slug else None,
        config=_checked_config(integration_kind, config or {}),
        grouping=parse_grouping(grouping),
        chat_channel=(chat_channel or "").strip() or None,
        page_user_id=get_user(session=session, user_id=page_user_id).id if page_user_id else None,
        escalation_policy_id=_policy_id(session, escalation_policy_id),
        is_enabled=True,
        resolve_after_minutes=check_minutes(resolve_after_minutes),
        created_at=now,
    )
    session.add(integration)
    session.flush()
    return integration, key


def _policy_id(session: Session, policy_id: int | None) -> int | None:
    """An escalation policy that exists (NotFound names it otherwise), or None."""
    return get_policy(session=session, policy_id=policy_id).id if policy_id else None


def set_paging(
    *,
    session: Session,
    integration_id: int,
    escalation_policy_id: int | None,
    page_user_id: int | None = None,
) -> Integration:
    """Whom the integration's critical alerts page: a policy, else one person, else no one."""
    integration = get_integration(session=session, integration_id=integration_id)
    integration.escalation_policy_id = _policy_id(session, escalation_policy_id)
    integration.page_user_id = get_user(session=session, user_id=page_user_id).id if page_user_id else None
    session.flush()
    return integration


def _checked_config(kind: str, config: dict[str, Any]) -> dict[str, Any]:
    if kind == "generic":
        return validate_generic_config(config)
    if kind == "sentry":
        secret = config.get("client_secret")
        if secret is not None and (not isinstance(secret, str) or not secret.strip()):
            raise InvalidInput("config.client_secret: must be the Sentry integration's client secret")
        return {"client_secret": secret.strip()} if secret else {}
    if config:
        raise InvalidInput("config: the {kind} integration takes no settings", field="config", kind=kind)
    return {}


def checked_channel(value: str | None) -> str | None:
    """A chat channel the delivery engine can post to (refused now, not at the first alert), or None."""
    channel = (value or "").strip()
    if not channel:
        return None
    try:
        return validate_target(Channel.CHAT, channel)
    except InvalidInput:
        raise InvalidInput(
            "chat_channel: '{value}' is not a Slack channel such as #alerts or C012AB3CD",
            field="chat_channel",
            value=channel,
        ) from None


def endpoint_url(base_url: str, kind: str, key: str) -> str:
    """Where a tool of this kind sends: PagerDuty clients post events with the key in the body."""
    if kind == "pagerduty":
        return f"{base_url}/v2/enqueue"
    return f"{base_url}/hooks/{key}"


def rotate_key(*, session: Session, integration_id: int, now: datetime) -> tuple[Integration, str]:
    """A new key at once; the old one stops working when this commits."""
    integration = get_integration(session=session, integration_id=integration_id)
    key = new_integration_key()
    integration.key_hash = hash_token(key)
    integration.key_prefix = key[:8]
    integration.key_rotated_at = now
    session.flush()
    return integration, key


def find_by_key(*, session: Session, key: str) -> Integration | None:
    if not key or len(key) > 200:
        return None
    integration = session.scalar(select(Integration).where(Integration.key_hash == hash_token(key)))
    return integration if integration is not None and integration.is_enabled else None


def get_integration(*, session: Session, integration_id: int) -> Integration:
    integration = session.get(Integration, integration_id)
    if integration is None:
        raise NotFound("integration {value} does not exist", value=integration_id)
    return integration


def list_integrations(*, session: Session) -> list[Integration]:
    return list(session.scalars(select(Integration).order_by(Integration.name, Integration.id)))


def routing_rules(*, session: Session, integration_id: int) -> list[Rule]:
    return [
        Rule(
            severities=frozenset(rule.severities),
            labels=dict(rule.labels),
            product_slug=rule.product_slug,
            post=rule.post,
            chat_channel=rule.chat_channel,
            page_user_id=rule.page_user_id,
            drop=rule.drop,
            escalation_policy_id=rule.escalation_policy_id,
        )
        for rule in list_routing_rules(session=session, integration_id=integration_id)
    ]


def list_routing_rules(*, session: Session, integration_id: int) -> list[RoutingRule]:
    """The rows themselves, in the order they are tried, for pages that show and remove them."""
    query = (
        select(RoutingRule)
        .where(RoutingRule.integration_id == integration_id)
        .order_by(RoutingRule.position, RoutingRule.id)
    )
    return list(session.scalars(query))


def remove_routing_rule(*, session: Session, integration_id: int, rule_id: int) -> None:
    """Remove one rule of this integration (another integration's rule is as good as missing)."""
    rule = session.get(RoutingRule, rule_id)
    if rule is None or rule.integration_id != integration_id:
        raise NotFound("routing rule {value} does not exist", value=rule_id)
    session.delete(rule)
    session.flush()


def add_routing_rule(
    *,
    session: Session,
    integration_id: int,
    severities: Sequence[str] = (),
    labels: dict[str, str] | None = None,
    product_slug: str | None = None,
    post: bool = True,
    chat_channel: str | None = None,
    page_user_id: int | None = None,
    drop: bool = False,
    escalation_policy_id: int | None = None,
) -> RoutingRule:
    integration = get_integration(session=session, integration_id=integration_id)
    known = {"critical", "error", "warning", "info"}
    if unknown := set(severities) - known:
        raise InvalidInput("severities: '{value}' is not a severity", field="severities", value=min(unknown))
    existing = routing_rules(session=session, integration_id=integration.id)
    rule = RoutingRule(
        integration_id=integration.id,
        position=len(existing),
        severities=sorted(set(severities)),
        labels=dict(labels or {}),
        product_slug=get_product_by_slug(session=session, slug=product_slug).slug if product_slug else None,
        post=post,
        chat_channel=chat_channel,
        page_user_id=get_user(session=session, user_id=page_user_id).id if page_user_id else None,
        escalation_policy_id=_policy_id(session, escalation_policy_id),
        drop=drop,
    )
    session.add(rule)
    session.flush()
    return rule


def record_change(
    *,
    session: Session,
    integration: Integration,
    summary: str,
    source: str,
    occurred_at: datetime,
    links: list[dict[str, str]],
    details: dict[str, Any],
    now: datetime,
) -> ChangeEvent:
    change = ChangeEvent(
        integration_id=integration.id,
        summary=summary[:1024],
        source=source[:255],
        links=links,
        details=details,
        occurred_at=occurred_at,
        received_at=now,
    )
    session.add(change)
    integration.last_received_at = now
    session.flush()
    return change


def list_changes(*, session: Session, since: datetime, until: datetime) -> list[ChangeEvent]:
    query = (
        select(ChangeEvent)
        .where(ChangeEvent.occurred_at >= since, ChangeEvent.occurred_at <= until)
        .order_by(ChangeEvent.occurred_at)
    )
    return list(session.scalars(query))


def recent_changes(*, session: Session, integration_id: int, limit: int = 20) -> list[ChangeEvent]:
    """The integration's latest change events (deploys…), newest first."""
    query = (
        select(ChangeEvent)
        .where(ChangeEvent.integration_id == integration_id)
        .order_by(ChangeEvent.occurred_at.desc(), ChangeEvent.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
