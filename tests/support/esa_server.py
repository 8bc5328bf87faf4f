"""A local esa API v1 (posts), checking each request as esa does.

    POST  /v1/teams/{team}/posts            {"post": {"name", "body_md", "category", "tags", "wip"}}  → 201
    PATCH /v1/teams/{team}/posts/{number}   the same fields, each optional                           → 200
    GET   /v1/teams/{team}/posts/{number}                                                            → 200

`Authorization: Bearer {token}` must be the configured token (else 401), the team must be the
configured one (else 404), the body JSON with a `post` object (else 400). A post's name is required on
create and may not be empty; like esa, `/` in a name moves its first parts into the category and
` #word` becomes a tag, which the server records (`full_name`, `tags`), so a test can see a name that
would have landed elsewhere. The
category must be the expected one when `expected_category` is set (else 400: a test of the
configuration). Answers carry `number`, `url`, `revision_number` (1, then +1 per update) and esa's
rate-limit headers; errors are `{"error": code, "message": text}`. An injected 429 looks like esa's.

    python -m tests.support.esa_server --port 0 --team docs --token …
"""

from __future__ import annotations

import itertools
import json
import re
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from tests.support.local_http import LocalHttpServer, Request, Response, run_standalone

DEFAULT_TEAM = "hikeshi-test"
DEFAULT_TOKEN = "hikeshi-test-esa-token"
POSTS = re.compile(r"^/v1/teams/(?P<team>[^/]+)/posts(?:/(?P<number>[0-9]+))?$")
RATE_LIMIT = 75  # esa: requests per 15 minutes per token
TAG_IN_NAME = re.compile(r"(?:^|\s)#(\S+)")
FIELDS = {"name": str, "body_md": str, "category": str, "tags": list, "wip": bool, "message": str}


class EsaError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class EsaPostRecord:
    number: int
    name: str
    category: str
    body_md: str
    tags: list[str]
    wip: bool
    revision_number: int
    url: str

    @property
    def full_name(self) -> str:
        return f"{self.category}/{self.name}" if self.category else self.name


@dataclass
class EsaRequest:
    method: str
    path: str
    number: int | None  # the post written (None when refused)
    body: Any
    status: int  # what the server answered
    error: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


