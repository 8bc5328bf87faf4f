"""The application factory: every domain's routes, the middleware, the error pages, health and metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

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
from hikeshi.core.i18n import N_
from hikeshi.db.engine import database_reachable
from hikeshi.delivery import api as delivery_api
from hikeshi.delivery import pages as delivery_pages
from hikeshi.jobs import api as jobs_api
from hikeshi.jobs import pages as jobs_pages
from hikeshi.web import home
from hikeshi.web.kit.csrf import CSRFMiddleware
from hikeshi.web.kit.errors import MACHINE_PREFIXES, install_error_handlers
from hikeshi.web.kit.metrics import HttpMetrics, MetricsMiddleware
from hikeshi.web.kit.security import SecurityHeadersMiddleware
from hikeshi.web.kit.templating import NavItem, Templates

STATIC_DIR = Path(__file__).resolve().parent / "static"
TEMPLATE_DOMAINS = ("accounts", "jobs", "delivery", "alerts")

NAVIGATION = (
    NavItem("/", N_("Home"), frozenset(EVERYONE)),
    NavItem("/inbox", N_("Inbox"), frozenset(EVERYONE)),
    NavItem("/alerts", N_("Alerts"), frozenset(STAFF)),
    NavItem("/integrations", N_("Integrations"), frozenset(RESPONDERS)),
    NavItem("/heartbeats", N_("Heartbeats"), frozenset(RESPONDERS)),
    NavItem("/maintenance", N_("Maintenance"), frozenset(RESPONDERS)),
    NavItem("/admin/users", N_("Users"), frozenset(ADMINS)),
    NavItem("/admin/teams", N_("Teams"), frozenset(ADMINS)),
    NavItem("/admin/jobs", N_("Jobs"), frozenset(ADMINS)),
    NavItem("/admin/deliveries", N_("Delivery log"), frozenset(ADMINS)),
    NavItem("/admin/mailbox", N_("Mailbox"), frozenset(ADMINS)),
)

operations = APIRouter(tags=["operations"])


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


@operations.get("/metrics", dependencies=[Public])
def metrics(request: Request) -> Response:
    registry: CollectorRegistry = request.app.state.registry
    return PlainTextResponse(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


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

    app = FastAPI(
        lifespan=lifespan,
        title="hikeshi",
        version=__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    app.state.container = container
    app.state.templates = Templates(domains=TEMPLATE_DOMAINS, navigation=NAVIGATION)
    registry = CollectorRegistry()
    app.state.registry = registry

    # Routes are tried in order: ingest, the hot path, first.
    for router in (
        alerts_ingest.router,
        operations,
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
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_error_handlers(app)

    settings = container.settings
    # Outermost last: metrics see every answer, security headers go on every answer.
    app.add_middleware(
        CSRFMiddleware, exempt_prefixes=MACHINE_PREFIXES, secure_cookie=settings.secure_cookies
    )
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.secure_cookies)
    app.add_middleware(MetricsMiddleware, metrics=HttpMetrics(registry))
    return app
