"""The application factory: every domain's routes, the middleware, the error pages, health and metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractContextManager, asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from sqlalchemy.orm import Session
from starlette.types import Receive, Scope, Send

from hikeshi import __version__
from hikeshi.accounts import admin_pages as accounts_admin_pages
from hikeshi.accounts import api as accounts_api
from hikeshi.accounts import pages as accounts_pages
from hikeshi.accounts.deps import Public
from hikeshi.accounts.rules import ADMINS, EVERYONE, RESPONDERS, STAFF
from hikeshi.alerts import api as alerts_api
from hikeshi.alerts import heartbeats_api as alerts_heartbeats_api
from hikeshi.alerts import heartbeats_pages as alerts_heartbeats_pages
from hikeshi.alerts import ingest as alerts_ingest
from hikeshi.alerts import integration_pages as alerts_integration_pages
from hikeshi.alerts import maintenance_api as alerts_maintenance_api
from hikeshi.alerts import maintenance_pages as alerts_maintenance_pages
from hikeshi.alerts import pages as alerts_pages
from hikeshi.alerts import slack as alerts_slack
from hikeshi.alerts.ingest_asgi import IngestFastPath
from hikeshi.catalog import admin_pages as catalog_admin_pages
from hikeshi.catalog import api as catalog_api
from hikeshi.catalog import pages as catalog_pages
from hikeshi.comms import api as comms_api
from hikeshi.comms import call_api as comms_call_api
from hikeshi.comms import call_pages as comms_call_pages
from hikeshi.comms import campaign_api as comms_campaign_api
from hikeshi.comms import campaign_pages as comms_campaign_pages
from hikeshi.comms import feed_api as comms_feed_api
from hikeshi.comms import maintenance_api as comms_maintenance_api
from hikeshi.comms import maintenance_pages as comms_maintenance_pages
from hikeshi.comms import pages as comms_pages
from hikeshi.comms import status_api as comms_status_api
from hikeshi.comms import status_pages as comms_status_pages
from hikeshi.comms import unsubscribe as comms_unsubscribe
from hikeshi.comms.feed_asgi import FeedFastPath
from hikeshi.core.i18n import N_
from hikeshi.core.settings import Settings
from hikeshi.db.engine import database_reachable
from hikeshi.delivery import api as delivery_api
from hikeshi.delivery import pages as delivery_pages
from hikeshi.incidents import announcement_pages as incidents_announcement_pages
from hikeshi.incidents import api as incidents_api
from hikeshi.incidents import page_forms as incidents_page_forms
from hikeshi.incidents import pages as incidents_pages
from hikeshi.incidents.announcing import AnnouncementContext
from hikeshi.incidents.slack import declare_from_slack
from hikeshi.inquiries import api as inquiries_api
from hikeshi.inquiries import pages as inquiries_pages
from hikeshi.jobs import api as jobs_api
from hikeshi.jobs import pages as jobs_pages
from hikeshi.oncall import api as oncall_api
from hikeshi.oncall import calendar as oncall_calendar
from hikeshi.oncall import pages as oncall_pages
from hikeshi.oncall import paging_api as oncall_paging_api
from hikeshi.oncall import paging_pages as oncall_paging_pages
from hikeshi.oncall import policy_pages as oncall_policy_pages
from hikeshi.oncall import slack as oncall_slack
from hikeshi.postmortems import action_item_api as postmortems_action_item_api
from hikeshi.postmortems import action_item_pages as postmortems_action_item_pages
from hikeshi.postmortems import api as postmortems_api
from hikeshi.postmortems import pages as postmortems_pages
from hikeshi.postmortems import report_api as postmortems_report_api
from hikeshi.postmortems import report_pages as postmortems_report_pages
from hikeshi.web import home
from hikeshi.web.kit.csrf import CSRFMiddleware
from hikeshi.web.kit.errors import MACHINE_PREFIXES, install_error_handlers
from hikeshi.web.kit.metrics import HttpMetrics, MetricsMiddleware
from hikeshi.web.kit.security import SecurityHeadersMiddleware
from hikeshi.web.kit.templating import NavItem, Templates

STATIC_DIR = Path(__file__).resolve().parent / "static"
TEMPLATE_DOMAINS = (
    "accounts",
    "jobs",
    "delivery",
    "alerts",
    "oncall",
    "catalog",
    "inquiries",
    "incidents",
    "comms",
    "postmortems",
)

# The bar holds what people use during an incident; set-up and administration sit in two menus.
SETUP = N_("Set-up")
ADMINISTRATION = N_("Admin")  # short: the bar must stay one line in English too
# The brand links to the home page, so the bar does not repeat it.
NAVIGATION = (
    NavItem("/inbox", N_("Inbox"), frozenset(EVERYONE)),
    NavItem("/incidents", N_("Incidents"), frozenset(EVERYONE)),
    NavItem("/alerts", N_("Alerts"), frozenset(STAFF)),
    NavItem("/pages", N_("Pages"), frozenset(STAFF)),
    NavItem("/oncall", N_("On call"), frozenset(STAFF)),
    NavItem("/inquiries", N_("Inquiries"), frozenset(EVERYONE)),
    NavItem("/notices", N_("Notices"), frozenset(STAFF)),
    NavItem("/catalog", N_("Catalog"), frozenset(EVERYONE)),
    NavItem("/postmortems", N_("Postmortems"), frozenset(STAFF)),
    NavItem("/integrations", N_("Integrations"), frozenset(RESPONDERS), menu=SETUP),
    NavItem("/escalation-policies", N_("Escalation policies"), frozenset(RESPONDERS), menu=SETUP),
    NavItem("/heartbeats", N_("Heartbeats"), frozenset(RESPONDERS), menu=SETUP),
    NavItem("/maintenance", N_("Maintenance"), frozenset(RESPONDERS), menu=SETUP),
    NavItem("/admin/users", N_("Users"), frozenset(ADMINS), menu=ADMINISTRATION),
    NavItem("/admin/teams", N_("Teams"), frozenset(ADMINS), menu=ADMINISTRATION),
    NavItem("/admin/jobs", N_("Jobs"), frozenset(ADMINS), menu=ADMINISTRATION),
    NavItem("/admin/deliveries", N_("Delivery log"), frozenset(ADMINS), menu=ADMINISTRATION),
    NavItem("/admin/mailbox", N_("Mailbox"), frozenset(ADMINS), menu=ADMINISTRATION),
)

operations = APIRouter(tags=["operations"])


class HikeshiApp(FastAPI):
    """FastAPI, with alert ingestion and the in-app feed answered in front of the middleware for browsers."""

    ingest_fast_path: IngestFastPath | None = None
    feed_fast_path: FeedFastPath | None = None
    # PagerDuty's events answered on the HTTP protocol itself, under `hikeshi serve`.
    direct_answers: IngestFastPath | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        for fast in (self.ingest_fast_path, self.feed_fast_path):
            route = fast.route(scope) if fast is not None else None
            if fast is not None and route is not None:
                await fast(scope, receive, send, route=route, app=super().__call__)
                return
        await super().__call__(scope, receive, send)


@operations.get("/healthz", dependencies=[Public])
def healthz() -> dict[str, str]:
    """The process answers: for a liveness probe."""
    return {"status": "ok", "version": __version__}


@operations.get("/readyz", dependencies=[Public])
def readyz(request: Request) -> Response:
    """The database is reachable: for a readiness probe and load balancers."""
    if database_reachable(request.app.state.container.engine):
        return JSONResponse({"status": "ready", "database": "ok"})
    return JSONResponse({"status": "not ready", "database": "unreachable"}, status_code=503)


@operations.get("/metrics", dependencies=[Public], response_class=PlainTextResponse)
def metrics(request: Request) -> Response:
    registry: CollectorRegistry = request.app.state.registry
    return PlainTextResponse(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def _incident_command(
    *, session: Session, fields: Mapping[str, str], now: datetime, settings: Settings
) -> str:
    """`/hikeshi incident <what is broken>`: open a triage incident from chat."""
    context = AnnouncementContext.from_settings(settings)
    return declare_from_slack(session=session, fields=fields, now=now, context=context)


def create_app(
    container: Any, *, background: Callable[[], AbstractContextManager[object]] | None = None
) -> FastAPI:
    """`background`: what runs beside the web app for its lifetime (`hikeshi serve`: the worker)."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if background is None:
            yield
            return
        with background():
            yield

    app = HikeshiApp(
        lifespan=lifespan,
        title="hikeshi",
        version=__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    app.state.container = container
    app.state.slash_commands = {"incident": _incident_command}
    # Panels of domains above incidents that the incident page loads (format strings with {number}).
    app.state.incident_panels = ["/incidents/{number}/comms-panel", "/incidents/{number}/postmortem-panel"]
    app.state.templates = Templates(domains=TEMPLATE_DOMAINS, navigation=NAVIGATION)
    registry = CollectorRegistry()
    app.state.registry = registry

    # Routes are tried in order: ingest, the hot path, first.
    for router in (
        alerts_ingest.router,
        operations,
        # Before the notices' pages: /notices/feed.json and /notices/maintenance are not notice ids.
        comms_feed_api.router,
        comms_maintenance_api.router,
        comms_maintenance_pages.router,
        comms_unsubscribe.router,
        comms_campaign_pages.router,
        comms_campaign_api.router,
        comms_status_pages.router,
        comms_status_api.router,
        comms_call_pages.router,
        comms_call_api.router,
        # After the other /notices/… routes: its own paths are /notices/<number>.
        comms_api.router,
        comms_pages.router,
        home.router,
        accounts_pages.router,
        accounts_admin_pages.router,
        accounts_api.router,
        jobs_pages.router,
        jobs_api.router,
        delivery_pages.router,
        delivery_api.router,
        alerts_api.router,
        alerts_pages.router,
        alerts_integration_pages.router,
        alerts_slack.router,
        alerts_heartbeats_api.router,
        alerts_heartbeats_pages.router,
        alerts_maintenance_api.router,
        alerts_maintenance_pages.router,
        catalog_api.router,
        catalog_pages.router,
        catalog_admin_pages.router,
        inquiries_api.router,
        inquiries_pages.router,
        incidents_api.router,
        incidents_pages.router,
        incidents_page_forms.router,
        incidents_announcement_pages.router,
        oncall_api.router,
        oncall_pages.router,
        oncall_calendar.router,
        oncall_paging_api.router,
        oncall_paging_pages.router,
        oncall_policy_pages.router,
        oncall_slack.router,
        postmortems_report_pages.router,
        postmortems_report_api.router,
        postmortems_action_item_pages.router,
        postmortems_action_item_api.router,
        postmortems_api.router,
        postmortems_pages.router,
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_error_handlers(app)

    settings = container.settings
    # Outermost last: metrics see every answer, security headers go on every answer.
    app.add_middleware(
        CSRFMiddleware,
        # RFC 8058 one-click unsubscribe comes from mail apps without cookies: its signed token decides.
        # The public status page has no forms and is cached by shared caches: it must set no cookie.
        exempt_prefixes=(*MACHINE_PREFIXES, comms_unsubscribe.ONE_CLICK_PATH, comms_status_pages.PATH),
        secure_cookie=settings.secure_cookies,
    )
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.secure_cookies)
    http_metrics = HttpMetrics(registry)
    app.add_middleware(MetricsMiddleware, metrics=http_metrics)
    # Ingest's routes, the hot path, are answered before all of the above (same answers and metrics).
    app.ingest_fast_path = IngestFastPath(
        container=container, metrics=http_metrics, hsts=settings.secure_cookies
    )
    app.direct_answers = app.ingest_fast_path
    app.feed_fast_path = FeedFastPath(container=container, metrics=http_metrics, hsts=settings.secure_cookies)
    return app
