"""Nudge and reminder DMs exactly once: crashes between send and record, closed DMs, two processes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import discord
import simcord

from bot.app.fanout import FanoutResult, StillSending, send_dms
from bot.cohort import CLAIM_LEASE
from bot.dms import Outcome
from bot.errors import NotAllowed
from bot.store import Store
from bot.store.db import to_text
from tests.helpers import START, WEEK_POSTS, Rival, World, cohort_id, dms, refusals
from tests.scenarios import (
    COHORT,
    LIVE_1,
    NUDGE_1,
    announced,
    course_in_week,
    instructor,
    nudges,
    outcomes,
    posts_for,
)

REMINDER_1H = LIVE_1 - timedelta(hours=1)
SETTLED = CLAIM_LEASE + timedelta(seconds=2)  # a dead process's claims have been looked at


def reminders_1h(world: World, member: simcord.MemberActor) -> list[discord.Message]:
    """The hour-before reminders DMed to ``member``, by the marker on each DM's last line."""
    return [m for m in dms(world, member) if m.content.endswith(" · reminder:live-1:1h")]


async def forget_the_dm_was_recorded(world: World, key: str, user_id: int) -> None:
    """As if the process had DMed them and died before recording it: still claimed.

    The claim is as old as the item's moment (the process died right then).
    """
    await world.bot.store.db.execute(
        "UPDATE delivery_recipients SET outcome = 'sending', at = (SELECT due_at FROM deliveries"
        " WHERE cohort_id = delivery_recipients.cohort_id AND item_key = delivery_recipients.item_key)"
        " WHERE cohort_id = ? AND item_key = ? AND user_id = ?",
        (await cohort_id(world), key, user_id),
    )
    await world.bot.store.db.commit()


async def unsend(world: World, key: str, member: simcord.MemberActor, dm: discord.Message) -> None:
    """As if the process had died before reaching this member: no DM, no row."""
    world.env.backend.delete_message(dm.channel.id, dm.id)
    await world.bot.store.db.execute(
        "DELETE FROM delivery_recipients WHERE cohort_id = ? AND item_key = ? AND user_id = ?",
        (await cohort_id(world), key, member.id),
    )
    await world.bot.store.db.commit()


async def ghost_claims(world: World, key: str, member: simcord.MemberActor) -> None:
    """Another process claims one recipient, then dies before sending."""
    ghost = await Store.open(world.database)
    assert await ghost.deliveries.claim_recipient(
        await cohort_id(world), key, member.id, world.clock.now()
    )
    await ghost.close()


# -- a crash between sending a DM and recording it -----------------------------------------------


async def test_killed_between_a_nudge_and_its_record_nobody_is_nudged_twice(world: World):
    await course_in_week(world, 1)
    await world.advance_to(NUDGE_1 + timedelta(seconds=1))
    amara, bao = world.server.learners[:2]
    assert all(len(nudges(world, m)) == 1 for m in world.server.learners)
    # The process DMed amara and died before recording it; bao was not reached yet.
    await world.forget_it_was_sent(await cohort_id(world), "nudge:1")
    await forget_the_dm_was_recorded(world, "nudge:1", amara.id)
    await unsend(world, "nudge:1", bao, nudges(world, bao)[0])
    assert nudges(world, bao) == []

    await world.restart()
    await world.advance_to(NUDGE_1 + SETTLED)

    assert [len(nudges(world, m)) for m in world.server.learners] == [1] * 12
    assert set((await outcomes(world, "nudge:1")).values()) == {Outcome.SENT}
    row = await world.bot.store.deliveries.get(await cohort_id(world), "nudge:1")
    assert row.state == "done"


async def test_killed_between_a_reminder_dm_and_its_record_each_learner_gets_one(world: World):
    message = await announced(world)
    amara, bao, carmen = world.server.learners[:3]
    for learner in (amara, bao, carmen):
        await learner.click(message, label="Remind me")
    await world.advance_to(REMINDER_1H + timedelta(seconds=1))
    (post,) = posts_for(world, "reminder:live-1:1h")
    # The process DMed amara, then bao, and died before recording bao's DM: carmen was not
    # reached and nothing was posted yet.
    world.env.backend.delete_message(post.channel.id, post.id)
    await world.forget_it_was_sent(await cohort_id(world), "reminder:live-1:1h")
    await forget_the_dm_was_recorded(world, "reminder:live-1:1h", bao.id)
    await unsend(world, "reminder:live-1:1h", carmen, reminders_1h(world, carmen)[0])

    await world.restart()
    await world.advance_to(REMINDER_1H + SETTLED)

    for learner in (amara, bao, carmen):
        assert len(reminders_1h(world, learner)) == 1, learner.name
    assert len(posts_for(world, "reminder:live-1:1h")) == 1
    assert set((await outcomes(world, "reminder:live-1:1h")).values()) == {Outcome.SENT}


