"""Posts on esa through its API v1: create one, then update the same one each time it is published again.

    POST  {api_url}/v1/teams/{team}/posts           {"post": {"name", "body_md", "category", "tags", "wip"}}
    PATCH {api_url}/v1/teams/{team}/posts/{number}  the same fields

Bearer token (a personal or team access token with write scope). 201 (create) or 200 (update) with the
post: `number`, `url`, `revision_number`. Errors are `{"error": "not_found", "message": "…"}`. esa
allows a few requests per 15 minutes per token and answers 429 past that: the job engine retries after
`Retry-After`, or after `X-RateLimit-Reset` (epoch seconds) when that is all esa said.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Self

import httpx

from hikeshi.adapters.errors import error_for_response, refused, send, shorten
from hikeshi.core.clock import Clock, utc_now
from hikeshi.core.errors import ExternalServiceError

DEFAULT_API_URL: Final = "https://api.esa.io"
DEFAULT_TIMEOUT_SECONDS: Final = 10.0
PROVIDER: Final = "esa"
USER_AGENT: Final = "hikeshi-esa/1"
MAX_NAME_CHARACTERS: Final = 255  # esa's limit on a post's name


@dataclass(frozen=True, slots=True)
class EsaTeam:
    name: str  # the `{team}` of `{team}.esa.io`
    token: str = field(repr=False)
    api_url: str = DEFAULT_API_URL


@dataclass(frozen=True, slots=True)
class EsaPost:
    number: int
    location: str  # the post's URL on esa
    revision_number: int


class EsaKnowledgeBase:
    """`KnowledgeBasePort` on esa; a post deleted on esa (404 on update) is created again."""

    kind = "esa"

    def __init__(
        self,
        team: EsaTeam,
        *,
        client: httpx.Client | None = None,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        clock: Clock = utc_now,
    ) -> None:
        self.team = team
        self._client = client or httpx.Client(timeout=timeout_seconds, follow_redirects=False)
        self._owns_client = client is None
        self._clock = clock

    def publish(
        self, *, name: str, body_md: str, category: str, tags: list[str], number: int | None, key: str
    ) -> EsaPost:
        """Create the post, or update post `number`; `key` is for file-based knowledge bases."""
        if "/" in name or not name.strip() or len(name) > MAX_NAME_CHARACTERS:
            raise refused(PROVIDER, "a post's name must be 1 to 255 characters without '/'")
        post = {"name": name, "body_md": body_md, "category": category, "tags": tags, "wip": False}
        if number is not None:
            response = self._request("PATCH", f"/posts/{number}", post)
            if response.status_code != 404:
                return self._post_from(response, expected=200)
        return self._post_from(self._request("POST", "/posts", post), expected=201)

    def _request(self, method: str, path: str, post: dict[str, Any]) -> httpx.Response:
        url = f"{self.team.api_url.rstrip('/')}/v1/teams/{self.team.name}{path}"
        headers = {"Authorization": f"Bearer {self.team.token}", "User-Agent": USER_AGENT}
        return send(PROVIDER, lambda: self._client.request(method, url, json={"post": post}, headers=headers))

    def _post_from(self, response: httpx.Response, *, expected: int) -> EsaPost:
        if response.status_code != expected:
            raise self._error(response)
        answer = _json(response)
        number, url, revision = answer.get("number"), answer.get("url"), answer.get("revision_number")
        if not isinstance(number, int) or not isinstance(url, str) or not url:
            raise error_for_response(PROVIDER, response, detail="the answer has no post number or url")
        return EsaPost(
            number=number, location=url, revision_number=revision if isinstance(revision, int) else 0
        )

    def _error(self, response: httpx.Response) -> ExternalServiceError:
        answer = _json(response)
        code, message = answer.get("error"), answer.get("message")
        detail = shorten(f"{code}: {message}") if code or message else None
        error = error_for_response(PROVIDER, response, detail=detail, provider_code=_text(code))
        if not error.permanent and error.retry_after_seconds is None:
            error.retry_after_seconds = _rate_limit_reset(response, now=self._clock())
        return error

    def close(self) -> None:
        """Close the connection pool, unless the caller handed in the client (then it is theirs)."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _rate_limit_reset(response: httpx.Response, *, now: datetime) -> float | None:
    """Seconds until `X-RateLimit-Reset` (epoch seconds), when esa throttled without `Retry-After`."""
    if response.status_code != 429:
        return None
    try:
        reset = float(response.headers.get("x-ratelimit-reset", ""))
    except ValueError:
        return None
    return max(0.0, reset - now.timestamp())
