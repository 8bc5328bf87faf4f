"""A local Twilio REST API: `Messages.json` and `Calls.json`, checked as Twilio checks them.

    POST /2010-04-01/Accounts/{AccountSid}/Messages.json   To, From|MessagingServiceSid, Body
    POST /2010-04-01/Accounts/{AccountSid}/Calls.json      To, From, Url|Twiml|ApplicationSid

HTTP Basic auth must be the configured sid and token (else 401, code 20003); fields are
form-encoded; `To` must be E.164 (else 400, code 21211). Success is 201 with a `sid`. Every request,
accepted or not, is recorded: `server.requests` in-process, `GET /_test/requests` from outside.

    python -m tests.support.twilio_server --port 0 --account-sid AC… --auth-token …
"""

from __future__ import annotations

import base64
import binascii
import itertools
import re
from dataclasses import asdict, dataclass
from typing import Any

from tests.support.local_http import LocalHttpServer, Request, Response, run_standalone

DEFAULT_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
DEFAULT_AUTH_TOKEN = "hikeshi-test-auth-token"
E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
RESOURCE = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/(?P<resource>Messages|Calls)\.json$")
MAX_BODY = 1600


@dataclass
class TwilioRequest:
    resource: str  # "Messages" or "Calls"
    account_sid: str
    fields: dict[str, str]
    status: int  # what the server answered
    error_code: int | None
    sid: str | None


class TwilioError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class TwilioServer(LocalHttpServer):
    def __init__(
        self,
        *,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(host=host, port=port)
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.unsubscribed: set[str] = set()  # numbers that replied STOP: code 21610
        self.requests: list[TwilioRequest] = []
        self._sids = itertools.count(1)

    @property
    def api_url(self) -> str:
        """What `HIKESHI_TWILIO_API_URL` takes."""
        return self.url

    def reset(self) -> None:
        super().reset()
        with self.lock:
            self.requests.clear()

    def accepted(self, resource: str) -> list[TwilioRequest]:
        with self.lock:
            return [item for item in self.requests if item.resource == resource and item.sid is not None]

    def fault_response(self, status: int, retry_after: int | None) -> Response:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        code = 20429 if status == 429 else 20500
        return _error_document(TwilioError(status, code, "Injected fault"), headers)

    def handle(self, request: Request) -> Response:
        if request.path == "/_test/requests" and request.method == "GET":
            with self.lock:
                return Response.json({"requests": [asdict(item) for item in self.requests]})
        match = RESOURCE.match(request.path)
        if match is None or request.method != "POST":
            return _error_document(TwilioError(404, 20404, "The requested resource was not found"))
        resource, account_sid = match["resource"], match["sid"]
        fields = request.form() if request.content_type == "application/x-www-form-urlencoded" else {}
        try:
            self._check_auth(request, account_sid)
            self._check_fields(resource, fields)
        except TwilioError as error:
            self._record(TwilioRequest(resource, account_sid, fields, error.status, error.code, None))
            return _error_document(
                error, {"WWW-Authenticate": 'Basic realm="Twilio API"'} if error.status == 401 else {}
            )
        prefix = "SM" if resource == "Messages" else "CA"
        sid = f"{prefix}{next(self._sids):032x}"
        self._record(TwilioRequest(resource, account_sid, fields, 201, None, sid))
        return Response.json(_resource(resource, sid, account_sid, fields), 201)

    def _record(self, item: TwilioRequest) -> None:
        with self.lock:
            self.requests.append(item)

    def _check_auth(self, request: Request, account_sid: str) -> None:
        header = request.headers.get("Authorization", "")
        try:
            user, _, password = (
                base64.b64decode(header.removeprefix("Basic "), validate=True).decode().partition(":")
            )
        except (binascii.Error, UnicodeDecodeError):
            user, password = "", ""
        if not header.startswith("Basic ") or (user, password) != (self.account_sid, self.auth_token):
            raise TwilioError(401, 20003, "Authenticate")
        if account_sid != self.account_sid:
            raise TwilioError(404, 20404, "The requested resource was not found")

    def _check_fields(self, resource: str, fields: dict[str, str]) -> None:
        to = fields.get("To", "")
        if not to:
            raise TwilioError(
                400, 21604 if resource == "Messages" else 21201, "A 'To' phone number is required."
            )
        if not E164.match(to):
            raise TwilioError(400, 21211, f"Invalid 'To' Phone Number: {to}")
        if resource == "Messages":
            if not fields.get("From") and not fields.get("MessagingServiceSid"):
                raise TwilioError(400, 21603, "A 'From' phone number is required.")
            if not fields.get("Body") and not fields.get("MediaUrl"):
                raise TwilioError(400, 21602, "Message body is required.")
            if len(fields.get("Body", "")) > MAX_BODY:
                raise TwilioError(
                    400, 21617, "The concatenated message body exceeds the 1600 character limit."
                )
            if to in self.unsubscribed:
                raise TwilioError(400, 21610, "Attempt to send to unsubscribed recipient")
            return
        if not fields.get("From"):
            raise TwilioError(400, 21213, "No 'From' number is specified")
        if not any(fields.get(name) for name in ("Url", "Twiml", "ApplicationSid")):
            raise TwilioError(400, 21205, "Url parameter is required.")


def _resource(resource: str, sid: str, account_sid: str, fields: dict[str, str]) -> dict[str, Any]:
    path = f"/2010-04-01/Accounts/{account_sid}/{resource}/{sid}.json"
    common = {"sid": sid, "account_sid": account_sid, "to": fields["To"], "status": "queued", "uri": path}
    if resource == "Messages":
        return {**common, "from": fields.get("From"), "body": fields.get("Body", ""), "num_segments": "1"}
    return {**common, "from": fields.get("From"), "direction": "outbound-api"}


def _error_document(error: TwilioError, headers: dict[str, str] | None = None) -> Response:
    document = {
        "code": error.code,
        "message": error.message,
        "more_info": f"https://www.twilio.com/docs/errors/{error.code}",
        "status": error.status,
    }
    return Response.json(document, error.status, headers)


def main() -> None:
    def arguments(parser: Any) -> None:
        parser.add_argument("--account-sid", default=DEFAULT_ACCOUNT_SID)
        parser.add_argument("--auth-token", default=DEFAULT_AUTH_TOKEN)

    run_standalone(
        "A local Twilio REST API (Messages, Calls) for hikeshi's tests.",
        lambda args: TwilioServer(
            account_sid=args.account_sid, auth_token=args.auth_token, host=args.host, port=args.port
        ),
        arguments,
    )


if __name__ == "__main__":
    main()
