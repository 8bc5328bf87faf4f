"""`hikeshi notify test` through the real adapters, against local servers that check like the real ones."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.support.slack_server import SlackServer
from tests.support.smtp_server import SmtpServer
from tests.support.twilio_server import TwilioServer


def notify(database_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HIKESHI_")}
    environment.update({"HIKESHI_DATABASE_URL": database_url, **env})
    subprocess.run(
        [sys.executable, "-m", "hikeshi", "init"], env=environment, check=True, capture_output=True
    )
    return subprocess.run(
        [sys.executable, "-m", "hikeshi", "notify", "test", *args, "--json", "--wait", "20"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_email_reaches_the_smtp_server_in_japanese(database_url: str, smtp_server: SmtpServer) -> None:
    result = notify(
        database_url,
        "email",
        "store@example.jp",
        HIKESHI_SMTP_URL=smtp_server.url,
        HIKESHI_SMTP_FROM="hikeshi@example.jp",
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["status"] == "sent"
    [received] = smtp_server.to("store@example.jp")
    assert received.message["Subject"] == "hikeshi テストメッセージ"
    assert outcome["provider_id"] == received.message["Message-ID"]
    assert "hikeshi からのテストです" in received.message.get_body(("plain",)).get_content()


def test_refused_recipient_is_reported_and_exits_2(database_url: str, smtp_server: SmtpServer) -> None:
    smtp_server.refuse("gone@example.jp")
    result = notify(
        database_url,
        "email",
        "gone@example.jp",
        HIKESHI_SMTP_URL=smtp_server.url,
        HIKESHI_SMTP_FROM="hikeshi@example.jp",
    )
    assert result.returncode == 2
    outcome = json.loads(result.stdout)
    assert outcome["status"] == "failed"
    assert "550" in outcome["last_error"]


def test_without_smtp_the_mailbox_keeps_the_email(database_url: str) -> None:
    result = notify(database_url, "email", "store@example.jp")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "sent"


def test_chat_reaches_the_slack_api_with_the_bot_token(database_url: str, slack_server: SlackServer) -> None:
    result = notify(
        database_url,
        "chat",
        "C0INCIDENTS",
        HIKESHI_SLACK_BOT_TOKEN=slack_server.token,
        HIKESHI_SLACK_API_URL=slack_server.api_url,
    )
    assert result.returncode == 0, result.stderr
    [message] = slack_server.messages
    assert message.text is not None
    assert "hikeshi からのテストです" in message.text
    assert json.loads(result.stdout)["provider_id"] == message.ts


def test_wrong_slack_token_fails_permanently(database_url: str, slack_server: SlackServer) -> None:
    result = notify(
        database_url,
        "chat",
        "C0INCIDENTS",
        HIKESHI_SLACK_BOT_TOKEN="xoxb-wrong",
        HIKESHI_SLACK_API_URL=slack_server.api_url,
    )
    assert result.returncode == 2
    assert "invalid_auth" in json.loads(result.stdout)["last_error"]
    assert slack_server.messages == []


def test_sms_reaches_twilio_with_basic_auth(database_url: str, twilio_server: TwilioServer) -> None:
    result = notify(
        database_url,
        "sms",
        "+819012345678",
        HIKESHI_TWILIO_ACCOUNT_SID=twilio_server.account_sid,
        HIKESHI_TWILIO_AUTH_TOKEN=twilio_server.auth_token,
        HIKESHI_TWILIO_FROM="+15005550006",
        HIKESHI_TWILIO_API_URL=twilio_server.api_url,
    )
    assert result.returncode == 0, result.stderr
    [request] = twilio_server.accepted("Messages")
    assert request.fields["To"] == "+819012345678"
    assert json.loads(result.stdout)["provider_id"].startswith("SM")


@pytest.mark.parametrize(("channel", "target"), [("fax", "+81312345678"), ("email", "not-an-address")])
def test_bad_channel_or_target_exits_2_with_one_line(database_url: str, channel: str, target: str) -> None:
    result = notify(database_url, channel, target)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
