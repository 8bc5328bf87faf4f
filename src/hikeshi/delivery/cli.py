"""`hikeshi notify test CHANNEL TARGET`: a test message through the whole delivery engine."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer
from rich.console import Console

from hikeshi.core.console import EXIT_BAD_INPUT, print_json, reported_errors
from hikeshi.core.errors import WorkerAlreadyRunning
from hikeshi.delivery import service
from hikeshi.delivery.rules import Status
from hikeshi.delivery.schemas import DeliveryDetailOut
from hikeshi.jobs.worker import Worker

notify_app = typer.Typer(help="Messages: send a test through a channel.", no_args_is_help=True)
SETTLED = frozenset({Status.SENT, Status.FAILED, Status.DEAD})


@notify_app.command("test")
def send_test(
    ctx: typer.Context,
    channel: Annotated[str, typer.Argument(help="email, sms, voice, chat, chat_webhook, webhook or inbox.")],
    target: Annotated[str, typer.Argument(help="An address, number, channel id, URL or user id.")],
    wait: Annotated[float, typer.Option(min=0, help="Seconds to wait for the outcome.")] = 30.0,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Queue a test message, then report what the provider answered."""
    container: Any = ctx.obj.container()
    with reported_errors(ctx.obj.gettext), container.sessions() as db:
        delivery = service.send_test(
            session=db,
            channel=channel,
            target=target,
            now=container.clock(),
            language=container.settings.language,
        )
        db.commit()
        delivery_id = delivery.id
    outcome = _await_outcome(container, delivery_id, wait)
    if json_output:
        print_json(outcome)
    else:
        _describe(ctx, outcome)
    if outcome.status in (Status.FAILED, Status.DEAD):
        raise typer.Exit(EXIT_BAD_INPUT)


def _await_outcome(container: Any, delivery_id: int, wait: float) -> DeliveryDetailOut:
    """Work the queue here when no other worker may (or as one more on PostgreSQL); else watch it."""
    worker = _worker_if_free(container)
    deadline = time.monotonic() + wait
    try:
        while True:
            if worker is not None:
                worker.run_once()
            with container.sessions() as db:
                current = DeliveryDetailOut.model_validate(
                    service.get_delivery(session=db, delivery_id=delivery_id)
                )
            if current.status in SETTLED or time.monotonic() >= deadline:
                return current
            time.sleep(0.2)
    finally:
        if worker is not None:
            worker.close()


def _worker_if_free(container: Any) -> Worker | None:
    try:
        return Worker(container=container, registry=container.jobs)
    except WorkerAlreadyRunning:
        return None  # `hikeshi serve` or `hikeshi worker` will send it


def _describe(ctx: typer.Context, outcome: DeliveryDetailOut) -> None:
    console = Console(highlight=False)
    gettext = ctx.obj.gettext
    if outcome.status == Status.SENT:
        message = gettext("Sent to {target} through {channel} (provider id: {provider_id}).")
    elif outcome.status in (Status.FAILED, Status.DEAD):
        message = gettext("Not sent to {target} through {channel}: {error}")
    else:
        message = gettext("Queued for {target} through {channel}; no worker has sent it yet (delivery {id}).")
    console.print(
        message.format(
            target=outcome.target,
            channel=outcome.channel,
            provider_id=outcome.provider_id or "—",
            error=outcome.last_error or "",
            id=outcome.id,
        )
    )
