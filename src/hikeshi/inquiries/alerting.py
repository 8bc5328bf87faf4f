"""How inquiries reach engineers: alerts on the `support` integration, through the alert pipeline.

A "looks like a bug" inquiry is one critical alert of its own; a burst is one alert per product and
burst whose count grows with each inquiry in it. Routing, chat posts, pages and maintenance windows
then apply as to any alert; the alert group is the triage item. Without a `support` integration one
is made ("Support inquiries"), so nothing is lost before an administrator sets its channel and pager.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hikeshi.alerts import groups, integrations, notify, service
from hikeshi.alerts.models import Integration
from hikeshi.alerts.normalized import Action, Link, NormalizedAlert, Severity
from hikeshi.alerts.notify import Context
from hikeshi.alerts.rules import AlertStatus, matching_rule
from hikeshi.core.i18n import N_, translations
from hikeshi.inquiries.models import Inquiry, InquiryBurst
from hikeshi.inquiries.rules import bug_dedup_key, summary_text
from hikeshi.oncall import escalation, paging

SUPPORT_KIND = "support"
DEFAULT_INTEGRATION_NAME = "Support inquiries"
BUG = N_("Inquiry #{id} looks like a bug: {text}")
BUG_WITH_PRODUCT = N_("Inquiry #{id} looks like a bug ({product}): {text}")
BURST = N_("{count} inquiries about {product} within {minutes} minutes")


@dataclass(frozen=True, slots=True)
class Subject:
    """What an inquiry is about, named in the company's language for the alert's text."""

    product_slug: str | None
    product_name: str | None
    store_label: str | None


def support_integration_id(*, session: Session, now: datetime) -> int:
    """The first enabled integration of kind `support`, made on first use."""
    for integration in integrations.list_integrations(session=session):
        if integration.kind == SUPPORT_KIND and integration.is_enabled:
            return integration.id
    created, _ = integrations.create_integration(
        session=session, name=DEFAULT_INTEGRATION_NAME, kind=SUPPORT_KIND, now=now
    )
    return created.id


def raise_bug_alert(
    *,
    session: Session,
    inquiry: Inquiry,
    subject: Subject,
    reported_by: str,
    now: datetime,
    context: Context,
) -> int | None:
    """One critical alert for this inquiry; the id of the alert group it is in."""
    speaker = translations("en" if context.language == "en" else "ja")
    text = summary_text(inquiry.body)
    if subject.product_name is not None:
        summary = speaker.gettext(BUG_WITH_PRODUCT).format(
            id=inquiry.id, product=subject.product_name, text=text
        )
    else:
        summary = speaker.gettext(BUG).format(id=inquiry.id, text=text)
    details: dict[str, Any] = {
        "inquiry_id": inquiry.id,
        "channel": inquiry.channel,
        "reported_by": reported_by,
        "store": subject.store_label,
        "body": inquiry.body[:2000],
    }
    alert = NormalizedAlert(
        action=Action.TRIGGER,
        summary=summary[:1024],
        severity=Severity.CRITICAL,
        dedup_key=bug_dedup_key(inquiry.id),
        source="support",
        name="inquiry-bug",
        links=(Link(href=f"{context.base_url}/inquiries/{inquiry.id}", text=f"#{inquiry.id}"),),
        details=details,
        product=subject.product_slug,
    )
    integration = _support_integration(session, now)
    group_id = _ingest(session, integration, [alert], now=now, context=context, raw={"inquiry": inquiry.id})
    if group_id is not None:
        page_product_on_call(
            session=session, integration=integration, alert=alert, group_id=group_id, now=now
        )
    return group_id


def page_product_on_call(
    *, session: Session, integration: Integration, alert: NormalizedAlert, group_id: int, now: datetime
) -> int | None:
    """Page whoever answers for the alert's product when the integration's routing pages no one for it.

    The integration's own routing wins: a rule that matches the alert (it pages, posts only, or drops)
    or a person or policy it pages by default. Otherwise the escalation policy that answers for the
    product (the one `hikeshi page <product>` finds) is paged, once per alert group: a group silenced
    by a maintenance window, taken by someone, or paged already is left alone. The page's id, or None.
    """
    if alert.product is None:
        return None
    if integration.page_user_id is not None or integration.escalation_policy_id is not None:
        return None
    rules = integrations.routing_rules(session=session, integration_id=integration.id)
    if matching_rule(alert, rules=rules, product_slug=alert.product) is not None:
        return None
    group = groups.get_group(session=session, group_id=group_id)
    if group.suppressed or group.status != AlertStatus.TRIGGERED:
        return None
    if paging.pages_for_source(session=session, source_kind=notify.PAGE_SOURCE, source_id=group.id):
        return None
    policy = escalation.policy_for_service(session=session, name=alert.product)
    if policy is None:
        return None
    page_id = notify.page_group(session=session, group=group, policy_id=policy.id, user_id=None, now=now)
    if page_id is not None:
        groups.record_event(session, group, "paged", now, note=f"#{page_id}")
    return page_id


def raise_burst_alert(
    *,
    session: Session,
    burst: InquiryBurst,
    subject: Subject,
    added: int,
    minutes: int,
    now: datetime,
    context: Context,
) -> int | None:
    """`added` more inquiries in the burst: the burst's alert opens, or its count grows by that many."""
    speaker = translations("en" if context.language == "en" else "ja")
    name = subject.product_name or subject.product_slug or ""
    alert = NormalizedAlert(
        action=Action.TRIGGER,
        summary=speaker.gettext(BURST).format(count=burst.inquiry_count, product=name, minutes=minutes),
        severity=Severity.ERROR,
        dedup_key=burst.dedup_key,
        source="support",
        name="inquiry-burst",
        links=(Link(href=f"{context.base_url}/inquiries?product={subject.product_slug}", text=name),),
        details={
            "product": subject.product_slug,
            "inquiries": burst.inquiry_count,
            "window_minutes": minutes,
        },
        product=subject.product_slug,
    )
    # Each inquiry is one trigger of the same dedup key: the first opens the alert, the rest count.
    raw = {"burst": burst.id, "inquiries": burst.inquiry_count}
    integration = _support_integration(session, now)
    return _ingest(session, integration, [alert] * added, now=now, context=context, raw=raw)


def _support_integration(session: Session, now: datetime) -> Integration:
    integration_id = support_integration_id(session=session, now=now)
    return integrations.get_integration(session=session, integration_id=integration_id)


def _ingest(
    session: Session,
    integration: Integration,
    alerts: list[NormalizedAlert],
    *,
    now: datetime,
    context: Context,
    raw: Any,
) -> int | None:
    outcomes = service.ingest(
        session=session, integration=integration, alerts=alerts, raw=raw, now=now, context=context
    )
    return outcomes[-1].group_id if outcomes else None
