"""The public status page: `/status` and `/status/incidents/{id}`, no sign-in, no app navigation.

Japanese by default; `?lang=en` (the visible switch) is remembered in a cookie, else the browser's
Accept-Language decides. Answers carry a short Cache-Control and an ETag from the public version, so a
reload that changes nothing costs one small query and a 304.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from hikeshi.accounts.deps import DbSession, Now, Public
from hikeshi.comms import status, status_rules, status_views
from hikeshi.comms.status_schemas import Site
from hikeshi.core.i18n import Language
from hikeshi.web.kit.context import container

PATH = "/status"
router = APIRouter(prefix=PATH, tags=["status page"], include_in_schema=False)
LANGUAGE_COOKIE = "hikeshi_status_lang"
CACHE_CONTROL = "public, max-age=30"
LangQuery = Annotated[str | None, Query(max_length=5)]


def page_language(request: Request, lang: str | None) -> Language:
    return status_rules.status_language(
        query=lang,
        cookie=request.cookies.get(LANGUAGE_COOKIE),
        accept_language=request.headers.get("accept-language"),
    )


def _site(request: Request) -> Site:
    """The settings' site; without HIKESHI_BASE_URL, the address the request came to."""
    site = Site.from_settings(container(request).settings)
    if site.base_url:
        return site
    return replace(site, base_url=str(request.base_url).rstrip("/"))


def _cached(request: Request, etag: str, language: Language, remember: bool) -> Response | None:
    if etag in {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}:
        response = Response(status_code=304)
        _headers(response, etag, language, remember)
        return response
    return None


def _headers(response: Response, etag: str, language: Language, remember: bool) -> None:
    response.headers["etag"] = etag
    response.headers["cache-control"] = CACHE_CONTROL
    response.headers["vary"] = "Accept-Language, Cookie"
    response.headers["content-language"] = language
    if remember:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="lax", httponly=True)


@router.get("", dependencies=[Public])
def status_page(request: Request, db: DbSession, now: Now, lang: LangQuery = None) -> Response:
    """Components with their status and 90 days of history, current incidents, scheduled maintenance."""
    language = page_language(request, lang)
    site = _site(request)
    etag = status.page_fingerprint(session=db, now=now, language=language, site=site)
    cached = _cached(request, etag, language, lang is not None)
    if cached is not None:
        return cached
    summary = status.public_summary(session=db, now=now, language=language, site=site)
    html = status_views.render_html("status/page.html", summary=summary, links=status_views.Links())
    response = HTMLResponse(html)
    _headers(response, etag, language, lang is not None)
    return response


@router.get("/incidents/{public_id}", dependencies=[Public])
def incident_page(
    request: Request, public_id: str, db: DbSession, now: Now, lang: LangQuery = None
) -> Response:
    """One incident with every update, newest first."""
    language = page_language(request, lang)
    site = _site(request)
    etag = status.page_fingerprint(session=db, now=now, language=language, site=site)
    etag = etag[:-1] + f'-{public_id[:20]}"'
    cached = _cached(request, etag, language, lang is not None)
    if cached is not None:
        return cached
    incident = status.public_incident(session=db, language=language, public_id=public_id)
    summary = status.public_summary(session=db, now=now, language=language, site=site)
    links = status_views.Links()
    html = status_views.render_html(
        "status/incident.html",
        summary=summary,
        links=links,
        incident=incident,
        switch_to=lambda other: links.incident(incident.id, other),
    )
    response = HTMLResponse(html)
    _headers(response, etag, language, lang is not None)
    return response


@router.get("/assets/status.css", dependencies=[Public])
def stylesheet() -> Response:
    return Response(
        status_views.stylesheet(),
        media_type="text/css; charset=utf-8",
        headers={"cache-control": "public, max-age=3600"},
    )