class EsaServer(LocalHttpServer):
    def __init__(
        self,
        *,
        team: str = DEFAULT_TEAM,
        token: str = DEFAULT_TOKEN,
        expected_category: str | None = "障害情報",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(host=host, port=port)
        self.team = team
        self.token = token
        self.expected_category = expected_category
        self.requests: list[EsaRequest] = []
        self.posts: dict[int, EsaPostRecord] = {}
        self.rate_limit_reset_in = 900  # seconds until the window resets, in X-RateLimit-Reset
        self._numbers = itertools.count(1)

    @property
    def api_url(self) -> str:
        """What `HIKESHI_ESA_API_URL` takes."""
        return self.url

    def reset(self) -> None:
        super().reset()
        with self.lock:
            self.requests.clear()
            self.posts.clear()

    def delete_post(self, number: int) -> None:
        """A person deleted the post on esa."""
        with self.lock:
            del self.posts[number]

    def accepted(self, method: str) -> list[EsaRequest]:
        with self.lock:
            return [item for item in self.requests if item.method == method and item.error is None]

    def fault_response(self, status: int, retry_after: int | None) -> Response:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        if status == 429:
            # esa sends its rate-limit headers with every answer; Retry-After only when the test asks.
            limited = {**_rate_headers(RATE_LIMIT, reset_in=self.rate_limit_reset_in), **headers}
            return _error(EsaError(429, "too_many_requests", "Rate limit exceeded"), limited)
        return _error(EsaError(status, "internal_server_error", "Injected fault"), headers)

    def handle(self, request: Request) -> Response:
        if request.path == "/_test/requests" and request.method == "GET":
            with self.lock:
                return Response.json({"requests": [asdict(item) for item in self.requests]})
        match = POSTS.match(request.path)
        number = int(match["number"]) if match is not None and match["number"] else None
        try:
            body = self._check(request, match)
            record = self._write(request.method, number, body)
        except EsaError as error:
            headers = {"WWW-Authenticate": 'Bearer realm="esa"'} if error.status == 401 else {}
            return _error(error, headers)
        status = 201 if request.method == "POST" else 200
        with self.lock:
            used = len(self.requests) + 1
        return Response.json(_post_document(record), status, _rate_headers(used))

    def _dispatch(self, request: Request) -> Response:
        """Every request to the API is recorded with its answer, injected faults included."""
        response = super()._dispatch(request)
        if not request.path.startswith("/_test/"):
            self._record(request, response)
        return response

    def _check(self, request: Request, match: re.Match[str] | None) -> dict[str, Any]:
        if match is None:
            raise EsaError(404, "not_found", "Not found")
        if request.headers.get("Authorization", "") != f"Bearer {self.token}":
            raise EsaError(401, "unauthorized", "Unauthorized")
        if match["team"] != self.team:
            raise EsaError(404, "not_found", "Not found")
        allowed = {"GET", "PATCH"} if match["number"] else {"POST"}
        if request.method not in allowed:
            raise EsaError(404, "not_found", "Not found")
        if request.method == "GET":
            return {}
        if request.content_type != "application/json":
            raise EsaError(400, "bad_request", "Content-Type must be application/json")
        try:
            document = request.json()
        except ValueError:
            raise EsaError(400, "bad_request", "Invalid JSON") from None
        post = document.get("post") if isinstance(document, dict) else None
        if not isinstance(post, dict):
            raise EsaError(400, "bad_request", "post is missing")
        for name, kind in FIELDS.items():
            if name in post and not isinstance(post[name], kind):
                raise EsaError(400, "bad_request", f"post.{name} is not a {kind.__name__}")
        if not all(isinstance(tag, str) for tag in post.get("tags", [])):
            raise EsaError(400, "bad_request", "post.tags must be strings")
        if request.method == "POST" and not post.get("name", "").strip():
            raise EsaError(400, "bad_request", "Name can't be blank")
        if "name" in post and not post["name"].strip():
            raise EsaError(400, "bad_request", "Name can't be blank")
        category = post.get("category")
        if self.expected_category is not None and category not in (None, self.expected_category):
            raise EsaError(400, "bad_request", f"unexpected category: {category}")
        return post

    def _write(self, method: str, number: int | None, post: dict[str, Any]) -> EsaPostRecord:
        with self.lock:
            if method == "POST":
                return self._create(post)
            assert number is not None
            record = self.posts.get(number)
            if record is None:
                raise EsaError(404, "not_found", "Not found")
            if method == "PATCH":
                category, name = _split_name(post.get("category", record.category), post.get("name"))
                name, tags = _split_tags(name, list(post.get("tags", record.tags)))
                record.name = name if name is not None else record.name
                record.category = category
                record.body_md = post.get("body_md", record.body_md)
                record.tags = tags
                record.wip = post.get("wip", record.wip)
                record.revision_number += 1
            return record

    def _create(self, post: dict[str, Any]) -> EsaPostRecord:
        number = next(self._numbers)
        category, name = _split_name(post.get("category", ""), post["name"])
        name, tags = _split_tags(name, list(post.get("tags", [])))
        record = EsaPostRecord(
            number=number,
            name=name or "",
            category=category,
            body_md=post.get("body_md", ""),
            tags=tags,
            wip=post.get("wip", True),  # esa's default: a new post is work in progress
            revision_number=1,
            url=f"https://{self.team}.esa.io/posts/{number}",
        )
        self.posts[number] = record
        return record

    def _record(self, request: Request, response: Response) -> None:
        try:
            body = request.json() if request.body else None
        except ValueError:
            body = request.body.decode("utf-8", "replace")
        try:
            answer = json.loads(response.body or b"null")
        except ValueError:
            answer = None
        answer = answer if isinstance(answer, dict) else {}
        number = answer.get("number") if response.status < 300 else None
        headers = {name.lower(): value for name, value in request.headers.items()}
        item = EsaRequest(
            request.method, request.path, number, body, response.status, answer.get("error"), headers
        )
        with self.lock:
            self.requests.append(item)


def _split_name(category: str, name: str | None) -> tuple[str, str | None]:
    """esa: `a/b/title` as a name files the post under category `a/b` (after the given category)."""
    if name is None or "/" not in name:
        return category, name
    *folders, title = name.split("/")
    return "/".join(part for part in (category, *folders) if part), title


def _split_tags(name: str | None, tags: list[str]) -> tuple[str | None, list[str]]:
    """esa: ` #word` in a name is a tag; it leaves the name and joins the post's tags."""
    if name is None:
        return None, tags
    found = TAG_IN_NAME.findall(name)
    return TAG_IN_NAME.sub("", name).strip(), [*tags, *(tag for tag in found if tag not in tags)]


def _post_document(record: EsaPostRecord) -> dict[str, Any]:
    return {
        "number": record.number,
        "name": record.name,
        "full_name": record.full_name,
        "wip": record.wip,
        "body_md": record.body_md,
        "category": record.category or None,
        "tags": record.tags,
        "revision_number": record.revision_number,
        "url": record.url,
        "created_by": {"name": "hikeshi", "screen_name": "hikeshi"},
    }


def _rate_headers(used: int, *, reset_in: int = 900) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(RATE_LIMIT),
        "X-RateLimit-Remaining": str(max(0, RATE_LIMIT - used)),
        "X-RateLimit-Reset": str(int(time.time()) + reset_in),
    }


def _error(error: EsaError, headers: dict[str, str] | None = None) -> Response:
    return Response.json({"error": error.code, "message": error.message}, error.status, headers)


def main() -> None:
    def arguments(parser: Any) -> None:
        parser.add_argument("--team", default=DEFAULT_TEAM)
        parser.add_argument("--token", default=DEFAULT_TOKEN)

    run_standalone(
        "A local esa API v1 (posts) for hikeshi's tests.",
        lambda args: EsaServer(team=args.team, token=args.token, host=args.host, port=args.port),
        arguments,
    )


if __name__ == "__main__":
    main()
