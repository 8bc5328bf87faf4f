"""The fakes that delivery tests use: they record, and fail when a test scripts an outage."""

from __future__ import annotations

import pytest

from hikeshi.adapters.slack import FakeChat, FakeChatWebhook
from hikeshi.adapters.smtp import FakeEmail
from hikeshi.adapters.twilio import FakeSms, FakeVoice
from hikeshi.adapters.webhook import FakeWebhook
from hikeshi.core.errors import ExternalServiceError
from hikeshi.delivery.ports import ChatMessage, EmailMessage


def test_fake_chat_records_posts_and_updates() -> None:
    chat = FakeChat()
    receipt = chat.post(ChatMessage(channel="C1", text="declared"))
    chat.update(channel=receipt.channel, ts=receipt.ts, text="resolved")
    assert [posted.current_text for posted in chat.in_channel("C1")] == ["resolved"]


def test_fake_chat_direct_message_lands_in_a_dm_channel() -> None:
    assert FakeChat().post(ChatMessage(channel="U42", text="you are on call")).channel == "D42"


def test_fake_chat_update_of_an_unknown_message_is_permanent() -> None:
    with pytest.raises(ExternalServiceError) as caught:
        FakeChat().update(channel="C1", ts="1.0", text="x")
    assert caught.value.permanent


def test_scripted_failures_come_first_then_sending_resumes() -> None:
    email = FakeEmail()
    email.fail_next(ExternalServiceError("down", retry_after_seconds=5), times=2)
    message = EmailMessage(to="a@example.com", subject="s", text="t")
    for _ in range(2):
        with pytest.raises(ExternalServiceError):
            email.send(message)
    email.send(message)
    assert (email.attempts, len(email.to("A@example.com"))) == (3, 1)


def test_fake_sms_voice_and_webhook_record_what_was_sent() -> None:
    sms, voice, webhook = FakeSms(), FakeVoice(), FakeWebhook()
    assert sms.send(to="+819012345678", body="ack: 1").provider_id.startswith("SM")
    assert voice.call(to="+819012345678", twiml="<Response/>").provider_id.startswith("CA")
    webhook.post(url="https://example.com/h", payload={"a": 1}, secret=None)
    assert (sms.sent[0].body, voice.calls[0].to, webhook.posts[0].payload) == (
        "ack: 1",
        "+819012345678",
        {"a": 1},
    )


def test_fake_chat_webhook_records_text_and_blocks() -> None:
    chat_webhook = FakeChatWebhook()
    chat_webhook.post(url="https://chat.example.com/hooks/x", text="t", blocks=[{"type": "divider"}])
    assert chat_webhook.posts[0].blocks == ({"type": "divider"},)
