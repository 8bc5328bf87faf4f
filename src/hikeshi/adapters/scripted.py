"""What every fake adapter shares: failures a test scripts in advance, raised on the next calls."""

from __future__ import annotations

import threading
from collections import deque

from hikeshi.core.errors import ExternalServiceError


class ScriptedFailures:
    """`fail_next(error, times=3)` makes the next three calls raise it, as a provider outage would."""

    def __init__(self) -> None:
        self._failures: deque[ExternalServiceError] = deque()
        self._lock = threading.Lock()
        self.attempts = 0

    def fail_next(self, error: ExternalServiceError, *, times: int = 1) -> None:
        with self._lock:
            self._failures.extend([error] * times)

    def _attempt(self) -> None:
        """Count the call; raise the next scripted failure, if any."""
        with self._lock:
            self.attempts += 1
            failure = self._failures.popleft() if self._failures else None
        if failure is not None:
            raise failure
