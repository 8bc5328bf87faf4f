"""An in-memory `WebhookPort` recording each payload (and whether it would have been signed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hikeshi.adapters.scripted import ScriptedFailures
from hikeshi.delivery.ports import ProviderReceipt


@dataclass(frozen=True, slots=True)
class WebhookPost:
    url: str
    payload: dict[str, Any]
    secret: str | None


class FakeWebhook(ScriptedFailures):
    def __init__(self) -> None:
        super().__init__()
        self.posts: list[WebhookPost] = []

    def post(self, *, url: str, payload: dict[str, Any], secret: str | None) -> ProviderReceipt:
        self._attempt()
        self.posts.append(WebhookPost(url=url, payload=payload, secret=secret))
        return ProviderReceipt(provider_id="", status="200")
