"""A local webhook receiver that checks hikeshi's signature the way a partner's endpoint must.

With a `secret` it verifies `X-Hikeshi-Signature` over the raw body (`verify_signature`) and answers
401 when it does not match; `respond(path, status)` scripts other answers (410 gone, 503 …). Every
request is recorded with whether its signature verified: `server.received`, `GET /_test/received`.

    python -m tests.support.webhook_receiver --port 0 --secret s3cret
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from hikeshi.adapters.webhook.signing import SIGNATURE_HEADER, verify_signature
from hikeshi.core.clock import Clock, utc_now
from tests.support.local_http import LocalHttpServer, Request, Response, run_standalone


@dataclass
class ReceivedWebhook:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool | None  # None: no secret configured

    @property
    def payload(self) -> Any:
        return json.loads(self.body)


class WebhookReceiver(LocalHttpServer):
    def __init__(
        self, *, secret: str | None = None, host: str = "127.0.0.1", port: int = 0, clock: Clock = utc_now
    ) -> None:
        super().__init__(host=host, port=port)
        self.secret = secret
        self.received: list[ReceivedWebhook] = []
        self._answers: dict[str, tuple[int, dict[str, str]]] = {}
        self._clock = clock

    def respond(self, path: str, status: int, *, retry_after: int | None = None) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        with self.lock:
            self._answers[path] = (status, headers)

    def reset(self) -> None:
        super().reset()
        with self.lock:
            self.received.clear()
            self._answers.clear()

    def handle(self, request: Request) -> Response:
        if request.path == "/_test/received" and request.method == "GET":
            with self.lock:
                items = [{**asdict(item), "body": item.body.decode("utf-8")} for item in self.received]
            return Response.json({"received": items})
        verified = None
        if self.secret is not None:
            header = request.headers.get(SIGNATURE_HEADER, "")
            verified = verify_signature(self.secret, header, request.body, self._clock())
        headers = dict(request.headers.items())
        with self.lock:
            self.received.append(ReceivedWebhook(request.path, headers, request.body, verified))
            status, answer_headers = self._answers.get(request.path, (200, {}))
        if verified is False:
            return Response.json({"error": "bad signature"}, 401)
        return Response.json({"received": True}, status, answer_headers)


def main() -> None:
    def arguments(parser: Any) -> None:
        parser.add_argument("--secret", default=None)

    run_standalone(
        "A local webhook receiver that verifies hikeshi's signatures.",
        lambda args: WebhookReceiver(secret=args.secret, host=args.host, port=args.port),
        arguments,
    )


if __name__ == "__main__":
    main()
