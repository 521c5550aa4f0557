"""Fault injection: the next N calls of a Web API method answer with a fault instead."""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Fault:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class Faults:
    def __init__(self) -> None:
        self._queued: defaultdict[str, deque[Fault]] = defaultdict(deque)

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """HTTP 429 with `Retry-After` (seconds), as Slack's rate limiter answers."""
        fault = Fault(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})
        self._queued[method].extend([fault] * times)

    def server_error(self, method: str, times: int = 1, status: int = 500) -> None:
        """HTTP 500 (or 503): Slack's side failed; the call may be retried."""
        self._queued[method].extend([Fault(status, {"ok": False, "error": "fatal_error"})] * times)

    def error(self, method: str, error: str, times: int = 1, **extra: Any) -> None:
        """HTTP 200 with `{"ok": false, "error": …}`, e.g. `is_archived` or `ratelimited`."""
        body = {"ok": False, "error": error, **extra}
        self._queued[method].extend([Fault(200, body)] * times)

    def take(self, method: str) -> Fault | None:
        queue = self._queued.get(method)
        return queue.popleft() if queue else None

    def pending(self, method: str) -> int:
        return len(self._queued.get(method, ()))
