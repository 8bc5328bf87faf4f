"""`WebhookPort`: a JSON POST to a partner's or an operator's URL, signed when a secret is set.

The signature scheme, which receivers must verify, is documented in `hikeshi.adapters.webhook.signing`.
"""

from __future__ import annotations

import json
from typing import Any, Self

import httpx

from hikeshi.adapters.errors import error_for_response, refused, send
from hikeshi.adapters.webhook.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_header
from hikeshi.core.clock import Clock, utc_now
from hikeshi.delivery.ports import ProviderReceipt

DEFAULT_TIMEOUT_SECONDS = 10.0
PROVIDER = "Webhook"
USER_AGENT = "hikeshi-webhook/1"


class SignedWebhook:
    """2xx is delivered; 408, 429 and 5xx are retried (after `Retry-After`); other answers are permanent.

    Redirects are not followed: a signed request should reach the URL that was configured, and a
    moved endpoint is for a person to update (3xx is permanent).
    """

    def __init__(
        self,
        *,
        client: httpx.Client | None = None,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        clock: Clock = utc_now,
    ) -> None:
        self._client = client or httpx.Client(timeout=timeout_seconds, follow_redirects=False)
        self._owns_client = client is None
        self._clock = clock

    def post(self, *, url: str, payload: dict[str, Any], secret: str | None) -> ProviderReceipt:
        try:
            body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        except (TypeError, ValueError) as error:
            raise refused(PROVIDER, f"the payload is not JSON: {error}") from error
        timestamp = int(self._clock().timestamp())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            TIMESTAMP_HEADER: str(timestamp),
        }
        if secret:
            headers[SIGNATURE_HEADER] = signature_header(secret, timestamp, body)
        response = send(PROVIDER, lambda: self._client.post(url, content=body, headers=headers))
        if not response.is_success:
            raise error_for_response(PROVIDER, response)
        request_id = response.headers.get("x-request-id", "")
        return ProviderReceipt(provider_id=request_id, status=str(response.status_code))

    def close(self) -> None:
        """Close the connection pool, unless the caller handed in the client (then it is theirs)."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
