"""A local Slack: the Web API methods hikeshi uses and an incoming webhook, checked as Slack checks them.

- `POST /api/chat.postMessage`, `/api/chat.update`, `/api/conversations.open`: JSON or form bodies,
  `Authorization: Bearer <token>` (or a `token` form field); errors are HTTP 200 with
  `{"ok": false, "error": …}` (`not_authed`, `invalid_auth`, `channel_not_found`, `no_text`,
  `msg_too_long`, `message_not_found`, `is_archived`, `not_in_channel`), as Slack answers them;
- at most one post per `post_interval_seconds` (1 s) per channel, else HTTP 429 with `Retry-After: 1`;
- `POST /services/T000/B000/XXXX`: an incoming webhook, `ok` or a status with Slack's error text;
- `POST /actions/…`: an interaction's `response_url` (JSON only, as Slack's), kept with its
  `response_type` and `replace_original`;
- `GET /_test/messages`: everything accepted (messages with their updates, webhook posts) as JSON.

    python -m tests.support.slack_server --port 0 --token xoxb-test
"""

from __future__ import annotations

import hashlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from tests.support.local_http import LocalHttpServer, Request, Response, run_standalone

DEFAULT_TOKEN = "xoxb-hikeshi-test-token"
WEBHOOK_PATH = "/services/T000/B000/XXXX"
RESPONSE_URL_PREFIX = "/actions/"
MAX_TEXT = 40_000  # Slack truncates at 40,000 characters and refuses far longer text


@dataclass
class SlackUpdate:
    text: str | None
    blocks: list[dict[str, Any]] | None


@dataclass
class SlackMessage:
    channel: str
    ts: str
    text: str | None
    blocks: list[dict[str, Any]] | None
    thread_ts: str | None
    updates: list[SlackUpdate] = field(default_factory=list)
    reply_broadcast: bool = False  # a thread reply "also sent to the channel"

    @property
    def current_text(self) -> str | None:
        return self.updates[-1].text if self.updates else self.text


@dataclass
class WebhookPost:
    path: str
    text: str | None
    blocks: list[dict[str, Any]] | None


@dataclass
class InteractionResponse:
    path: str
    text: str | None
    response_type: str | None
    replace_original: bool | None


