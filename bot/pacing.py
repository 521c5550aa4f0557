"""Pacing DMs under Discord's rate limits: the policy, without Discord and without waiting.

Discord allows a bot 50 requests a second in all (the global limit), and
each route has its own bucket, which discord.py's HTTP client learns from the
response headers and honours by itself. discord.py does not hold the global
limit back before it is hit: it only waits once Discord answers 429 with
``global``. A fan-out that fires a thousand DMs at once therefore runs into
429s; paced under the limit, it never meets one.

``Pacer`` is a token bucket kept as the next free instant (GCRA): ``rate``
requests a second, up to ``burst`` at once, shared by every fan-out of one
bot. A DM costs one request when the DM channel is known and two when it must
be opened first (``POST /users/@me/channels``, then the message). A 429 that
still reaches the bot pauses the whole bucket for its ``retry_after``, then
the same recipient is tried again; a ``retry_after`` longer than the rule
allows, or too many 429s for one recipient, stops the fan-out, whose delivery
is then retried later with backoff. Time is passed in; the caller sleeps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class PaceRule:
    # Under Discord's global 50/s, leaving room for posts, replies and other fan-outs' reads.
    rate: float = 20.0  # requests a second
    burst: int = 25  # requests that may go at once after a quiet spell (a dozen new DMs)
    default_retry_after: float = 5.0  # a 429 that does not say how long (seconds)
    max_retry_after: float = 30.0  # longer: stop, the delivery is retried later
    max_rate_limits: int = 3  # 429s for one recipient before the fan-out stops


DM_CHANNEL_REQUESTS = 2  # open the DM channel, then send
DM_REQUESTS = 1  # the DM channel is already known


class Pacer:
    """When the next request may go: a token bucket over the instants it is given."""

    def __init__(self, rule: PaceRule | None = None) -> None:
        self.rule = rule or PaceRule()
        self._free_at: datetime | None = None  # when the bucket is empty again (GCRA's TAT)
        self._paused_until: datetime | None = None
        self.rate_limits = 0  # 429s seen, for logs and benchmarks

    @property
    def _interval(self) -> timedelta:
        return timedelta(seconds=1 / self.rule.rate)

    def reserve(self, now: datetime, cost: int = 1) -> float:
        """Book ``cost`` requests; return how many seconds to wait before sending them."""
        interval = self._interval
        free_at = max(self._free_at or now, now)
        start = max(now, free_at - interval * (self.rule.burst - cost))
        if self._paused_until is not None:
            start = max(start, self._paused_until)
        self._free_at = max(free_at, start) + interval * cost
        return (start - now).total_seconds()

    def paused_for(self, now: datetime) -> float:
        """Seconds a 429 still holds every request: one booked before the 429 waits too."""
        if self._paused_until is None or self._paused_until <= now:
            return 0.0
        return (self._paused_until - now).total_seconds()

    def rate_limited(self, now: datetime, retry_after: float | None, count: int) -> float | None:
        """Discord answered 429 (the ``count``-th for this recipient): seconds to wait, or None
        to stop the fan-out (too long a wait, or too many 429s: the delivery retries later)."""
        self.rate_limits += 1
        wait = self.rule.default_retry_after if retry_after is None else max(retry_after, 0.0)
        if wait > self.rule.max_retry_after or count > self.rule.max_rate_limits:
            return None
        until = now + timedelta(seconds=wait)
        self._paused_until = max(self._paused_until or until, until)
        # The bucket is empty when the pause ends: requests resume at the rate, not in a burst.
        self._free_at = max(self._free_at or until, until + self._interval * (self.rule.burst - 1))
        return wait
