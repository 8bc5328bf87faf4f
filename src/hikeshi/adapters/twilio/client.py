"""SMS and voice calls through the Twilio REST API (or any service that speaks its shape).

    POST {api_url}/2010-04-01/Accounts/{AccountSid}/Messages.json   To, From, Body
    POST {api_url}/2010-04-01/Accounts/{AccountSid}/Calls.json      To, From, Twiml

Form-encoded, HTTP Basic auth (AccountSid:AuthToken), 201 with `{"sid", "status"}`. Errors carry
Twilio's own code (`{"code": 21211, "message": …}`): a 4xx answer is about this request (invalid
or unsubscribed number, bad credentials) and permanent; 429 and 5xx are retried.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Self

import httpx

from hikeshi.adapters.errors import error_for_response, refused, send, shorten
from hikeshi.delivery.ports import ProviderReceipt

DEFAULT_API_URL = "https://api.twilio.com"
DEFAULT_TIMEOUT_SECONDS = 10.0
PROVIDER = "Twilio"
MAX_SMS_CHARACTERS = 1600  # Twilio refuses longer bodies (error 21617)
MAX_TWIML_CHARACTERS = 4000  # Twilio refuses longer inline TwiML (error 13960)


@dataclass(frozen=True, slots=True)
class TwilioAccount:
    account_sid: str
    auth_token: str = field(repr=False)
    from_number: str  # an E.164 number, or a Messaging Service sid (MG…) for SMS
    api_url: str = DEFAULT_API_URL


class _TwilioClient:
    def __init__(
        self,
        account: TwilioAccount,
        *,
        client: httpx.Client | None = None,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self.account = account
        self._client = client or httpx.Client(timeout=timeout_seconds)
        self._owns_client = client is None

    def close(self) -> None:
        """Close the connection pool, unless the caller handed in the client (then it is theirs)."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _create(self, resource: str, fields: dict[str, str]) -> ProviderReceipt:
        account = self.account
        url = f"{account.api_url.rstrip('/')}/2010-04-01/Accounts/{account.account_sid}/{resource}.json"
        response = send(
            PROVIDER,
            lambda: self._client.post(url, data=fields, auth=(account.account_sid, account.auth_token)),
        )
        if response.status_code not in {200, 201}:
            code = _json(response).get("code")
            raise error_for_response(
                PROVIDER,
                response,
                detail=_twilio_detail(response),
                provider_code=None if code is None else str(code),
            )
        answer = _json(response)
        sid, status = answer.get("sid"), answer.get("status")
        if not isinstance(sid, str) or not sid:
            raise error_for_response(PROVIDER, response, detail="the answer has no sid")
        return ProviderReceipt(provider_id=sid, status=str(status or "queued"))


class TwilioSms(_TwilioClient):
    """`SmsPort`: one message per call; a body over 1,600 characters is refused, not cut."""

    def send(self, *, to: str, body: str) -> ProviderReceipt:
        if not body.strip():
            raise refused(PROVIDER, "the SMS body is empty")
        if len(body) > MAX_SMS_CHARACTERS:
            raise refused(
                PROVIDER, f"the SMS body has {len(body)} characters; the limit is {MAX_SMS_CHARACTERS}"
            )
        sender = self.account.from_number
        fields = {"To": to, "Body": body}
        fields["MessagingServiceSid" if sender.startswith("MG") else "From"] = sender
        return self._create("Messages", fields)


class TwilioVoice(_TwilioClient):
    """`VoicePort`: the call plays the given TwiML (`<Response><Say>…</Say></Response>`)."""

    def call(self, *, to: str, twiml: str) -> ProviderReceipt:
        if len(twiml) > MAX_TWIML_CHARACTERS:
            raise refused(
                PROVIDER, f"the TwiML has {len(twiml)} characters; the limit is {MAX_TWIML_CHARACTERS}"
            )
        return self._create("Calls", {"To": to, "From": self.account.from_number, "Twiml": twiml})


def _json(response: httpx.Response) -> dict[str, object]:
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _twilio_detail(response: httpx.Response) -> str:
    """`21211 The 'To' number … is not a valid phone number.` from Twilio's error document."""
    answer = _json(response)
    code, message = answer.get("code"), answer.get("message")
    if code is None and message is None:
        return shorten(response.text)
    return shorten(" ".join(str(part) for part in (code, message) if part is not None))
