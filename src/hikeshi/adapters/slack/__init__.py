"""Slack: the Web API (`SlackChat`) and Slack-compatible incoming webhooks, with their fakes."""

from hikeshi.adapters.slack.client import SlackChat
from hikeshi.adapters.slack.fake import FakeChat, FakeChatWebhook
from hikeshi.adapters.slack.webhook import SlackIncomingWebhook

__all__ = ["FakeChat", "FakeChatWebhook", "SlackChat", "SlackIncomingWebhook"]