# -- a crash between claiming a recipient and sending ---------------------------------------------


async def test_a_recipient_claimed_by_a_dead_process_is_nudged_once_after_the_lease(world: World):
    await course_in_week(world, 1)
    amara = world.server.learners[0]
    await world.advance_to(NUDGE_1 - timedelta(seconds=30))
    await ghost_claims(world, "nudge:1", amara)

    await world.advance_to(NUDGE_1 + timedelta(seconds=1))
    assert nudges(world, amara) == []  # the claim is fresh: its process might be sending
    assert all(len(nudges(world, m)) == 1 for m in world.server.learners[1:])
    row = await world.bot.store.deliveries.get(await cohort_id(world), "nudge:1")
    assert (row.state, row.attempts) == ("pending", 0)  # not a failure: only not yet
    assert not any("could not" in m.content for m in dms(world, world.server.instructor))

    await world.advance_to(NUDGE_1 + SETTLED)
    assert [len(nudges(world, m)) for m in world.server.learners] == [1] * 12
    row = await world.bot.store.deliveries.get(await cohort_id(world), "nudge:1")
    assert row.state == "done"


async def test_closed_dms_of_a_recipient_left_claimed_are_counted_once_and_never_named(
    world: World,
):
    message = await announced(world)
    amara, bao = world.server.learners[:2]
    for learner in (amara, bao):
        await learner.click(message, label="Remind me")
    await world.advance_to(REMINDER_1H - timedelta(seconds=10))  # the day-before reminder went
    dm_channel = world.env.backend.get_dm_channel(bao.id)
    world.env.inject_error(
        "POST", f"/channels/{dm_channel.id}/messages", status=403, code=50007, times=None
    )
    await ghost_claims(world, "reminder:live-1:1h", bao)

    await world.advance_to(REMINDER_1H + SETTLED)

    assert len(reminders_1h(world, amara)) == 1
    assert reminders_1h(world, bao) == []
    assert await outcomes(world, "reminder:live-1:1h") == {
        amara.id: Outcome.SENT,
        bao.id: Outcome.DMS_CLOSED,
    }
    assert len(posts_for(world, "reminder:live-1:1h")) == 1
    told = [m.content for m in dms(world, world.server.instructor) if "skipped" in m.content]
    assert len(told) == 1 and "1 skipped (DMs closed)" in told[0]
    assert "bao" not in told[0].lower()
    public = [m.content for m in world.server.announcements.history()]
    assert not any("bao" in text.lower() or "skipped" in text for text in public)


# -- two at once ------------------------------------------------------------------------------------


async def test_two_processes_fanning_out_at_once_dm_each_person_once(world: World):
    """Each process has its own database connection; both try every recipient at once."""
    await course_in_week(world, 1)
    cid = await cohort_id(world)
    guild = world.bot.get_guild(world.server.guild.id)
    assert guild is not None
    members = [guild.get_member(m.id) for m in world.server.learners]
    other = await Store.open(world.database)

    def hello(_: object) -> dict[str, str]:
        return {"content": "Hello from the course"}

    try:
        results = await asyncio.gather(
            *(
                send_dms(store, world.clock, cid, "hello:1", members, hello)
                for store in (world.bot.store, other)
            ),
            return_exceptions=True,
        )
        # They ran at once: whoever found recipients in the other's hands said so, and
        # between them everyone was sent exactly one DM.
        outcomes_of = [r.result if isinstance(r, StillSending) else r for r in results]
        assert all(isinstance(r, FanoutResult) for r in outcomes_of), results
        assert any(isinstance(r, StillSending) for r in results), results
        assert sum(r.sent for r in outcomes_of) == 12
        for learner in world.server.learners:
            assert len([m for m in dms(world, learner) if "Hello" in m.content]) == 1
        assert set((await outcomes(world, "hello:1")).values()) == {Outcome.SENT}

        await world.advance_to(world.clock.now() + SETTLED)  # a retry, by either of them
        again = await send_dms(other, world.clock, cid, "hello:1", members, hello)
        assert (again.sent, again.already) == (0, 12)
    finally:
        await other.close()


