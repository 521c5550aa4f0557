"""Counting participation from gateway events, with group commit and history catch-up.

The event handlers only append a small tuple to an in-memory batch; one
flush task writes everything pending in a single transaction (aiosqlite runs
it on its own thread, off the event loop), and whatever arrives meanwhile
joins the next batch. A burst of messages never waits on a disk flush per
message. The batch is flushed on shutdown; what a crash loses from it, the
history catch-up at the next start recovers, idempotently by message id.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

import discord

from bot.cohort import Cohort, CohortState
from bot.course import Course
from bot.participation import classify
from bot.store import Store
from bot.store.activity import ActivityRow
from bot.timetable import Calendar

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Tracked:
    """What the hot path needs to know about a cohort, looked up by channel id."""

    cohort_id: int
    learner_role_id: int
    calendar: Calendar


class Tracker:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._by_channel: dict[int, Tracked] = {}
        self._pending: dict[int, ActivityRow] = {}
        self._deleted: set[int] = set()
        self._flushing: asyncio.Task[None] | None = None

    def follow(self, cohorts: list[tuple[Cohort, Course]]) -> None:
        """Track these cohorts' channels (and, through them, their threads)."""
        self._by_channel = {
            cohort.channel_id: Tracked(cohort.id, cohort.learner_role_id, cohort.calendar(course))
            for cohort, course in cohorts
            if cohort.state != CohortState.ENDED
        }

    def tracked(self, channel: discord.abc.Messageable) -> Tracked | None:
        found = self._by_channel.get(getattr(channel, "id", 0))
        if found is None and isinstance(channel, discord.Thread):
            found = self._by_channel.get(channel.parent_id)
        return found

    def observe(self, message: discord.Message) -> None:
        """The hot path: decide if a message counts and queue its row. No I/O."""
        tracked = self.tracked(message.channel)
        if tracked is None or not isinstance(message.author, discord.Member):
            return
        row = row_for(message, tracked)
        if row is not None:
            self._pending[message.id] = row
            self._schedule_flush()

    def forget(self, message_ids: set[int]) -> None:
        for message_id in message_ids:
            self._pending.pop(message_id, None)
        self._deleted |= message_ids
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.get_running_loop().create_task(self.flush())

    async def flush(self) -> None:
        """Write everything pending in one transaction; loop while more arrived meanwhile."""
        while self._pending or self._deleted:
            rows, self._pending = list(self._pending.values()), {}
            deleted, self._deleted = self._deleted, set()
            await self._store.activity.apply(rows, deleted)

    async def catch_up(self, guild: discord.Guild) -> int:
        """Read every tracked channel's and thread's history after the last message seen."""
        if not guild.chunked:
            await guild.chunk()  # authors must resolve to members to know their roles
        found = 0
        for channel_id, tracked in list(self._by_channel.items()):
            channel = guild.get_channel(channel_id)
            if not isinstance(channel, discord.ForumChannel | discord.TextChannel):
                continue
            places: list[discord.TextChannel | discord.Thread] = list(channel.threads)
            if isinstance(channel, discord.TextChannel):
                places.append(channel)
            async for thread in channel.archived_threads(limit=None):
                places.append(thread)
            for place in places:
                found += await self._read_history(place, tracked)
        await self.flush()
        return found

    async def _read_history(
        self, place: discord.TextChannel | discord.Thread, tracked: Tracked
    ) -> int:
        cursor = await self._store.activity.cursor(place.id)
        after = (
            discord.Object(cursor)
            if cursor
            else tracked.calendar.weeks[0].opens - timedelta(days=7)
        )
        count = 0
        try:
            async for message in place.history(limit=None, after=after, oldest_first=True):
                if isinstance(message.author, discord.Member) and (
                    row := row_for(message, tracked)
                ):
                    self._pending[message.id] = row
                    count += 1
        except discord.Forbidden:
            log.warning("cannot read the history of %s to catch up", place.id)
        return count


COUNTED_TYPES = (discord.MessageType.default, discord.MessageType.reply)


def row_for(message: discord.Message, tracked: Tracked) -> ActivityRow | None:
    author = message.author
    assert isinstance(author, discord.Member)
    if message.type not in COUNTED_TYPES:  # "started a thread", pins, joins: not writing
        return None
    channel = message.channel
    owner = channel.owner_id if isinstance(channel, discord.Thread) else None
    replied = message.reference.resolved if message.reference else None
    kind = classify(
        author_id=author.id,
        is_learner=author.get_role(tracked.learner_role_id) is not None,
        thread_owner_id=owner,
        replied_to_id=replied.author.id if isinstance(replied, discord.Message) else None,
    )
    week = tracked.calendar.week_at(message.created_at)
    if kind is None or week is None:
        return None
    return ActivityRow(
        message.id, tracked.cohort_id, author.id, channel.id, kind, week, message.created_at
    )
