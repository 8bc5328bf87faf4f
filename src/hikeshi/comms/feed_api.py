"""`GET /notices/feed.json`: the in-app notice feed, public, cacheable (docs/in-app-notices.md).

`feed_asgi` answers the same requests in front of the middleware (same bytes and headers); this route
answers what it hands over (bad parameters, an unknown store) and documents the endpoint in OpenAPI.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from hikeshi.accounts.deps import DbSession, Now, Public
from hikeshi.comms import feed, feed_rules
from hikeshi.core.errors import HikeshiError
from hikeshi.web.kit.context import container, translator

router = APIRouter(tags=["in-app notices"])

_ERROR = {"content": {"application/json": {"example": {"error": {"code": "not_found", "message": "…"}}}}}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The notices that concern the store or product, newest first."},
    304: {"description": "Unchanged since the ETag (If-None-Match) or date (If-Modified-Since) given."},
    400: {"description": "A parameter is not valid (`lang` other than ja or en).", **_ERROR},
    404: {"description": "No store has this external id, or no product this slug.", **_ERROR},
}


@router.get("/notices/feed.json", dependencies=[Public], responses=_RESPONSES)
def notice_feed(
    request: Request,
    db: DbSession,
    now: Now,
    store: Annotated[str | None, Query(description="The store's external id.")] = None,
    product: Annotated[str | None, Query(description="A product's slug, e.g. ipad-app.")] = None,
    lang: Annotated[str | None, Query(description="ja (the default) or en.")] = None,
) -> Response:
    """Published in-app notices: one entry per incident or maintenance, its earlier notices as `updates`.

    Send back the `ETag` as `If-None-Match` (or `Last-Modified` as `If-Modified-Since`): an unchanged
    feed answers 304 with no body. Poll every 60 seconds.
    """
    try:
        query = feed_rules.parse_feed_query(store=store, product=product, lang=lang)
        state = feed.feed_state(session=db, now=now)
        etag = state.etag(query)
        headers = dict(feed_rules.feed_headers(current_etag=etag, modified=state.last_modified))
        if feed_rules.not_modified(
            current_etag=etag,
            modified=state.last_modified,
            if_none_match=request.headers.get("if-none-match"),
            if_modified_since=request.headers.get("if-modified-since"),
        ):
            return Response(status_code=304, headers=headers)
        base_url = container(request).settings.public_url("")
        document = feed.feed_document(session=db, now=now, query=query, base_url=base_url)
    except HikeshiError as error:
        message = error.render(translator(request).gettext)
        return JSONResponse(
            {"error": {"code": error.code, "message": message}},
            status_code=error.status_code,
            headers=dict(feed_rules.CORS_HEADERS),
        )
    return Response(feed.render_feed(document), media_type="application/json", headers=headers)


@router.options("/notices/feed.json", dependencies=[Public], include_in_schema=False)
def notice_feed_preflight() -> Response:
    """CORS preflight, for a web view that sends If-None-Match itself."""
    return Response(status_code=204, headers=dict(feed_rules.PREFLIGHT_HEADERS))