class SlackServer(LocalHttpServer):
    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        post_interval_seconds: float = 1.0,
        webhook_path: str = WEBHOOK_PATH,
        host: str = "127.0.0.1",
        port: int = 0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(host=host, port=port)
        self.token = token
        self.post_interval_seconds = post_interval_seconds
        self.webhook_path = webhook_path
        self.missing_channels: set[str] = set()  # answer channel_not_found
        self.archived_channels: set[str] = set()  # answer is_archived
        self.outside_channels: set[str] = set()  # answer not_in_channel
        self.messages: list[SlackMessage] = []
        self.webhook_posts: list[WebhookPost] = []
        self.responses: list[InteractionResponse] = []  # posted to response_urls
        self.opened: list[str] = []  # users named in conversations.open calls
        self.rate_limited = 0  # posts answered 429 by the per-channel limit
        self._last_post: dict[str, float] = {}
        self._monotonic = monotonic
        self._ts = itertools.count(1)

    @property
    def api_url(self) -> str:
        """What `slack_sdk.WebClient(base_url=…)` and `HIKESHI_SLACK_API_URL` take."""
        return f"{self.url}/api/"

    @property
    def webhook_url(self) -> str:
        return self.url + self.webhook_path

    def response_url(self, interaction: str = "T0001/1/abc") -> str:
        """Where Slack tells the app to answer one interaction (`response_url` in its payload)."""
        return f"{self.url}{RESPONSE_URL_PREFIX}{interaction}"

    def reset(self) -> None:
        super().reset()
        with self.lock:
            self.messages.clear()
            self.webhook_posts.clear()
            self.responses.clear()
            self.opened.clear()
            self._last_post.clear()
            self.rate_limited = 0

    def in_channel(self, channel: str) -> list[SlackMessage]:
        with self.lock:
            return [message for message in self.messages if message.channel == channel_id(channel)]

    def fault_response(self, status: int, retry_after: int | None) -> Response:
        headers = {"Retry-After": str(retry_after if retry_after is not None else 1)} if status == 429 else {}
        if status == 429:
            return Response.json({"ok": False, "error": "ratelimited"}, status, headers)
        return Response.text("<html><body>Slack is having trouble</body></html>", status)

    def handle(self, request: Request) -> Response:
        if request.path == "/_test/messages" and request.method == "GET":
            return Response.json(self.snapshot())
        if request.path == self.webhook_path and request.method == "POST":
            return self._webhook(request)
        if request.path.startswith(RESPONSE_URL_PREFIX) and request.method == "POST":
            return self._interaction_response(request)
        if request.path.startswith("/services/"):
            return Response.text("no_service", 404)
        if not request.path.startswith("/api/"):
            return Response.text("not found", 404)
        fields = _fields(request)
        if fields is None:
            return _error("invalid_json")
        problem = self._auth_problem(request, fields)
        if problem is not None:
            return _error(problem)
        method = request.path.removeprefix("/api/")
        handler = {
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "conversations.open": self._open,
        }.get(method)
        return handler(fields) if handler is not None else _error("unknown_method")

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            messages = [asdict(message) for message in self.messages]
            posts = [asdict(post) for post in self.webhook_posts]
            responses = [asdict(response) for response in self.responses]
            opened = list(self.opened)
        return {
            "messages": messages,
            "webhook_posts": posts,
            "responses": responses,
            "opened": opened,
            "rate_limited": self.rate_limited,
        }

    def _auth_problem(self, request: Request, fields: dict[str, Any]) -> str | None:
        header = request.headers.get("Authorization", "")
        token = (
            header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else fields.get("token")
        )
        if not token:
            return "not_authed"
        return None if token == self.token else "invalid_auth"

    def _channel_problem(self, channel: str) -> str | None:
        if channel in self.missing_channels or channel_id(channel) in self.missing_channels:
            return "channel_not_found"
        if channel in self.archived_channels or channel_id(channel) in self.archived_channels:
            return "is_archived"
        if channel in self.outside_channels or channel_id(channel) in self.outside_channels:
            return "not_in_channel"
        return None

    def _post_message(self, fields: dict[str, Any]) -> Response:
        channel = str(fields.get("channel") or "")
        if not channel:
            return _error("channel_not_found")
        text, blocks = _content(fields)
        problem = self._channel_problem(channel) or _content_problem(text, blocks)
        if problem is not None:
            return _error(problem)
        resolved = channel_id(channel)
        with self.lock:
            now = self._monotonic()
            last = self._last_post.get(resolved)
            if last is not None and now - last < self.post_interval_seconds:
                self.rate_limited += 1
                return Response.json({"ok": False, "error": "ratelimited"}, 429, {"Retry-After": "1"})
            self._last_post[resolved] = now
            ts = f"{int(time.time())}.{next(self._ts):06d}"
            thread_ts = fields.get("thread_ts") or None
            broadcast = fields.get("reply_broadcast") in (True, "true", "1", 1)
            self.messages.append(
                SlackMessage(resolved, ts, text, blocks, thread_ts, reply_broadcast=broadcast)
            )
        message = {"type": "message", "text": text or "", "ts": ts, "bot_id": "B0HIKESHI"}
        return Response.json({"ok": True, "channel": resolved, "ts": ts, "message": message})

    def _update(self, fields: dict[str, Any]) -> Response:
        channel, ts = str(fields.get("channel") or ""), str(fields.get("ts") or "")
        if not channel:
            return _error("channel_not_found")
        if not ts:
            return _error("message_not_found")
        text, blocks = _content(fields)
        problem = self._channel_problem(channel) or _content_problem(text, blocks)
        if problem is not None:
            return _error(problem)
        with self.lock:
            # chat.update takes a channel id only, as Slack's does: a name finds nothing.
            found = next((m for m in self.messages if m.channel == channel and m.ts == ts), None)
            if found is None:
                return _error("message_not_found")
            found.updates.append(SlackUpdate(text, blocks))
        return Response.json({"ok": True, "channel": channel, "ts": ts, "text": text or ""})

    def _open(self, fields: dict[str, Any]) -> Response:
        users = [user.strip() for user in str(fields.get("users") or "").split(",") if user.strip()]
        if not users:
            return _error("users_list_not_supplied")
        if any(not user.startswith(("U", "W")) for user in users):
            return _error("user_not_found")
        with self.lock:
            self.opened.extend(users)
        if len(users) > 1:
            return Response.json({"ok": True, "channel": {"id": "G" + _digest(",".join(sorted(users)))}})
        return Response.json({"ok": True, "channel": {"id": channel_id(users[0])}})

    def _webhook(self, request: Request) -> Response:
        try:
            payload = request.json() if request.content_type == "application/json" else _form_payload(request)
        except ValueError:
            return Response.text("invalid_payload", 400)
        if not isinstance(payload, dict):
            return Response.text("invalid_payload", 400)
        text, blocks = payload.get("text"), payload.get("blocks")
        if not text and not blocks:
            return Response.text("no_text", 400)
        with self.lock:
            key = "webhook:" + request.path
            now = self._monotonic()
            last = self._last_post.get(key)
            if last is not None and now - last < self.post_interval_seconds:
                self.rate_limited += 1
                return Response.text("rate_limited", 429, {"Retry-After": "1"})
            self._last_post[key] = now
            self.webhook_posts.append(WebhookPost(request.path, text, blocks))
        return Response.text("ok")

    def _interaction_response(self, request: Request) -> Response:
        if request.content_type != "application/json":
            return Response.json({"ok": False, "error": "invalid_payload"}, 400)
        try:
            payload = request.json()
        except ValueError:
            return Response.json({"ok": False, "error": "invalid_payload"}, 400)
        if not isinstance(payload, dict) or not (payload.get("text") or payload.get("blocks")):
            return Response.json({"ok": False, "error": "no_text"}, 400)
        response = InteractionResponse(
            path=request.path,
            text=payload.get("text"),
            response_type=payload.get("response_type"),
            replace_original=payload.get("replace_original"),
        )
        with self.lock:
            self.responses.append(response)
        return Response.json({"ok": True})


