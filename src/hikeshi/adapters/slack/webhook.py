"""Slack-compatible incoming webhooks (Slack, Mattermost, Rocket.Chat): one JSON POST per message."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

import httpx

from hikeshi.adapters.errors import error_for_response, send

DEFAULT_TIMEOUT_SECONDS = 10.0
PROVIDER = "Chat webhook"


class SlackIncomingWebhook:
    """`ChatWebhookPort`: Slack answers 200 `ok`; 400/403/404/410 are permanent, 429 and 5xx are not."""

    def __init__(
        self, *, client: httpx.Client | None = None, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    ):
        self._client = client or httpx.Client(timeout=timeout_seconds)
        self._owns_client = client is None

    def post(
        self, *, url: str, text: str, blocks: Sequence[dict[str, Any]] = (), ephemeral: bool = False
    ) -> None:
        payload: dict[str, Any] = {"text": text}
        if blocks:
            payload["blocks"] = list(blocks)
        if ephemeral:  # an interaction's response_url: only the presser sees it, the message stays
            payload.update(response_type="ephemeral", replace_original=False)
        response = send(PROVIDER, lambda: self._client.post(url, json=payload))
        # Rocket.Chat answers JSON rather than Slack's `ok`; any 2xx means the message was taken.
        if not response.is_success:
            raise error_for_response(PROVIDER, response)

    def close(self) -> None:
        """Close the connection pool, unless the caller handed in the client (then it is theirs)."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
