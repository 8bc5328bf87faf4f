"""The local provider servers also run as processes, for end-to-end and fault tests."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from hikeshi.adapters.slack import SlackChat
from hikeshi.adapters.smtp import SmtpEmail
from hikeshi.adapters.twilio import TwilioAccount, TwilioSms
from hikeshi.adapters.webhook import SignedWebhook
from hikeshi.core.errors import ExternalServiceError
from hikeshi.delivery.ports import ChatMessage, EmailMessage
from tests.support.processes import server_process, start_server_process


def test_slack_process_records_posts_and_takes_faults_over_http() -> None:
    with server_process("tests.support.slack_server", "--token", "xoxb-process") as slack:
        chat = SlackChat(token="xoxb-process", base_url=slack.url + "/api/")
        httpx.post(slack.url + "/_test/fail", json={"count": 1, "status": 500})
        with pytest.raises(ExternalServiceError) as caught:
            chat.post(ChatMessage(channel="C1", text="first try"))
        assert caught.value.permanent is False
        chat.post(ChatMessage(channel="C1", text="second try"))
        messages = httpx.get(slack.url + "/_test/messages").json()["messages"]
        assert [message["text"] for message in messages] == ["second try"]
        assert slack.stop() == 0


def test_twilio_process_records_requests() -> None:
    with server_process(
        "tests.support.twilio_server", "--account-sid", "ACprocess", "--auth-token", "t"
    ) as twilio:
        account = TwilioAccount(
            account_sid="ACprocess", auth_token="t", from_number="+15005550006", api_url=twilio.url
        )
        with TwilioSms(account) as sms:
            sms.send(to="+819012345678", body="paged")
        [request] = httpx.get(twilio.url + "/_test/requests").json()["requests"]
        assert (request["fields"]["Body"], request["status"]) == ("paged", 201)


def test_webhook_receiver_process_verifies_signatures() -> None:
    with server_process("tests.support.webhook_receiver", "--secret", "s") as receiver:
        with SignedWebhook() as webhook:
            webhook.post(url=receiver.url + "/hook", payload={"a": 1}, secret="s")
        [received] = httpx.get(receiver.url + "/_test/received").json()["received"]
        assert received["verified"] is True


def test_smtp_process_spools_mail_and_comes_back_on_the_same_port(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    smtp = start_server_process("tests.support.smtp_server", "--spool", str(spool))
    with SmtpEmail.from_url(smtp.url, from_address="noreply@example.com") as mailer:
        mailer.send(EmailMessage(to="a@example.com", subject="一通目", text="本文"))
        assert smtp.stop() == 0
        smtp = start_server_process("tests.support.smtp_server", "--spool", str(spool), port=smtp.port)
        try:
            mailer.send(EmailMessage(to="b@example.com", subject="二通目", text="本文"))
        finally:
            smtp.stop()
    lines = [json.loads(line) for line in (spool / "messages.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(line["rcpt_tos"], line["subject"]) for line in lines] == [
        (["a@example.com"], "一通目"),
        (["b@example.com"], "二通目"),
    ]
    first = (spool / lines[0]["file"]).read_bytes()
    assert b"Subject: =?utf-8?" in first
