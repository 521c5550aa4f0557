"""Counting participation from gateway events: group commit, and history catch-up.

The hot path (``observe``) turns a message into a row and appends it to the
pending batch: no I/O, no awaiting. One writer task writes everything pending
in one transaction (aiosqlite runs it on its own thread, off the event loop);
whatever arrives meanwhile gathers into the next batch. So a burst never waits
on a disk flush per message, and a quiet channel's message is written at once
rather than after a timer: the time one batch takes to write is the window in
which the next one gathers.

Nothing is lost to downtime. For every channel and thread the store keeps a
cursor, the newest message seen there; after a start or a reconnect that could
not resume, the history after each cursor is read and counted (idempotent by
message id). What a crash loses from the pending batch is recovered the same
way, because a cursor is written in the same transaction as the rows it covers.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

import discord

from bot.snowflake import first_id_at
from bot.store import Store
from bot.tracking import ActivityBatch, Followed, MessageFacts, count

log = logging.getLogger(__name__)

Place = discord.TextChannel | discord.Thread


class Tracker:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._followed: dict[int, Followed] = {}  # by the cohort's channel id
        self._pending = ActivityBatch()
        self._writer: asyncio.Task[None] | None = None
        # A live message may move its place's cursor only when every earlier message
        # there was seen: its cohort's channel was caught up in this gateway session
        # and the connection has not been lost since (a resume replays what was missed).
        self._session = 0
        self._caught_up: set[int] = set()  # cohort channels read to the end this session
        self._connected = True

    def follow(self, followed: dict[int, Followed]) -> None:
        """Count these cohorts' messages from now on (``bot.tracking.followed_channels``)."""
        self._followed = followed
        self._caught_up &= followed.keys()

    # -- the hot path: no I/O ----------------------------------------------------------

    def observe(self, message: discord.Message) -> None:
        """A new message: queue its row if it counts."""
        channel = message.channel
        # A thread belongs to the cohort of its parent; a text channel is its own.
        followed = self._followed.get(getattr(channel, "parent_id", None) or channel.id)
        if followed is None:
            return
        live_cursor = self._connected and followed.channel_id in self._caught_up
        self._see(message, followed, move_cursor=live_cursor)
        self._schedule_write()

    def forget_messages(self, message_ids: set[int]) -> None:
        """Deleted messages (one, or a bulk delete) stop counting."""
        self._pending.deleted_messages |= message_ids
        self._schedule_write()

    def forget_thread(self, thread_id: int, parent_id: int) -> None:
        """A deleted thread takes its messages with it."""
        if parent_id in self._followed:
            self._pending.deleted_places.add(thread_id)
            self._schedule_write()

    def _see(self, message: discord.Message, followed: Followed, *, move_cursor: bool) -> bool:
        """Queue the row of a message that counts; True if it does."""
        if move_cursor:
            self._pending.cursors[message.channel.id] = (followed.cohort_id, message.id)
        facts = facts_of(message, followed)
        return facts is not None and count(facts, followed, into=self._pending)

    # -- writing: one writer, one transaction per batch --------------------------------

    def _schedule_write(self) -> None:
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write_pending())
            self._writer.add_done_callback(_log_failure)

    async def _write_pending(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, ActivityBatch()
            try:
                await self._store.activity.apply(batch)
            except BaseException:
                self._pending = batch.then(self._pending)  # kept for the next write
                raise

    async def flush(self) -> None:
        """Write everything observed so far. Raises if the write fails (nothing is dropped)."""
        self._schedule_write()
        assert self._writer is not None
        await asyncio.shield(self._writer)  # a cancelled caller must not cancel the write

    # -- catch-up: what was written while the bot was away -----------------------------

    def connection_lost(self) -> None:
        self._connected = False

    def connection_resumed(self) -> None:
        """The session resumed: Discord replayed what was missed, nothing was lost."""
        self._connected = True

    def session_started(self) -> None:
        """A new gateway session (start-up, or a reconnect that could not resume).

        Events may have been lost since the last one: until each cohort's
        channel is caught up again, live messages no longer move cursors.
        """
        self._session += 1
        self._caught_up.clear()
        self._connected = True

    async def catch_up(self, client: discord.Client, now: datetime) -> int:
        """Read the history of every followed channel not yet caught up this session.

        Returns how many messages it counted (many may already have been counted).
        """
        session = self._session
        found = 0
        for channel_id, followed in list(self._followed.items()):
            if channel_id in self._caught_up or not followed.worth_catching_up(now):
                continue
            channel = client.get_channel(channel_id)
            if not isinstance(channel, discord.ForumChannel | discord.TextChannel):
                log.warning("cohort %s: channel %s is gone", followed.cohort_id, channel_id)
                continue
            try:
                found += await self._catch_up_channel(channel, followed)
            except discord.HTTPException as error:
                log.warning("cohort %s: cannot read its history: %s", followed.cohort_id, error)
                continue  # not caught up: cursors stay put, and the next start reads again
            if session == self._session:
                self._caught_up.add(channel_id)
        await self.flush()
        return found

    async def _catch_up_channel(
        self, channel: discord.ForumChannel | discord.TextChannel, followed: Followed
    ) -> int:
        if not channel.guild.chunked:
            await channel.guild.chunk()  # authors must resolve to members to know their roles
        cursors = await self._store.activity.cursors(followed.cohort_id)
        start = first_id_at(followed.counts_from)
        found = 0
        for place in await places_of(channel):
            cursor = cursors.get(place.id)
            if not nothing_new(place, cursor, followed):
                found += await self._read_history(place, followed, after=cursor or start)
        return found

    async def _read_history(self, place: Place, followed: Followed, after: int) -> int:
        # Oldest first, so the cursor (written with the rows) covers exactly what was read.
        found = 0
        async for message in place.history(
            limit=None, after=discord.Object(after), oldest_first=True
        ):
            found += self._see(message, followed, move_cursor=True)
        self._schedule_write()
        return found


async def places_of(channel: discord.ForumChannel | discord.TextChannel) -> list[Place]:
    """Where a cohort's messages are written: its threads (open and archived), and a text channel.

    The cache holds the open threads; a thread archived while the bot was away
    is only in the archived listing.
    """
    places: dict[int, Place] = {thread.id: thread for thread in channel.threads}
    if isinstance(channel, discord.TextChannel):
        places[channel.id] = channel
    async for thread in channel.archived_threads(limit=None):
        places.setdefault(thread.id, thread)
    return list(places.values())


def nothing_new(place: Place, cursor: int | None, followed: Followed) -> bool:
    """True when reading the place's history could not find a message to count.

    Saves a request per thread at each start: most threads have nothing new.
    """
    newest = place.last_message_id
    if cursor is not None and newest is not None and newest <= cursor:
        return True
    return (
        isinstance(place, discord.Thread)
        and place.archived
        and place.archive_timestamp < followed.counts_from
    )


WRITTEN = discord.MessageType.default
REPLIED = discord.MessageType.reply


def facts_of(message: discord.Message, followed: Followed) -> MessageFacts | None:
    """What the rules need to know about a message; None for what nobody wrote.

    System notices ("started a thread", pins, joins) are nobody's writing. An
    author who is a User rather than a Member has left the server: no role, so
    no learner. The one object built per message (the hot path).
    """
    author = message.author
    kind = message.type  # compared by identity: hashing an Enum member is slow (hot path)
    if (kind is not WRITTEN and kind is not REPLIED) or not isinstance(author, discord.Member):
        return None
    channel = message.channel
    replied = message.reference.resolved if message.reference is not None else None
    return MessageFacts(
        message.id,
        author.id,
        author.get_role(followed.learner_role_id) is not None,
        channel.id,
        channel.owner_id if isinstance(channel, discord.Thread) else None,
        replied.author.id if isinstance(replied, discord.Message) else None,
    )


def _log_failure(writer: asyncio.Task[None]) -> None:
    if not writer.cancelled() and (error := writer.exception()) is not None:
        log.error("participation not written yet; kept for the next write", exc_info=error)
