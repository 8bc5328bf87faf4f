"""mypy proves here that every adapter and every fake implements its port (Protocols are structural)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hikeshi.adapters.slack import FakeChat, FakeChatWebhook, SlackChat, SlackIncomingWebhook
    from hikeshi.adapters.smtp import FakeEmail, SmtpEmail
    from hikeshi.adapters.twilio import FakeSms, FakeVoice, TwilioSms, TwilioVoice
    from hikeshi.adapters.webhook import FakeWebhook, SignedWebhook
    from hikeshi.delivery.ports import ChatPort, ChatWebhookPort, EmailPort, SmsPort, VoicePort, WebhookPort

    def _implementations(
        slack: SlackChat,
        fake_chat: FakeChat,
        chat_webhook: SlackIncomingWebhook,
        fake_chat_webhook: FakeChatWebhook,
        smtp: SmtpEmail,
        fake_email: FakeEmail,
        sms: TwilioSms,
        fake_sms: FakeSms,
        voice: TwilioVoice,
        fake_voice: FakeVoice,
        webhook: SignedWebhook,
        fake_webhook: FakeWebhook,
    ) -> None:
        chats: list[ChatPort] = [slack, fake_chat]
        chat_webhooks: list[ChatWebhookPort] = [chat_webhook, fake_chat_webhook]
        emails: list[EmailPort] = [smtp, fake_email]
        texts: list[SmsPort] = [sms, fake_sms]
        calls: list[VoicePort] = [voice, fake_voice]
        webhooks: list[WebhookPort] = [webhook, fake_webhook]
        del chats, chat_webhooks, emails, texts, calls, webhooks
