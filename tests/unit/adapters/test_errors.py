"""How provider answers become retryable or permanent errors, checked with httpx.MockTransport."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from hikeshi.adapters.errors import retry_after_seconds
from hikeshi.adapters.slack import SlackIncomingWebhook
from hikeshi.adapters.webhook import SignedWebhook
from hikeshi.core.errors import ExternalServiceError

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def test_retry_after_in_seconds() -> None:
    assert retry_after_seconds({"Retry-After": "30"}) == 30.0


def test_retry_after_as_an_http_date() -> None:
    assert retry_after_seconds({"retry-after": "Sat, 28 Nov 2026 09:02:00 GMT"}, now=NOW) == 120.0


@pytest.mark.parametrize("headers", [{}, {"Retry-After": ""}, {"Retry-After": "soon"}])
def test_no_usable_retry_after_is_none(headers: dict[str, str]) -> None:
    assert retry_after_seconds(headers) is None


def _webhook_answering(status: int, headers: dict[str, str] | None = None) -> SignedWebhook:
    transport = httpx.MockTransport(lambda request: httpx.Response(status, headers=headers, text="answer"))
    return SignedWebhook(client=httpx.Client(transport=transport), clock=lambda: NOW)


@pytest.mark.parametrize(
    ("status", "permanent"),
    [
        (301, True),
        (400, True),
        (401, True),
        (404, True),
        (408, False),
        (410, True),
        (429, False),
        (500, False),
        (503, False),
    ],
)
def test_webhook_status_decides_whether_a_retry_can_help(status: int, permanent: bool) -> None:
    with pytest.raises(ExternalServiceError) as caught:
        _webhook_answering(status).post(url="https://receiver.example.com/hook", payload={}, secret=None)
    assert caught.value.permanent is permanent
    assert f"HTTP {status}" in str(caught.value)


def test_webhook_success_receipt_carries_status_and_request_id() -> None:
    webhook = _webhook_answering(202, {"X-Request-Id": "req-7"})
    receipt = webhook.post(url="https://receiver.example.com/hook", payload={"a": 1}, secret="s")
    assert (receipt.provider_id, receipt.status) == ("req-7", "202")


def test_a_payload_that_is_not_json_is_refused_permanently() -> None:
    with pytest.raises(ExternalServiceError) as caught:
        _webhook_answering(200).post(
            url="https://receiver.example.com/hook", payload={"at": NOW}, secret=None
        )
    assert caught.value.permanent


def test_a_url_httpx_cannot_use_is_permanent() -> None:
    with pytest.raises(ExternalServiceError) as caught:
        SignedWebhook().post(url="ftp://receiver.example.com/hook", payload={}, secret=None)
    assert caught.value.permanent


def test_chat_webhook_accepts_any_success_body() -> None:
    # Rocket.Chat answers JSON where Slack and Mattermost answer `ok`.
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"success": True}))
    SlackIncomingWebhook(client=httpx.Client(transport=transport)).post(
        url="https://chat.example.com/hooks/x", text="t"
    )
