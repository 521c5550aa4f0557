"""The DM pacing policy: a token bucket under Discord's global limit, and what a 429 does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.pacing import Pacer, PaceRule

T0 = datetime(2026, 10, 21, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def schedule(pacer: Pacer, requests: list[tuple[float, int]]) -> list[float]:
    """When each (asked at, cost) request may go, in seconds after T0, asked in order."""
    return [round(t + pacer.reserve(at(t), cost), 6) for t, cost in requests]


@pytest.mark.parametrize(
    ("rule", "requests", "goes_at"),
    [
        # A burst goes at once, then one request per 1/rate.
        (PaceRule(rate=10, burst=3), [(0, 1)] * 5, [0, 0, 0, 0.1, 0.2]),
        # A DM that opens its channel costs two requests.
        (PaceRule(rate=10, burst=2), [(0, 2), (0, 2), (0, 2)], [0, 0.2, 0.4]),
        # A quiet spell fills the bucket again (up to the burst, no more).
        (PaceRule(rate=10, burst=2), [(0, 1)] * 3 + [(5, 1)] * 3, [0, 0, 0.1, 5, 5, 5.1]),
        # Asked late, a request goes when asked, never earlier.
        (PaceRule(rate=10, burst=1), [(0, 1), (0.05, 1), (1, 1)], [0, 0.1, 1]),
        # A cost over the burst waits for the room it needs.
        (PaceRule(rate=10, burst=1), [(0, 2), (0, 1)], [0.1, 0.3]),
    ],
)
def test_requests_go_at_the_rate_after_a_burst(
    rule: PaceRule, requests: list[tuple[float, int]], goes_at: list[float]
):
    assert schedule(Pacer(rule), requests) == goes_at


@pytest.mark.parametrize("count", [100, 1000, 2000])
def test_no_second_holds_more_than_the_rate_plus_the_burst(count: int):
    """What Discord counts: requests per second, here 2 per DM (open channel, send)."""
    rule = PaceRule()
    pacer = Pacer(rule)
    sent = [at(0) + timedelta(seconds=pacer.reserve(at(0), 2)) for _ in range(count)]
    for first in sent:
        window = [s for s in sent if first <= s < first + timedelta(seconds=1)]
        assert 2 * len(window) <= rule.rate + rule.burst
    assert rule.rate + rule.burst <= 50  # Discord's global limit per bot
    # And no slower than the rate: 1,000 DMs (2,000 requests) in 50 s at 40/s.
    last = (max(sent) - at(0)).total_seconds()
    assert last == pytest.approx(2 * count / rule.rate - rule.burst / rule.rate, abs=0.05)


@pytest.mark.parametrize(
    ("retry_after", "count", "wait"),
    [
        (2.5, 1, 2.5),  # Discord's retry_after is obeyed
        (None, 1, 5.0),  # a 429 that does not say: the rule's default
        (0.0, 1, 0.0),
        (30.0, 3, 30.0),  # at the limits: still waited out
        (30.5, 1, None),  # longer than the rule allows: stop, the delivery retries later
        (1.0, 4, None),  # a fourth 429 for the same recipient: stop
    ],
)
def test_what_a_rate_limit_does(retry_after: float | None, count: int, wait: float | None):
    assert Pacer().rate_limited(at(0), retry_after, count) == wait


def test_a_rate_limit_holds_every_request_until_retry_after_then_resumes_at_the_rate():
    pacer = Pacer(PaceRule(rate=10, burst=5))
    assert schedule(pacer, [(0, 1)] * 2) == [0, 0]
    assert pacer.rate_limited(at(0.01), 3.0, 1) == 3.0
    # Nothing goes before the pause ends, and no burst after it.
    assert schedule(pacer, [(0.02, 1)] * 3) == [3.01, 3.11, 3.21]
    assert pacer.rate_limits == 1


def test_a_shorter_rate_limit_does_not_shorten_a_longer_pause():
    pacer = Pacer(PaceRule(rate=10, burst=1))
    pacer.rate_limited(at(0), 4.0, 1)
    pacer.rate_limited(at(1), 1.0, 1)
    assert schedule(pacer, [(1, 1)]) >= [4]


def test_a_request_booked_before_a_rate_limit_is_held_until_it_ends():
    pacer = Pacer(PaceRule(rate=10, burst=1))
    assert pacer.paused_for(at(0)) == 0
    booked = schedule(pacer, [(0, 1)] * 3)  # the third goes at 0.2 s…
    assert booked == [0, 0.1, 0.2]
    pacer.rate_limited(at(0.05), 2.0, 1)  # …but a 429 at 0.05 s holds everything to 2.05 s
    assert pacer.paused_for(at(0.2)) == pytest.approx(1.85)
    assert pacer.paused_for(at(2.05)) == 0
