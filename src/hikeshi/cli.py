"""The `hikeshi` command: init, serve, db upgrade, and each domain's sub-commands."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from hikeshi import __version__
from hikeshi.accounts.cli import token_app, user_app
from hikeshi.alerts.cli import alert_app, integration_app
from hikeshi.alerts.heartbeats_cli import heartbeat_app
from hikeshi.alerts.maintenance_cli import maintenance_app
from hikeshi.bootstrap import Container, bootstrap
from hikeshi.catalog.cli import import_app, store_app
from hikeshi.comms.call_cli import call_app
from hikeshi.comms.campaign_cli import campaign_app
from hikeshi.comms.cli import notice_app
from hikeshi.comms.maintenance_cli import maintenance_app as notice_maintenance_app
from hikeshi.comms.status_cli import status_app
from hikeshi.core.console import fail, print_json, reported_errors, speaker
from hikeshi.core.errors import ConfigurationError
from hikeshi.core.i18n import Translator
from hikeshi.core.settings import Settings, load_settings
from hikeshi.db.migrate import current_revision, head_revision, upgrade_database
from hikeshi.delivery.cli import notify_app
from hikeshi.demo import DEMO_ADMIN_EMAIL, DEMO_PASSWORD, load_demo
from hikeshi.incidents.cli import incident_app
from hikeshi.inquiries.cli import inquiry_app
from hikeshi.jobs.cli import jobs_app, run_worker
from hikeshi.oncall.cli import oncall_app
from hikeshi.oncall.paging_cli import escalation_app, page_app
from hikeshi.postmortems.action_item_cli import action_item_app
from hikeshi.postmortems.cli import postmortem_app
from hikeshi.postmortems.report_cli import report_app

app = typer.Typer(
    name="hikeshi",
    help="hikeshi (火消し): incident response, from the alert to the customer notice.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(jobs_app, name="jobs")
app.add_typer(notify_app, name="notify")
app.add_typer(integration_app, name="integration")
app.add_typer(alert_app, name="alert")
app.add_typer(maintenance_app, name="maintenance")
app.add_typer(oncall_app, name="oncall")
app.add_typer(page_app, name="page")
app.add_typer(escalation_app, name="escalation")
app.add_typer(heartbeat_app, name="heartbeat")
app.add_typer(import_app, name="import")
app.add_typer(store_app, name="store")
app.add_typer(inquiry_app, name="inquiry")
app.add_typer(incident_app, name="incident")
app.add_typer(status_app, name="status")
# `hikeshi notice …`; the campaign, calls and maintenance commands nest under it.
notice_app.add_typer(notice_maintenance_app, name="maintenance")
notice_app.add_typer(campaign_app, name="campaign")
notice_app.add_typer(call_app, name="calls")
app.add_typer(notice_app, name="notice")
app.add_typer(postmortem_app, name="postmortem")
app.add_typer(action_item_app, name="action-item")
app.add_typer(report_app, name="report")
app.command("worker")(run_worker)


class CliContext:
    """Built per invocation; the container (database engine) only when a command needs it."""

    def __init__(self) -> None:
        self._settings: Settings | None = None
        self._container: Container | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings()
            except ConfigurationError as error:
                fail(error.message)
            assert self._settings is not None
        return self._settings

    @property
    def speaker(self) -> Translator:
        return speaker(self.settings.language, self.settings.timezone)

    def gettext(self, message: str) -> str:
        return self.speaker.gettext(message)

    def container(self) -> Container:
        if self._container is None:
            self._container = bootstrap(self.settings)
        return self._container

    def close(self) -> None:
        if self._container is not None:
            self._container.close()


@app.callback()
def main_callback(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", help="Print the version.")] = False,
) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit
    context = CliContext()
    ctx.obj = context
    ctx.call_on_close(context.close)


@app.command()
def init(
    ctx: typer.Context,
    demo: Annotated[bool, typer.Option("--demo", help="Load the demo company.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Create or upgrade the database; --demo loads a demo company to explore."""
    context: CliContext = ctx.obj
    if demo and context.settings.env == "production":
        fail(context.gettext("--demo is refused in production: it creates users with a known password."))
    container = context.container()
    upgrade_database(container.engine)
    loaded = False
    if demo:
        with reported_errors(context.gettext), container.sessions() as db:
            loaded = load_demo(session=db, now=container.clock(), base_url=context.settings.public_url(""))
            db.commit()
    if json_output:
        print_json({"revision": current_revision(container.engine), "demo_loaded": loaded})
        return
    console = Console()
    console.print(context.gettext("Database ready: {url}").format(url=_safe_url(context.settings)))
    if loaded:
        console.print(context.gettext("Demo company loaded."))
        _print_sign_in(console, context)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply every migration that has not run yet."""
    context: CliContext = ctx.obj
    container = context.container()
    before = current_revision(container.engine)
    upgrade_database(container.engine)
    after = current_revision(container.engine)
    message = context.gettext("Database schema at revision {after} (was {before}).")
    Console().print(message.format(after=after, before=before or "—"))


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    no_worker: Annotated[
        bool, typer.Option("--no-worker", help="Serve only; run `hikeshi worker` separately.")
    ] = False,
    ssl_certfile: Annotated[
        Path | None, typer.Option(help="Serve HTTPS with this certificate chain (PEM), without a proxy.")
    ] = None,
    ssl_keyfile: Annotated[Path | None, typer.Option(help="The certificate's private key (PEM).")] = None,
) -> None:
    """Serve the web app and the API, with the worker in the same process unless --no-worker."""
    import uvicorn

    from hikeshi.jobs.worker import Worker
    from hikeshi.web.app import create_app
    from hikeshi.web.kit.http import CoalescingHttpToolsProtocol

    context: CliContext = ctx.obj
    if (ssl_certfile is None) != (ssl_keyfile is None):
        fail(context.gettext("--ssl-certfile and --ssl-keyfile go together: give both, or neither."))
    container = context.container()
    if current_revision(container.engine) != head_revision():
        fail(context.gettext("The database schema is not up to date: run `hikeshi init` first."))
    logging.basicConfig(level=context.settings.log_level.upper(), format="%(levelname)s %(name)s %(message)s")
    worker = None
    if not no_worker:
        with reported_errors(context.gettext):
            worker = Worker(container=container, registry=container.jobs)
    console = Console()
    url = f"{'https' if ssl_certfile else 'http'}://{host}:{port}"
    console.print(f"hikeshi {__version__}: [bold]{url}[/bold]")
    _print_sign_in(console, context)
    try:
        uvicorn.run(
            create_app(container, background=worker.in_background if worker else None),
            host=host,
            port=port,
            log_level=context.settings.log_level,
            proxy_headers=True,
            server_header=False,
            # Each answer in one write; no access log below `info` (it would not be shown anyway).
            http=CoalescingHttpToolsProtocol,
            access_log=context.settings.log_level in ("debug", "info"),
            ssl_certfile=ssl_certfile,
            ssl_keyfile=ssl_keyfile,
        )
    finally:
        if worker is not None:
            worker.close()


def _print_sign_in(console: Console, context: CliContext) -> None:
    if context.settings.env == "production":
        return
    with context.container().sessions() as db:
        from hikeshi.accounts.service import find_user_by_email

        if find_user_by_email(session=db, email=DEMO_ADMIN_EMAIL) is None:
            return
    hint = context.gettext("Sign in as the demo admin: {email} / {password}")
    console.print(hint.format(email=DEMO_ADMIN_EMAIL, password=DEMO_PASSWORD), highlight=False)


def _safe_url(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.database_url).render_as_string(hide_password=True)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