async def test_nudging_by_hand_is_once_per_day_in_the_cohorts_time_zone(world: World):
    await course_in_week(world, 1)
    amara = world.server.learners[0]
    # Thursday 16:30 in Los Angeles (23:30 UTC), then 17:30 (00:30 UTC, the next UTC day).
    await world.advance_to(datetime(2026, 10, 15, 23, 30, tzinfo=UTC))
    first = await instructor(world, "participation nudge")
    assert first.response.content == "Week 1 nudges: 12 sent."
    await world.advance_to(datetime(2026, 10, 16, 0, 30, tzinfo=UTC))
    again = await instructor(world, "participation nudge")
    assert again.response.content == "Week 1 nudges: 0 sent, 12 already reached."
    assert len(nudges(world, amara)) == 1
    # Friday in Los Angeles: a new day.
    await world.advance_to(datetime(2026, 10, 16, 15, tzinfo=UTC))
    friday = await instructor(world, "participation nudge")
    assert friday.response.content == "Week 1 nudges: 12 sent."
    assert len(nudges(world, amara)) == 2


async def test_an_outsider_or_another_cohorts_instructor_cannot_nudge(world: World):
    server = world.server
    await course_in_week(world, 1)
    rival = Rival(world)  # an instructor of another cohort, in another forum
    spring = await world.create_cohort(
        name="Spring 2027",
        start=START.replace(year=2027),
        forum=rival.forum,
        instructor_role=rival.role,
    )
    assert spring.ephemeral and "Created Spring 2027" in spring.response.content
    world.show_staff_commands_to_everyone()

    for who in (server.outsider, rival.member):
        refused = await who.slash(server.staff, "participation nudge", cohort=COHORT)
        assert refused.ephemeral
        assert refused.response.content.startswith(f"Only {COHORT}'s instructors")
    assert [type(e) for e in refusals(world)] == [NotAllowed, NotAllowed]
    assert all(nudges(world, m) == [] for m in server.learners)
    assert await outcomes(world, "nudge:1") == {}


async def test_a_nudge_by_hand_leaves_a_claimed_learner_to_its_process_and_says_so(world: World):
    await course_in_week(world, 1)
    amara = world.server.learners[0]
    await world.advance_to(datetime(2026, 10, 15, 17, tzinfo=UTC))  # Thursday 10:00 local
    await ghost_claims(world, "nudge:1:by-hand:2026-10-15", amara)

    first = await instructor(world, "participation nudge")
    assert first.response.content.startswith("11 sent, 1 being sent by another process.")
    assert "run this again in a couple of minutes" in first.response.content
    assert [type(e) for e in refusals(world)] == [StillSending]
    assert nudges(world, amara) == []

    await world.advance_to(world.clock.now() + SETTLED)  # the ghost's claim has run out
    again = await instructor(world, "participation nudge")
    assert again.response.content == "Week 1 nudges: 1 sent, 11 already reached."
    assert [len(nudges(world, m)) for m in world.server.learners] == [1] * 12


# -- the instructor's private word, once too ------------------------------------------------


def told(world: World, text: str) -> list[str]:
    return [m.content for m in dms(world, world.server.instructor) if text in m.content]


async def test_killed_between_the_digest_dm_and_its_record_the_instructor_gets_one(
    world: World,
):
    await course_in_week(world, 1)
    await world.advance_to(WEEK_POSTS[1] + timedelta(seconds=1))  # week 1 closes: the digest
    assert len(told(world, "Weekly digest, week 1")) == 1
    # The process DMed the digest and died before recording it.
    await world.forget_it_was_sent(await cohort_id(world), "digest:1")
    await forget_the_dm_was_recorded(world, "digest:1", world.server.instructor.id)

    await world.restart()
    await world.advance_to(WEEK_POSTS[1] + SETTLED)

    assert len(told(world, "Weekly digest, week 1")) == 1
    row = await world.bot.store.deliveries.get(await cohort_id(world), "digest:1")
    assert row.state == "done"


async def test_killed_after_the_nudges_the_instructor_is_told_once(world: World):
    await course_in_week(world, 1)
    await world.advance_to(NUDGE_1 + timedelta(seconds=1))
    assert told(world, "Week 1 nudges") == [told(world, "Week 1 nudges")[0]]
    # The process nudged everyone and told the instructor, then died before recording it.
    await world.forget_it_was_sent(await cohort_id(world), "nudge:1")
    await world.bot.store.db.execute(  # the instructor's DM too: claimed at the nudge's moment
        "UPDATE delivery_recipients SET outcome = 'sending', at = ?"
        " WHERE cohort_id = ? AND item_key = 'nudge:1:told'",
        (to_text(NUDGE_1), await cohort_id(world)),
    )
    await world.bot.store.db.commit()

    await world.restart()
    await world.advance_to(NUDGE_1 + SETTLED)

    assert len(told(world, "Week 1 nudges")) == 1
    assert [len(nudges(world, m)) for m in world.server.learners] == [1] * 12
