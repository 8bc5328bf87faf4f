"""SignedWebhook against a receiving server that verifies the signature as a partner must."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from hikeshi.adapters.webhook import SignedWebhook
from hikeshi.adapters.webhook.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER
from hikeshi.core.errors import ExternalServiceError
from tests.support.servers import WEBHOOK_SECRET
from tests.support.webhook_receiver import WebhookReceiver

PAYLOAD = {"event": "incident.declared", "incident": {"number": 42, "title": "決済エラー"}}


@pytest.fixture
def webhook() -> Iterator[SignedWebhook]:
    client = SignedWebhook()
    yield client
    client.close()


def _failure(webhook: SignedWebhook, url: str, secret: str | None = WEBHOOK_SECRET) -> ExternalServiceError:
    with pytest.raises(ExternalServiceError) as caught:
        webhook.post(url=url, payload=PAYLOAD, secret=secret)
    return caught.value


def test_signed_payload_is_verified_by_the_receiver(
    webhook: SignedWebhook, webhook_receiver: WebhookReceiver
) -> None:
    receipt = webhook.post(url=webhook_receiver.url + "/partner", payload=PAYLOAD, secret=WEBHOOK_SECRET)
    [received] = webhook_receiver.received
    assert received.verified is True
    assert received.payload == PAYLOAD
    assert received.headers["Content-Type"] == "application/json"
    assert received.headers[SIGNATURE_HEADER].startswith(f"t={received.headers[TIMESTAMP_HEADER]},v1=")
    assert receipt.status == "200"


def test_a_different_secret_fails_verification_and_is_permanent(
    webhook: SignedWebhook, webhook_receiver: WebhookReceiver
) -> None:
    error = _failure(webhook, webhook_receiver.url + "/partner", secret="not-the-partners-secret")
    assert webhook_receiver.received[0].verified is False
    assert error.permanent
    assert "HTTP 401" in str(error)


def test_without_a_secret_nothing_is_signed(
    webhook: SignedWebhook, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.secret = None
    webhook.post(url=webhook_receiver.url + "/open", payload=PAYLOAD, secret=None)
    [received] = webhook_receiver.received
    assert SIGNATURE_HEADER not in received.headers
    assert TIMESTAMP_HEADER in received.headers


@pytest.mark.parametrize(("status", "retry_after"), [(500, None), (503, 120), (429, 5), (408, None)])
def test_server_errors_and_throttling_are_retryable(
    webhook: SignedWebhook, webhook_receiver: WebhookReceiver, status: int, retry_after: int | None
) -> None:
    webhook_receiver.respond("/partner", status, retry_after=retry_after)
    error = _failure(webhook, webhook_receiver.url + "/partner")
    assert (error.permanent, error.retry_after_seconds) == (False, retry_after)


@pytest.mark.parametrize("status", [400, 404, 410, 422])
def test_other_refusals_are_permanent(
    webhook: SignedWebhook, webhook_receiver: WebhookReceiver, status: int
) -> None:
    webhook_receiver.respond("/partner", status)
    assert _failure(webhook, webhook_receiver.url + "/partner").permanent


def test_a_receiver_that_never_answers_times_out_as_retryable() -> None:
    # The kernel accepts the connection into the backlog; nobody ever answers.
    with socket.create_server(("127.0.0.1", 0)) as silent, SignedWebhook(timeout_seconds=0.2) as client:
        error = _failure(client, f"http://127.0.0.1:{silent.getsockname()[1]}/hook")
    assert error.permanent is False
    assert "Timeout" in str(error)


def test_an_unreachable_receiver_is_retryable(webhook: SignedWebhook) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    assert _failure(webhook, f"http://127.0.0.1:{port}/hook").permanent is False
