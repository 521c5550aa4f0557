"""DM fan-outs paced under Discord's rate limits, on SimCord's virtual clock, with 429s injected."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import discord
import pytest
import simcord
import simcord.http.client as simcord_client
from simcord.backend.errors import BackendError

from bot.app.fanout import _retry_after
from bot.dms import Outcome
from bot.pacing import PaceRule
from tests.helpers import World, cohort_id, dms
from tests.scenarios import NUDGE_1, course_in_week, nudges, outcomes

EXTRA = 88  # with the course server's dozen: 100 learners
OPEN_DM = "/users/@me/channels"  # discord.py opens a DM channel before the first DM


def more_learners(world: World, count: int = EXTRA) -> list[simcord.MemberActor]:
    guild, role = world.server.guild, world.server.learner_role
    extra = [
        guild.add_member(world.env.create_user(f"learner{n}"), roles=[role]) for n in range(count)
    ]
    return world.server.learners + extra


async def advance_in_steps(world: World, until: timedelta) -> None:
    """To NUDGE_1 + ``until``, a second at a time: SimCord gives each advance a few real
    seconds to settle, and a paced fan-out to a hundred takes many small steps."""
    while world.clock.now() < NUDGE_1 + until:
        await world.advance_to(min(world.clock.now() + timedelta(seconds=1), NUDGE_1 + until))


def nudged_at(world: World, learners: list[simcord.MemberActor]) -> list[float]:
    """When each learner's nudge was sent, in seconds after the nudge's moment, in order."""
    return sorted(
        (m.created_at - NUDGE_1).total_seconds()
        for learner in learners
        for m in nudges(world, learner)
    )


async def test_a_fanout_to_a_hundred_goes_at_the_paced_rate_and_reaches_each_once(world: World):
    learners = more_learners(world)
    await course_in_week(world, 1)
    await world.advance_to(NUDGE_1 - timedelta(seconds=1))
    await advance_in_steps(world, timedelta(seconds=10))  # the fan-out takes 8.75 s
    await world.advance_to(NUDGE_1 + timedelta(minutes=1))

    assert [len(nudges(world, m)) for m in learners] == [1] * len(learners)
    rule = world.bot.pacer.rule
    sent = nudged_at(world, learners)
    # Two requests a DM (open the channel, send), never more than the rate plus the burst
    # in any second: under Discord's 50 a second; and no slower than the rate.
    for start in sent:
        assert 2 * len([t for t in sent if start <= t < start + 1]) <= rule.rate + rule.burst
    assert sent[-1] - sent[0] == pytest.approx(
        (2 * len(learners) - rule.burst) / rule.rate, abs=0.1
    )
    assert world.bot.pacer.rate_limits == 0


async def test_injected_429s_are_waited_out_and_everyone_is_nudged_exactly_once(world: World):
    learners = more_learners(world, 28)
    await course_in_week(world, 1)
    await world.advance_to(NUDGE_1 - timedelta(seconds=1))
    # Discord answers 429 to the first three DMs (no retry_after: the rule's default applies).
    world.env.inject_error(
        "POST", OPEN_DM, status=429, message="You are being rate limited.", times=3
    )
    await world.advance_to(NUDGE_1 + timedelta(minutes=1))

    assert [len(nudges(world, m)) for m in learners] == [1] * len(learners)
    assert set((await outcomes(world, "nudge:1")).values()) == {Outcome.SENT}
    # Each 429 held every DM for retry_after: none went before three waits had passed.
    wait = PaceRule().default_retry_after
    assert min(nudged_at(world, learners)) >= 3 * wait
    assert world.bot.pacer.rate_limits == 3
    # Waited out within the fan-out: not a failed attempt, nothing told to the instructor.
    row = await world.bot.store.deliveries.get(await cohort_id(world), "nudge:1")
    assert (row.state, row.attempts) == ("done", 1)
    assert not any("could not" in m.content for m in dms(world, world.server.instructor))


async def test_a_429s_retry_after_is_what_the_fanout_waits(world: World, monkeypatch):
    """SimCord's injected errors carry no headers; here its 429s say ``Retry-After: 7``."""
    plain = simcord_client._raise_for

    def with_retry_after(error: BackendError) -> None:
        if error.status != 429:
            plain(error)
            return
        headers = {"Retry-After": "7"}
        response = SimpleNamespace(status=429, reason="Too Many Requests", headers=headers)
        raise discord.HTTPException(response, error.to_json())  # type: ignore[arg-type]

    monkeypatch.setattr(simcord_client, "_raise_for", with_retry_after)
    learners = more_learners(world, 8)
    await course_in_week(world, 1)
    await world.advance_to(NUDGE_1 - timedelta(seconds=1))
    world.env.inject_error("POST", OPEN_DM, status=429, times=2)
    await world.advance_to(NUDGE_1 + timedelta(minutes=1))

    assert [len(nudges(world, m)) for m in learners] == [1] * len(learners)
    first = min(nudged_at(world, learners))
    assert 14 <= first < 15  # two waits of 7 s (not the 5 s default), then at once


async def test_a_429_storm_stops_the_fanout_and_the_retry_reaches_the_rest_once(world: World):
    learners = more_learners(world, 28)
    await course_in_week(world, 1)
    await world.advance_to(NUDGE_1 - timedelta(seconds=1))
    # Past the rule's three 429s for one recipient: the fan-out stops, the delivery retries.
    limit = PaceRule().max_rate_limits
    world.env.inject_error("POST", OPEN_DM, status=429, times=limit + 1)
    await world.advance_to(NUDGE_1 + timedelta(seconds=25))

    assert all(nudges(world, m) == [] for m in learners)
    row = await world.bot.store.deliveries.get(await cohort_id(world), "nudge:1")
    assert (row.state, row.attempts) == ("pending", 1)
    assert await outcomes(world, "nudge:1") == {}  # no claim left behind
    (told,) = [m.content for m in dms(world, world.server.instructor)]
    assert "rate-limiting" in told

    await world.advance_to(NUDGE_1 + timedelta(minutes=5))
    assert [len(nudges(world, m)) for m in learners] == [1] * len(learners)
    assert set((await outcomes(world, "nudge:1")).values()) == {Outcome.SENT}


def _limited(headers: dict[str, str]) -> discord.HTTPException:
    response = SimpleNamespace(status=429, reason="Too Many Requests", headers=headers)
    return discord.HTTPException(response, {"message": "You are being rate limited.", "code": 0})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("error", "retry_after"),
    [
        (discord.RateLimited(12.5), 12.5),  # discord.py's, past its max_ratelimit_timeout
        (_limited({"Retry-After": "3"}), 3.0),
        (_limited({}), None),  # does not say: the rule's default
        (_limited({"Retry-After": "soon"}), None),
    ],
)
def test_the_wait_a_429_asks_for(error: Exception, retry_after: float | None):
    assert _retry_after(error) == retry_after
