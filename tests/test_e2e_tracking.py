"""Counting participation end to end: the real bot on SimCord, without the message-content intent.

Every SimCord run here approves exactly the intents the bot asks for (see
conftest), so these tests also prove that counting never needs to read a
message: SimCord hands the bot every message with its text blanked out.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import simcord

from bot.tracking import EARLY_BIRDS
from tests.helpers import START, WEEK_POSTS, World, stored_bytes, week_threads

Counted = dict[tuple[str, int], tuple[int, int]]


async def course_in_week_1(world: World, **options) -> None:
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START, **options)
    await world.advance_to(WEEK_POSTS[0] + timedelta(hours=1))


async def counted(world: World) -> Counted:
    """What the database holds: (originals, replies) by learner name and week."""
    await world.bot.tracker.flush()
    store = world.bot.store
    (cohort,) = await store.cohorts.all()
    people = [*world.server.learners, world.server.instructor, world.server.outsider]
    names = {person.id: person.name for person in people}
    return {
        (names.get(user_id, f"user {user_id}"), week): (tally.originals, tally.replies)
        for (user_id, week), tally in (
            await store.participation.counts(cohort.id)
        ).by_learner_week.items()
    }


def weekly_thread(world: World, week: int = 1) -> simcord.ChannelHandle:
    return world.server.thread(week_threads(world)[f"Week {week}"][0].id)


async def test_forum_posts_and_replies_count_for_learners_only_in_the_week_written(world: World):
    await course_in_week_1(world)
    server = world.server
    amara, bao, carmen, dmitri = server.learners[:4]
    weekly = weekly_thread(world)

    own, first = await server.forum_post(amara, "My first week", "Hello all")  # original
    await amara.send(own, "A follow-up in my own thread")  # original
    await bao.send(own, "Welcome, Amara")  # reply: someone else's thread
    await bao.send(weekly, "My answer to the prompt")  # reply: the bot's thread
    agreed = await carmen.send(own, "Agreed", reply_to=first)  # reply
    await amara.send(own, "Thank you, Carmen", reply_to=agreed)  # reply: answers a peer
    mine, opening = await server.forum_post(dmitri, "Dmitri's", "post")  # original
    await dmitri.send(mine, "Adding to what I said", reply_to=opening)  # to himself: original
    await server.instructor.send(own, "Instructors are not counted")
    await server.outsider.send(weekly, "Nor is someone without the learner role")
    edited = await carmen.send(weekly, "Will be edited")  # reply
    await carmen.edit(edited, "Edited: an edit changes nothing")
    await world.advance_to(WEEK_POSTS[1] + timedelta(hours=1))
    await bao.send(weekly_thread(world, 2), "Week two already")  # reply, in week 2

    assert await counted(world) == {
        ("amara", 1): (2, 1),
        ("bao", 1): (0, 2),
        ("carmen", 1): (0, 2),
        ("dmitri", 1): (2, 0),
        ("bao", 2): (0, 1),
    }


async def test_a_text_channel_cohort_counts_top_level_messages_replies_and_threads(world: World):
    server = world.server
    chat = server.guild.create_text_channel("course-chat")
    await course_in_week_1(world, forum=chat)
    amara, bao, carmen, dmitri = server.learners[:4]

    hello = await amara.send(chat, "Hello everyone")  # top-level: original
    answer = await bao.send(chat, "Hi Amara", reply_to=hello)  # reply
    await amara.send(chat, "And one more thing", reply_to=hello)  # to herself: original
    # Carmen starts a thread from Bao's message; Discord adds a "started a thread"
    # notice in her name to the channel, which is nobody's writing.
    backend = world.env.backend
    thread = backend.create_thread(chat.id, "Carmen's question", carmen.id, message_id=answer.id)
    await world.env.settle()
    started = server.thread(thread.id)
    await carmen.send(started, "What do you all do at closing time?")  # her thread: original
    await dmitri.send(started, "We walk the floor together")  # reply

    assert await counted(world) == {
        ("amara", 1): (2, 0),
        ("bao", 1): (0, 1),
        ("carmen", 1): (1, 0),
        ("dmitri", 1): (0, 1),
    }


async def test_single_bulk_and_thread_deletes_stop_counting(world: World):
    await course_in_week_1(world)
    server = world.server
    amara, bao, carmen, dmitri, esi = server.learners[:5]
    weekly = weekly_thread(world)
    own, _ = await server.forum_post(amara, "Mine", "post")
    doomed = await bao.send(own, "Will be deleted")
    await bao.send(own, "Stays")
    await bao.delete(doomed)
    bulk = [await carmen.send(weekly, f"bulk {i}") for i in range(3)]
    await carmen.send(weekly, "Not in the bulk delete")
    world.env.backend.bulk_delete_messages(weekly.id, [m.id for m in bulk])  # as a moderator bot
    gone, _ = await server.forum_post(dmitri, "Posted by mistake", "post")
    await esi.send(gone, "A reply in a thread that is then deleted")
    world.env.backend.delete_channel(gone.id)
    await world.env.settle()

    assert await counted(world) == {("amara", 1): (1, 0), ("bao", 1): (0, 1), ("carmen", 1): (0, 1)}


async def test_messages_written_while_the_bot_was_down_are_counted_once_after_restart(
    world: World,
):
    """The bot is down while learners post, then starts again on the same database.

    SimCord attaches a restarted bot at once, so "down" is the tracking
    extension unloaded: the bot hears nothing to count, as when it is not
    running, and the gateway's events are gone for good. The fresh process
    must find it all in the channels' history: in a thread it had seen, in a
    forum post started meanwhile, and in a thread archived meanwhile (SimCord,
    unlike Discord, lists archived threads at start-up too; the reconnect test
    below proves the archived listing is read).
    """
    await course_in_week_1(world)
    server = world.server
    amara, bao, carmen, dmitri = server.learners[:4]
    seen, _ = await server.forum_post(amara, "Before", "counted live")
    archived, _ = await server.forum_post(dmitri, "Will be archived", "counted live")

    await world.bot.unload_extension("cogs.tracking")
    await bao.send(seen, "Written while the bot was down")
    new, _ = await server.forum_post(carmen, "While down", "also missed")
    await amara.send(new, "A reply there too")
    await bao.send(archived, "Then the thread was archived")
    world.env.backend.edit_channel(archived.id, {}, thread_metadata={"archived": True})
    assert await counted(world) == {("amara", 1): (1, 0), ("dmitri", 1): (1, 0)}

    await world.restart()
    expected = {
        ("amara", 1): (1, 1),
        ("bao", 1): (0, 2),
        ("carmen", 1): (1, 0),
        ("dmitri", 1): (1, 0),
    }
    assert await counted(world) == expected
    requests_before = len(world.env.http_requests)
    await world.restart()  # a second start counts nothing twice, and reads no history
    assert await counted(world) == expected
    history_reads = [
        r.path
        for r in world.env.http_requests[requests_before:]
        if r.method == "GET" and r.path.endswith("/messages")
    ]
    assert history_reads == []
    await bao.send(seen, "And the restarted bot counts live again")
    assert (await counted(world))[("bao", 1)] == (0, 3)


async def test_a_reconnect_that_cannot_resume_reads_what_the_lost_connection_missed(world: World):
    """discord.py's sequence: on_disconnect, events lost, then a new session and on_ready.

    SimCord has no verb for the dropped connection of an unsharded bot, so the
    test plays the gateway: it closes the bot's SimCord websocket, which drops
    every event as an outage does, and tells the bot what discord.py would. A
    live message arriving before the new session is ready must not make the bot
    believe it saw everything before it. A thread archived (and so gone from
    the bot's cache) gets a message meanwhile: only the archived listing has it.
    """
    await course_in_week_1(world)
    server = world.server
    amara, bao, carmen, dmitri = server.learners[:4]
    thread, _ = await server.forum_post(amara, "Mine", "counted live")
    quiet, _ = await server.forum_post(dmitri, "Gone quiet", "counted live")
    world.env.backend.edit_channel(quiet.id, {}, thread_metadata={"archived": True})

    connection = world.bot.ws
    await connection.close()
    world.bot.dispatch("disconnect")
    await bao.send(thread, "Lost with the connection")
    await bao.send(quiet, "Lost too, in a thread the bot no longer holds")
    connection.open = True  # connected again: a new session, not a resume
    await carmen.send(thread, "Seen live, before the new session is ready")
    before_ready = {("amara", 1): (1, 0), ("carmen", 1): (0, 1), ("dmitri", 1): (1, 0)}
    assert await counted(world) == before_ready
    world.bot.dispatch("ready")
    # The catch-up waits on the database's thread, which SimCord's settle() cannot see:
    # wait for the bot's own on_ready listeners to finish instead.
    await asyncio.gather(
        *(t for t in asyncio.all_tasks() if t.get_name() == "discord.py: on_ready")
    )
    await world.env.settle()

    assert await counted(world) == before_ready | {("bao", 1): (0, 2)}


async def test_a_new_cohort_counts_what_early_birds_already_wrote_in_its_forum(world: World):
    server = world.server
    amara, bao = server.learners[:2]
    counts_from = WEEK_POSTS[0] - EARLY_BIRDS
    await world.advance_to(counts_from - timedelta(hours=1))
    await server.forum_post(amara, "From an older course", "too early to be this cohort's")
    await world.advance_to(counts_from + timedelta(hours=1))
    early, _ = await server.forum_post(bao, "Hello before we start", "an early bird")
    await amara.send(early, "Hello Bao")
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))

    await world.create_cohort(start=START)

    assert await counted(world) == {("bao", 1): (1, 0), ("amara", 1): (0, 1)}


async def test_what_the_purge_erased_does_not_come_back_at_the_next_start(world: World):
    await course_in_week_1(world)
    await world.server.forum_post(world.server.learners[0], "Post", "text")
    assert await counted(world) == {("amara", 1): (1, 0)}
    course = world.bot.library.get("de-escalation")
    (cohort,) = await world.bot.store.cohorts.all()
    await world.advance_to(cohort.calendar(course).purges + timedelta(minutes=1))
    assert await counted(world) == {}
    await world.restart()
    assert await counted(world) == {}


async def test_the_database_never_holds_what_a_learner_wrote(world: World):
    await course_in_week_1(world)
    assert not world.bot.intents.message_content
    secret = "a sentence only Amara wrote: zq81x"
    thread, _ = await world.server.forum_post(world.server.learners[0], "Mine", secret)
    assert thread.history()[0].content == secret  # Discord holds it
    assert await counted(world) == {("amara", 1): (1, 0)}  # the bot counted it

    raw = await stored_bytes(world.bot.store, world.database)
    assert b"zq81x" not in raw and "zq81x".encode("utf-16-le") not in raw
    assert b"Fall 2026" in raw  # the search sees what is stored (the cohort's name)
