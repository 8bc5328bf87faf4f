"""CSRF protection for every form: a per-browser token in a cookie that each unsafe request repeats.

The token travels in the form field `csrf_token` or the `X-CSRF-Token` header (htmx). Paths used by
machines with their own credentials (API tokens, integration keys, Slack signatures) are exempt.
The middleware reads the form itself, so no route can forget the check.
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Iterable
from http.cookies import SimpleCookie

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_COOKIE = "hikeshi_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
MAX_FORM_BYTES = 50 * 1024 * 1024


class CSRFMiddleware:
    def __init__(self, app: ASGIApp, *, exempt_prefixes: Iterable[str], secure_cookie: bool = False) -> None:
        self.app = app
        self.exempt_prefixes = tuple(exempt_prefixes)
        self.secure_cookie = secure_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.exempt_prefixes):
            await self.app(scope, receive, send)
            return
        cookie = _cookie_value(scope)
        token = cookie if cookie and len(cookie) >= 32 else secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf_token"] = token

        if scope["method"] not in SAFE_METHODS:
            body = await _read_body(receive)
            if body is None or cookie is None or not await _token_matches(scope, body, cookie):
                await _forbidden(scope, send)
                return
            receive = _replay(body)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and token != cookie:
                headers = MutableHeaders(scope=message)
                attributes = "Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if self.secure_cookie else "")
                headers.append("set-cookie", f"{CSRF_COOKIE}={token}; {attributes}")
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _cookie_value(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:
                return None
            if CSRF_COOKIE in jar:
                return jar[CSRF_COOKIE].value
    return None


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _token_matches(scope: Scope, body: bytes, cookie: str) -> bool:
    for name, value in scope["headers"]:
        if name == CSRF_HEADER.encode():
            return hmac.compare_digest(value.decode("latin-1"), cookie)
    request = Request(scope, _replay(body))
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return False
    try:
        form = await request.form()
    except Exception:
        return False
    submitted = form.get(CSRF_FIELD)
    await form.close()
    return isinstance(submitted, str) and hmac.compare_digest(submitted, cookie)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _forbidden(scope: Scope, send: Send) -> None:
    # The language is not known yet at this depth; the page says it in both.
    wants_json = any(name == b"accept" and b"application/json" in value for name, value in scope["headers"])
    if wants_json:
        payload = {"error": {"code": "csrf_failed", "message": "CSRF token missing or wrong"}}
        body = json.dumps(payload).encode()
        content_type = b"application/json"
    else:
        body = (
            "<!doctype html><meta charset=utf-8><title>403</title>"
            "<h1>403</h1><p>フォームの有効期限が切れたか、不正な送信です。ページを再読み込みしてやり直してください。</p>"
            "<p>The form expired or was not sent from hikeshi. Reload the page and try again.</p>"
        ).encode()
        content_type = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
