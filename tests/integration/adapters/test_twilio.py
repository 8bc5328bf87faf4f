"""TwilioSms and TwilioVoice against the local Twilio server: auth, fields, and how refusals map."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hikeshi.adapters.twilio import TwilioAccount, TwilioSms, TwilioVoice
from hikeshi.core.errors import ExternalServiceError
from tests.support.twilio_server import TwilioServer

FROM = "+815012345678"
TO = "+819012345678"
TWIML = '<Response><Say language="ja-JP">障害が発生しました</Say></Response>'


def _account(server: TwilioServer, **changes: str) -> TwilioAccount:
    fields = {"account_sid": server.account_sid, "auth_token": server.auth_token, "from_number": FROM}
    return TwilioAccount(**{**fields, **changes}, api_url=server.api_url)


@pytest.fixture
def sms(twilio_server: TwilioServer) -> Iterator[TwilioSms]:
    client = TwilioSms(_account(twilio_server))
    yield client
    client.close()


def _failure(sms: TwilioSms, to: str = TO, body: str = "x") -> ExternalServiceError:
    with pytest.raises(ExternalServiceError) as caught:
        sms.send(to=to, body=body)
    return caught.value


def test_sms_reaches_twilio_with_basic_auth_and_fields(sms: TwilioSms, twilio_server: TwilioServer) -> None:
    receipt = sms.send(to=TO, body="[hikeshi] 決済エラー 応答: https://hikeshi.example.com/a/1")
    [request] = twilio_server.accepted("Messages")
    assert request.fields == {
        "To": TO,
        "From": FROM,
        "Body": "[hikeshi] 決済エラー 応答: https://hikeshi.example.com/a/1",
    }
    assert (receipt.provider_id, receipt.status) == (request.sid, "queued")
    assert receipt.provider_id.startswith("SM")


def test_a_messaging_service_sender_is_sent_as_such(twilio_server: TwilioServer) -> None:
    with TwilioSms(_account(twilio_server, from_number="MG" + "0" * 32)) as client:
        client.send(to=TO, body="x")
    [request] = twilio_server.accepted("Messages")
    assert request.fields["MessagingServiceSid"] == "MG" + "0" * 32
    assert "From" not in request.fields


def test_call_plays_the_twiml(twilio_server: TwilioServer) -> None:
    with TwilioVoice(_account(twilio_server)) as voice:
        receipt = voice.call(to=TO, twiml=TWIML)
    [request] = twilio_server.accepted("Calls")
    assert request.fields == {"To": TO, "From": FROM, "Twiml": TWIML}
    assert receipt.provider_id.startswith("CA")


def test_invalid_number_is_permanent_with_twilio_code(sms: TwilioSms) -> None:
    error = _failure(sms, to="090-1234-5678")
    assert (error.permanent, error.params["provider_code"]) == (True, "21211")
    assert "21211" in str(error)


def test_unsubscribed_recipient_is_permanent(sms: TwilioSms, twilio_server: TwilioServer) -> None:
    twilio_server.unsubscribed.add(TO)
    error = _failure(sms)
    assert (error.permanent, error.params["provider_code"]) == (True, "21610")


def test_wrong_credentials_are_permanent(twilio_server: TwilioServer) -> None:
    with TwilioSms(_account(twilio_server, auth_token="wrong")) as sms:
        error = _failure(sms)
    assert (error.permanent, error.params["provider_code"]) == (True, "20003")
    assert "wrong" not in str(error)
    assert twilio_server.accepted("Messages") == []


@pytest.mark.parametrize(("status", "retry_after"), [(429, 3), (500, None), (503, 30)])
def test_throttling_and_server_errors_are_retryable(
    sms: TwilioSms, twilio_server: TwilioServer, status: int, retry_after: int | None
) -> None:
    twilio_server.fail_next(status=status, retry_after=retry_after)
    error = _failure(sms)
    assert (error.permanent, error.retry_after_seconds) == (False, retry_after)


def test_a_body_over_1600_characters_is_refused_before_sending(
    sms: TwilioSms, twilio_server: TwilioServer
) -> None:
    error = _failure(sms, body="あ" * 1601)
    assert error.permanent
    assert "1601 characters; the limit is 1600" in str(error)
    assert twilio_server.requests == []


def test_a_body_of_exactly_1600_characters_is_sent(sms: TwilioSms, twilio_server: TwilioServer) -> None:
    sms.send(to=TO, body="あ" * 1600)
    assert len(twilio_server.accepted("Messages")) == 1


def test_unreachable_twilio_is_retryable(twilio_server: TwilioServer) -> None:
    account = _account(twilio_server)
    twilio_server.stop()
    with TwilioSms(account) as sms:
        error = _failure(sms)
    assert error.permanent is False
    assert "could not be reached" in str(error)
