"""`hikeshi integration …` and `hikeshi alert …`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hikeshi.accounts.service import find_user_by_email
from hikeshi.alerts import groups, integrations
from hikeshi.alerts.schemas import AlertGroupOut, IntegrationCreated, IntegrationOut
from hikeshi.alerts.timing import parse_minutes
from hikeshi.core.console import print_json, reported_errors
from hikeshi.core.errors import NotFound
from hikeshi.oncall.escalation import find_policy

integration_app = typer.Typer(help="Integrations: where alerts come from.", no_args_is_help=True)
alert_app = typer.Typer(help="Alert groups: list, acknowledge, resolve.", no_args_is_help=True)
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


def _created(container: Any, integration: Any, key: str) -> IntegrationCreated:
    out = IntegrationOut.model_validate(integration)
    url = integrations.endpoint_url(container.settings.public_url(""), out.kind, key)
    return IntegrationCreated(**out.model_dump(), key=key, url=url)


def _show_key(ctx: typer.Context, created: IntegrationCreated) -> None:
    console = Console(highlight=False)
    console.print(
        ctx.obj.gettext("Integration {name} ({kind}), id {id}.").format(
            name=created.name, kind=created.kind, id=created.id
        )
    )
    console.print(ctx.obj.gettext("URL: {url}").format(url=created.url))
    console.print(ctx.obj.gettext("Key (shown once): {key}").format(key=created.key))


@integration_app.command("add")
def add_integration(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="What sends the alerts, e.g. 'Prometheus (production)'.")],
    kind: Annotated[
        str,
        typer.Option(
            help="pagerduty, alertmanager, grafana, mackerel, sentry, datadog, newrelic or generic."
        ),
    ],
    product: Annotated[str | None, typer.Option(help="Slug of the product its alerts are about.")] = None,
    chat_channel: Annotated[str | None, typer.Option(help="Slack channel to post alert groups to.")] = None,
    page: Annotated[str | None, typer.Option(help="Email of the person critical alerts page.")] = None,
    policy: Annotated[
        str | None, typer.Option(help="Escalation policy (name or id) critical alerts page through.")
    ] = None,
    resolve_after: Annotated[
        str | None, typer.Option(help="Resolve a group after this long with no new alert, e.g. 30m.")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Create an integration; its URL and key are printed once."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        page_user_id = None
        if page:
            person = find_user_by_email(session=db, email=page)
            if person is None:
                raise NotFound("user {value} does not exist", value=page)
            page_user_id = person.id
        integration, key = integrations.create_integration(
            session=db,
            name=name,
            kind=kind,
            product_slug=product,
            chat_channel=chat_channel,
            page_user_id=page_user_id,
            escalation_policy_id=find_policy(session=db, name_or_id=policy).id if policy else None,
            resolve_after_minutes=parse_minutes(resolve_after, field="resolve_after")
            if resolve_after
            else None,
            now=container.clock(),
        )
        db.commit()
        created = _created(container, integration, key)
    if json_output:
        print_json(created)
    else:
        _show_key(ctx, created)


@integration_app.command("rotate")
def rotate(ctx: typer.Context, integration_id: int, json_output: JsonOption = False) -> None:
    """Give an integration a new key; the old key stops working at once."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        integration, key = integrations.rotate_key(
            session=db, integration_id=integration_id, now=container.clock()
        )
        db.commit()
        created = _created(container, integration, key)
    if json_output:
        print_json(created)
    else:
        _show_key(ctx, created)


@integration_app.command("list")
def list_integrations(ctx: typer.Context, json_output: JsonOption = False) -> None:
    """List integrations and when each last received something."""
    container = ctx.obj.container()
    with container.sessions() as db:
        rows = [IntegrationOut.model_validate(i) for i in integrations.list_integrations(session=db)]
    if json_output:
        print_json(rows)
        return
    table = Table("id", ctx.obj.gettext("Name"), ctx.obj.gettext("Kind"), ctx.obj.gettext("Last received"))
    for row in rows:
        table.add_row(str(row.id), row.name, row.kind, str(row.last_received_at or "—"))
    Console().print(table)


@alert_app.command("list")
def list_groups(
    ctx: typer.Context,
    status: Annotated[str, typer.Option(help="open, triggered, acknowledged, resolved or all.")] = "open",
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    json_output: JsonOption = False,
) -> None:
    """List alert groups, newest activity first."""
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        found = groups.list_groups(session=db, status=None if status == "all" else status, limit=limit)
        rows = [AlertGroupOut.model_validate(group) for group in found]
    if json_output:
        print_json(rows)
        return
    table = Table(
        "id",
        ctx.obj.gettext("Status"),
        ctx.obj.gettext("Severity"),
        ctx.obj.gettext("Alerts"),
        ctx.obj.gettext("Title"),
        ctx.obj.gettext("Last seen"),
    )
    for row in rows:
        counts = f"{row.open_alert_count}/{row.alert_count}"
        table.add_row(str(row.id), row.status, row.severity, counts, row.title, str(row.last_seen_at))
    Console().print(table)


def _by(db: Any, email: str) -> int:
    person = find_user_by_email(session=db, email=email)
    if person is None:
        raise NotFound("user {value} does not exist", value=email)
    return person.id


def _change_group(
    ctx: typer.Context, change: Callable[..., Any], group_id: int, by: str, json_output: bool
) -> None:
    container = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        group = change(session=db, group_id=group_id, user_id=_by(db, by), now=container.clock())
        db.commit()
        out = AlertGroupOut.model_validate(group)
    if json_output:
        print_json(out)
    else:
        Console().print(f"{out.id}: {out.status}")


@alert_app.command("ack")
def acknowledge(
    ctx: typer.Context,
    group_id: int,
    by: Annotated[str, typer.Option("--by", help="Email of the person acknowledging.")],
    json_output: JsonOption = False,
) -> None:
    """Acknowledge an alert group: someone is on it."""
    _change_group(ctx, groups.acknowledge_group, group_id, by, json_output)


@alert_app.command("resolve")
def resolve(
    ctx: typer.Context,
    group_id: int,
    by: Annotated[str, typer.Option("--by", help="Email of the person resolving.")],
    json_output: JsonOption = False,
) -> None:
    """Resolve an alert group and all its alerts."""
    _change_group(ctx, groups.resolve_group, group_id, by, json_output)
