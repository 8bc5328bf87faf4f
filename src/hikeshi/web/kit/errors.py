"""Errors become answers: JSON `{"error": {"code", "message"}}` under /api, friendly pages elsewhere."""

from __future__ import annotations

import logging
from urllib.parse import quote, urlsplit

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from hikeshi.core.errors import HikeshiError, NotAuthenticated, TooManyRequests
from hikeshi.core.i18n import N_
from hikeshi.web.kit.context import translator
from hikeshi.web.kit.templating import Templates

log = logging.getLogger("hikeshi.web")

HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_requests",
}
HTTP_MESSAGES = {
    400: N_("The request could not be understood."),
    401: N_("Sign in first."),
    403: N_("You do not have permission to see this page."),
    404: N_("There is nothing here."),
    405: N_("This method is not allowed here."),
    500: N_("Something went wrong on our side. The error was recorded."),
}
MACHINE_PREFIXES = ("/api/", "/v2/", "/hooks/", "/ping/", "/slack/")


def wants_json(request: Request) -> bool:
    return request.url.path.startswith(MACHINE_PREFIXES) or request.url.path == "/api"


def error_response(request: Request, *, status: int, code: str, message: str) -> Response:
    if wants_json(request):
        return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)
    if status == 401:
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        if request.headers.get("hx-request"):
            # An htmx fragment (a list refreshing itself) must send the whole page to sign-in, and
            # back to that page afterwards, not swap the sign-in form into the table.
            page = urlsplit(request.headers.get("hx-current-url", ""))
            if page.path.startswith("/"):
                target = quote(page.path + (f"?{page.query}" if page.query else ""))
            return Response(status_code=204, headers={"HX-Redirect": f"/login?next={target}"})
        return RedirectResponse(f"/login?next={target}", status_code=303)
    templates: Templates = request.app.state.templates
    return templates.render(request, "error.html", {"status": status, "message": message}, status_code=status)


async def _hikeshi_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HikeshiError)
    speaker = translator(request)
    response = error_response(
        request, status=error.status_code, code=error.code, message=error.render(speaker.gettext)
    )
    if isinstance(error, TooManyRequests):
        response.headers["retry-after"] = str(error.retry_after_seconds)
    if isinstance(error, NotAuthenticated) and wants_json(request):
        response.headers["www-authenticate"] = "Bearer"
    return response


async def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    problems = []
    for detail in error.errors():
        loc = tuple(detail.get("loc", ()))
        if loc and loc[0] in ("body", "query", "path", "header", "cookie"):
            loc = loc[1:]  # where the value came from; a field may itself be named `body`
        where = ".".join(str(part) for part in loc)
        message = detail.get("msg", "invalid")
        problems.append(f"{where}: {message}" if where else str(message))
    message = "; ".join(problems) or "invalid input"
    return error_response(request, status=422, code="invalid_input", message=message)


async def _out_of_range(request: Request, error: Exception) -> Response:
    """A value no column can hold (an id of 30 digits, a NUL character in text): SQLite raises OverflowError,
    PostgreSQL a DataError.

    Rows are only ever numbered within the database's range, so such a value is the client's mistake.
    """
    speaker = translator(request)
    if "NUL" in str(error):  # PostgreSQL keeps no NUL character in text; SQLite would have
        message = speaker.gettext(
            N_("A text in the request contains a NUL character, which cannot be stored.")
        )
    else:
        message = speaker.gettext(N_("A value in the request is too large or too long."))
    return error_response(request, status=422, code="invalid_input", message=message)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    speaker = translator(request)
    fallback = HTTP_MESSAGES.get(error.status_code, N_("The request could not be answered."))
    detail = error.detail if isinstance(error.detail, str) and error.detail not in ("Not Found",) else None
    message = speaker.gettext(detail or fallback)
    response = error_response(
        request,
        status=error.status_code,
        code=HTTP_CODES.get(error.status_code, "error"),
        message=message,
    )
    for name, value in (error.headers or {}).items():
        response.headers[name] = value
    return response


async def _unexpected(request: Request, error: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    speaker = translator(request)
    return error_response(
        request, status=500, code="internal_error", message=speaker.gettext(HTTP_MESSAGES[500])
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HikeshiError, _hikeshi_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(OverflowError, _out_of_range)
    app.add_exception_handler(DataError, _out_of_range)
    app.add_exception_handler(Exception, _unexpected)
