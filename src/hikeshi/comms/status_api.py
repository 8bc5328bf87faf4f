"""Statuspage-compatible JSON (`/api/v2/summary.json`, `status.json`, …) and the Atom feed of the status
page. Public and cacheable; the JSON allows any origin, so customers can embed it in their own pages.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from hikeshi.accounts.deps import DbSession, Now, Public
from hikeshi.comms import status, status_rules, status_views
from hikeshi.comms.status_schemas import Site, StatusSummary
from hikeshi.core.i18n import Language
from hikeshi.web.kit.context import container

router = APIRouter(tags=["status page"])
CACHE_CONTROL = "public, max-age=30"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
LangQuery = Annotated[
    str | None, Query(max_length=5, description="ja or en; default: Accept-Language, then ja.")
]


def live_site(request: Request) -> Site:
    """The settings' site; without HIKESHI_BASE_URL, the address the request came to."""
    site = Site.from_settings(container(request).settings)
    if site.base_url:
        return site
    return replace(site, base_url=str(request.base_url).rstrip("/"))


def _language(request: Request, lang: str | None) -> Language:
    return status_rules.status_language(
        query=lang, cookie=None, accept_language=request.headers.get("accept-language")
    )


def _answer(
    request: Request,
    db: DbSession,
    now: Now,
    lang: str | None,
    render: Callable[[StatusSummary], bytes],
    media_type: str,
) -> Response:
    language = _language(request, lang)
    site = live_site(request)
    etag = status.page_fingerprint(session=db, now=now, language=language, site=site)
    etag = etag[:-1] + f'-{request.url.path.rsplit("/", 1)[-1]}"'
    headers = {
        "etag": etag,
        "cache-control": CACHE_CONTROL,
        "vary": "Accept-Language",
        "access-control-allow-origin": "*",
        "content-language": language,
    }
    if etag in {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    summary = status.public_summary(session=db, now=now, language=language, site=site)
    return Response(render(summary), media_type=media_type, headers=headers)


def _json(name: str) -> Callable[[StatusSummary], bytes]:
    document = status_views.JSON_DOCUMENTS[name]

    def render(summary: StatusSummary) -> bytes:
        return json.dumps(document(summary), ensure_ascii=False).encode()

    return render


def _route(name: str, summary_text: str) -> None:
    render = _json(name)

    def endpoint(request: Request, db: DbSession, now: Now, lang: LangQuery = None) -> Response:
        return _answer(request, db, now, lang, render, "application/json")

    endpoint.__name__ = "status_" + name.replace("/", "_").replace("-", "_").removesuffix(".json")
    router.add_api_route(
        f"/api/v2/{name}",
        endpoint,
        methods=["GET"],
        dependencies=[Public],
        summary=summary_text,
        response_class=Response,
    )


_route("summary.json", "The status page: components, unresolved incidents, scheduled maintenance")
_route("status.json", "The page's overall status indicator and description")
_route("components.json", "The components (customer-facing products) and their status")
_route("incidents/unresolved.json", "Incidents not yet resolved")
_route("incidents.json", "The 50 most recent incidents")
_route("scheduled-maintenances.json", "Scheduled and running maintenance")


@router.get("/status/feed.atom", dependencies=[Public], include_in_schema=False)
def status_feed(request: Request, db: DbSession, now: Now, lang: LangQuery = None) -> Response:
    """Atom 1.0: one entry per published update."""

    def render(summary: StatusSummary) -> bytes:
        links = status_views.Links(origin=live_site(request).base_url)
        return status_views.atom_feed(summary, links=links, self_url=str(request.url))

    return _answer(request, db, now, lang, render, ATOM_TYPE)
