"""Per-channel (and per-target) pacing inside one process, from configuration, thread-safe."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from hikeshi.delivery.rules import Channel, RateLimit, TokenBucket

# Longer waits go back to the job queue (the job is due again later) rather than holding the worker.
MAX_INLINE_WAIT_SECONDS = 2.0


class RateLimiter:
    def __init__(
        self,
        limits: dict[Channel, RateLimit],
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._limits = limits
        self._buckets: dict[tuple[Channel, str], TokenBucket] = {}
        self._lock = threading.Lock()
        self._monotonic = monotonic
        self._sleep = sleep

    def wait_time(self, channel: Channel, target: str) -> float:
        """Take a token if one is free (0.0) or say how long until one is."""
        limit = self._limits.get(channel)
        if limit is None:
            return 0.0
        key = (channel, target if limit.per_target else "")
        with self._lock:
            now = self._monotonic()
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = TokenBucket.full(limit, now)
            return bucket.take(now)

    def finished(self, channel: Channel, target: str) -> None:
        """The call made with the token from `acquire` has returned; see `TokenBucket.settle`.

        Without this, two posts paced exactly one second apart at the sender could reach Slack less
        than a second apart (the first one slower on its way), and Slack would answer 429.
        """
        limit = self._limits.get(channel)
        if limit is None:
            return
        with self._lock:
            bucket = self._buckets.get((channel, target if limit.per_target else ""))
            if bucket is not None:
                bucket.settle(self._monotonic())

    def acquire(
        self, channel: Channel, target: str, *, before_waiting: Callable[[], None] | None = None
    ) -> float:
        """Wait for a token when the wait is short; return the remaining wait when it is not (0.0: go).

        `before_waiting` runs before each inline wait: a handler commits what it holds, so nothing
        already sent sits unrecorded while the next message waits its turn.
        """
        while True:
            wait = self.wait_time(channel, target)
            if wait <= 0:
                return 0.0
            if wait > MAX_INLINE_WAIT_SECONDS:
                return wait
            if before_waiting is not None:
                before_waiting()
            self._sleep(wait)
