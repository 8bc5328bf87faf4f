"""Which handler runs each kind of job, and how often it may be tried."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from hikeshi.core.clock import Clock
from hikeshi.core.errors import ConfigurationError

MAX_KIND_LENGTH = 100
DEFAULT_LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class JobContext:
    """What a handler gets besides its payload. Handlers open their own sessions and commit their work."""

    job_id: int
    kind: str
    attempt: int  # 1 on the first run
    sessions: sessionmaker[Session]
    clock: Clock
    services: Any  # the Container: handlers reach the delivery ports through it
    max_attempts: int | None = None

    @property
    def is_last_attempt(self) -> bool:
        """A failure now makes the job dead: handlers may record that as final."""
        return self.max_attempts is not None and self.attempt >= self.max_attempts


Handler = Callable[[JobContext, dict[str, Any]], None]
# When a recurring job is next due, after a given moment (aware UTC in, aware UTC out).
NextDue = Callable[[datetime], datetime]


@dataclass(frozen=True)
class JobSpec:
    """A kind of job: its handler and retry policy. `lease` is the longest one run may take."""

    kind: str
    handler: Handler
    max_attempts: int = 8
    base_delay: timedelta = timedelta(seconds=5)
    max_delay: timedelta = timedelta(hours=1)
    lease: timedelta = DEFAULT_LEASE

    def __post_init__(self) -> None:
        if not self.kind or len(self.kind) > MAX_KIND_LENGTH:
            raise ConfigurationError("job kind must be 1 to 100 characters: {kind!r}", kind=self.kind)
        if self.max_attempts < 1:
            raise ConfigurationError("job kind {kind}: max_attempts must be at least 1", kind=self.kind)
        if self.lease <= timedelta(0) or self.base_delay < timedelta(0) or self.max_delay < self.base_delay:
            raise ConfigurationError("job kind {kind}: lease and delays must be positive", kind=self.kind)


@dataclass(frozen=True)
class Recurring:
    """A kind of job the workers keep scheduled: one pending occurrence at a time, keyed by its due time."""

    kind: str
    next_due: NextDue

    def idempotency_key(self, due_at: datetime) -> str:
        return f"{self.kind}@{due_at.isoformat()}"


@dataclass
class JobRegistry:
    """Built once in bootstrap; each domain registers the kinds it handles.

    An event kind (a job a lower domain enqueues to tell the domains above it of a change, such as
    `incidents.status_changed`) may have several listeners: `listen` adds one, and the one job runs them
    in the order they were added. Every listener must be idempotent: a failure in one runs them all again.
    """

    _specs: dict[str, JobSpec] = field(default_factory=dict)
    _listeners: dict[str, list[Handler]] = field(default_factory=dict)
    _recurring: dict[str, Recurring] = field(default_factory=dict)

    def register(self, spec: JobSpec) -> None:
        if spec.kind in self._specs:
            raise ConfigurationError("job kind {kind} is registered twice", kind=spec.kind)
        self._specs[spec.kind] = spec

    def listen(self, kind: str, handler: Handler) -> None:
        """Run `handler` for every job of the event `kind`, after the listeners added before it."""
        listeners = self._listeners.get(kind)
        if listeners is None:
            listeners = self._listeners[kind] = []

            def run_listeners(ctx: JobContext, payload: dict[str, Any]) -> None:
                for listener in listeners:
                    listener(ctx, payload)

            self.register(JobSpec(kind=kind, handler=run_listeners))
        listeners.append(handler)

    def every(self, spec: JobSpec, next_due: NextDue) -> None:
        """Register a job that recurs: the workers keep its next occurrence enqueued (`recurring`)."""
        self.register(spec)
        self._recurring[spec.kind] = Recurring(kind=spec.kind, next_due=next_due)

    def recurring(self) -> list[Recurring]:
        return [self._recurring[kind] for kind in sorted(self._recurring)]

    def get(self, kind: str) -> JobSpec | None:
        return self._specs.get(kind)

    def kinds(self) -> list[str]:
        return sorted(self._specs)

    def specs(self) -> list[JobSpec]:
        return [self._specs[kind] for kind in sorted(self._specs)]
