"""In-memory stand-ins for `ChatPort` and `ChatWebhookPort` that record what would have been sent."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hikeshi.adapters.scripted import ScriptedFailures
from hikeshi.core.errors import ExternalServiceError
from hikeshi.delivery.ports import ChatMessage, ChatReceipt


@dataclass(frozen=True, slots=True)
class ChatUpdate:
    text: str
    blocks: tuple[dict[str, Any], ...]


@dataclass(slots=True)
class PostedChat:
    message: ChatMessage
    receipt: ChatReceipt
    updates: list[ChatUpdate] = field(default_factory=list)

    @property
    def current_text(self) -> str:
        """What a reader sees now: the latest update, or the text as posted."""
        return self.updates[-1].text if self.updates else self.message.text


class FakeChat(ScriptedFailures):
    """Records posts and updates; direct messages to U… land in a D… channel as Slack's do."""

    def __init__(self) -> None:
        super().__init__()
        self.posts: list[PostedChat] = []
        self._counter = itertools.count(1)

    def post(self, message: ChatMessage) -> ChatReceipt:
        self._attempt()
        channel = message.channel
        if channel.startswith(("U", "W")):
            channel = "D" + channel[1:]
        receipt = ChatReceipt(channel=channel, ts=f"1700000000.{next(self._counter):06d}")
        self.posts.append(PostedChat(message=message, receipt=receipt))
        return receipt

    def update(self, *, channel: str, ts: str, text: str, blocks: Sequence[dict[str, Any]] = ()) -> None:
        self._attempt()
        for posted in self.posts:
            if posted.receipt == ChatReceipt(channel=channel, ts=ts):
                posted.updates.append(ChatUpdate(text=text, blocks=tuple(blocks)))
                return
        raise ExternalServiceError(
            "Slack refused {method}: {error}", permanent=True, method="chat.update", error="message_not_found"
        )

    def in_channel(self, channel: str) -> list[PostedChat]:
        return [
            posted for posted in self.posts if channel in {posted.message.channel, posted.receipt.channel}
        ]


@dataclass(frozen=True, slots=True)
class WebhookChatPost:
    url: str
    text: str
    blocks: tuple[dict[str, Any], ...]
    ephemeral: bool = False


class FakeChatWebhook(ScriptedFailures):
    def __init__(self) -> None:
        super().__init__()
        self.posts: list[WebhookChatPost] = []

    def post(
        self, *, url: str, text: str, blocks: Sequence[dict[str, Any]] = (), ephemeral: bool = False
    ) -> None:
        self._attempt()
        self.posts.append(WebhookChatPost(url=url, text=text, blocks=tuple(blocks), ephemeral=ephemeral))