def channel_id(channel: str) -> str:
    """Slack's ids for what a client may name: ids as given, `#name` or `name`, or a user's DM."""
    if channel.startswith(("U", "W")) and channel[1:].isalnum() and channel.isupper():
        return "D" + channel[1:]
    if channel[:1] in {"C", "G", "D"} and channel.isalnum() and channel.isupper():
        return channel
    return "C" + _digest(channel.removeprefix("#"))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10].upper()


def _fields(request: Request) -> dict[str, Any] | None:
    """Slack's Web API takes JSON bodies and form bodies (where `blocks` is a JSON string)."""
    if request.content_type == "application/json":
        try:
            data = request.json()
        except ValueError:
            return None
        return data if isinstance(data, dict) else None
    fields: dict[str, Any] = dict(request.form())
    fields.update(request.query)
    if isinstance(fields.get("blocks"), str):
        try:
            fields["blocks"] = json.loads(fields["blocks"])
        except ValueError:
            fields["blocks"] = "invalid"
    return fields


def _form_payload(request: Request) -> Any:
    return json.loads(request.form().get("payload", ""))


def _content(fields: dict[str, Any]) -> tuple[str | None, list[dict[str, Any]] | None]:
    text = fields.get("text")
    blocks = fields.get("blocks")
    return (str(text) if text else None), (blocks if isinstance(blocks, list) and blocks else None)


def _content_problem(text: str | None, blocks: list[dict[str, Any]] | None) -> str | None:
    if not text and not blocks:
        return "no_text"
    if text is not None and len(text) > MAX_TEXT:
        return "msg_too_long"
    return None


def _error(code: str) -> Response:
    return Response.json({"ok": False, "error": code})


def main() -> None:
    def arguments(parser: Any) -> None:
        parser.add_argument("--token", default=DEFAULT_TOKEN)
        parser.add_argument(
            "--post-interval", type=float, default=1.0, help="seconds between posts per channel"
        )

    run_standalone(
        "A local Slack Web API and incoming webhook for hikeshi's tests.",
        lambda args: SlackServer(
            token=args.token, post_interval_seconds=args.post_interval, host=args.host, port=args.port
        ),
        arguments,
    )


if __name__ == "__main__":
    main()
