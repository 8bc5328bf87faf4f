"""Signed outgoing webhooks (`SignedWebhook`), the receivers' `verify_signature`, and a fake."""

from hikeshi.adapters.webhook.client import SignedWebhook
from hikeshi.adapters.webhook.fake import FakeWebhook
from hikeshi.adapters.webhook.signing import verify_signature

__all__ = ["FakeWebhook", "SignedWebhook", "verify_signature"]
