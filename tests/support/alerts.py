"""Integrations and alerts made straight through the services, as monitoring tools would cause them."""

from __future__ import annotations

from typing import Any

from hikeshi.alerts import groups, integrations, service
from hikeshi.alerts.normalized import Action, Link, NormalizedAlert, Severity
from hikeshi.alerts.notify import Context
from hikeshi.bootstrap import Container

CONTEXT = Context(language="ja", base_url="http://testserver")


def make_integration(
    container: Container,
    *,
    name: str = "Prometheus",
    kind: str = "alertmanager",
    chat_channel: str | None = None,
    product: str | None = None,
) -> tuple[int, str]:
    """The integration's id and its key."""
    with container.sessions() as db:
        integration, key = integrations.create_integration(
            session=db,
            name=name,
            kind=kind,
            product_slug=product,
            chat_channel=chat_channel,
            now=container.clock(),
        )
        db.commit()
        return integration.id, key


def raise_alert(
    container: Container,
    integration_id: int,
    summary: str,
    *,
    severity: Severity = Severity.CRITICAL,
    name: str = "",
    dedup_key: str | None = None,
    action: Action = Action.TRIGGER,
    product: str | None = None,
    labels: dict[str, str] | None = None,
    links: tuple[Link, ...] = (),
    raw: Any = None,
) -> service.Outcome:
    alert = NormalizedAlert(
        action=action,
        summary=summary,
        severity=severity,
        dedup_key=dedup_key,
        source="web-1",
        name=name or summary,
        labels=labels or {},
        links=links,
        details={"runbook": "docs/disk.md"},
        product=product,
    )
    with container.sessions() as db:
        integration = integrations.get_integration(session=db, integration_id=integration_id)
        [outcome] = service.ingest(
            session=db,
            integration=integration,
            alerts=[alert],
            raw=raw if raw is not None else {"summary": summary},
            now=container.clock(),
            context=CONTEXT,
        )
        db.commit()
        return outcome


def group_status(container: Container, group_id: int) -> str:
    with container.sessions() as db:
        return groups.get_group(session=db, group_id=group_id).status
