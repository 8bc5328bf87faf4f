"""The one error hierarchy of hikeshi.

    HikeshiError                 base; never raised itself
    ├── InvalidInput             bad input from a person or a client (HTTP 400/422, CLI exit 2)
    ├── NotAuthenticated         no valid credentials (HTTP 401)
    ├── PermissionDenied         signed in, but the role does not allow it (HTTP 403)
    ├── NotFound                 the thing asked for does not exist (HTTP 404, CLI exit 2)
    ├── Conflict                 the change clashes with what exists (HTTP 409, CLI exit 2)
    │   └── WorkerAlreadyRunning another worker holds this SQLite database; a second refuses to start
    ├── TooManyRequests          throttled; `retry_after` says for how long (HTTP 429)
    ├── ConfigurationError       settings that cannot work; start-up stops with one line
    └── ExternalServiceError     a provider (Slack, SMTP, Twilio, a webhook) failed; `permanent` says
                                 whether a retry can help, `retry_after_seconds` when it said so

Each error carries a stable machine `code`, an English message that is also the message-catalog id (with
`{name}` placeholders) and its parameters; entry points render it in the reader's language
(`error.render(translate)`) and turn it into `{"error": {"code", "message"}}` or an exit code.
"""

from __future__ import annotations

from collections.abc import Callable


class HikeshiError(Exception):
    """Base of every error hikeshi raises on purpose."""

    code = "error"
    status_code = 500

    def __init__(self, message: str, *, field: str | None = None, **params: object) -> None:
        self.message = message
        self.field = field
        self.params = params
        super().__init__(self.render(lambda text: text))

    def render(self, translate: Callable[[str], str]) -> str:
        """The message in the reader's language, placeholders filled."""
        return translate(self.message).format(field=self.field, **self.params)


class InvalidInput(HikeshiError):
    code = "invalid_input"
    status_code = 400


class NotAuthenticated(HikeshiError):
    code = "not_authenticated"
    status_code = 401


class PermissionDenied(HikeshiError):
    code = "permission_denied"
    status_code = 403


class NotFound(HikeshiError):
    code = "not_found"
    status_code = 404


class Conflict(HikeshiError):
    code = "conflict"
    status_code = 409


class WorkerAlreadyRunning(Conflict):
    """On SQLite one worker runs per database file; the lock file next to it says which."""

    code = "worker_already_running"


class TooManyRequests(HikeshiError):
    code = "too_many_requests"
    status_code = 429

    def __init__(self, message: str, *, retry_after_seconds: int, **params: object) -> None:
        self.retry_after_seconds = retry_after_seconds
        super().__init__(message, field=None, **params)


class ConfigurationError(HikeshiError):
    code = "configuration_error"


class ExternalServiceError(HikeshiError):
    """A provider failed. Jobs retry it with backoff unless `permanent`; `retry_after_seconds` wins."""

    code = "external_service_error"
    status_code = 502

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        retry_after_seconds: float | None = None,
        **params: object,
    ) -> None:
        self.permanent = permanent
        self.retry_after_seconds = retry_after_seconds
        super().__init__(message, field=None, **params)
