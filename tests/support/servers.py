"""Pytest fixtures for the local provider servers; registered for every test by tests/conftest.py.

Each fixture starts a fresh server on a free loopback port for one test and stops it afterwards.
The same servers run as separate processes (`python -m tests.support.slack_server --port N`) for
end-to-end and fault tests.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.esa_server import EsaServer
from tests.support.slack_server import SlackServer
from tests.support.smtp_server import SmtpServer
from tests.support.twilio_server import TwilioServer
from tests.support.webhook_receiver import WebhookReceiver

WEBHOOK_SECRET = "hikeshi-webhook-test-secret"


@pytest.fixture
def slack_server() -> Iterator[SlackServer]:
    with SlackServer() as server:
        yield server


@pytest.fixture
def esa_server() -> Iterator[EsaServer]:
    with EsaServer() as server:
        yield server


@pytest.fixture
def twilio_server() -> Iterator[TwilioServer]:
    with TwilioServer() as server:
        yield server


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    """Verifies signatures made with `WEBHOOK_SECRET`; a wrong one is answered 401."""
    with WebhookReceiver(secret=WEBHOOK_SECRET) as server:
        yield server
