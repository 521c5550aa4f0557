"""The session posts the timetable delivers (announcement, reminders, "starting now"),
the DMs that go with them, and corrections to an announcement already posted."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.app.posting import channel_named, embed_for, fetched_place, publish
from bot.cohort import Cohort, Delivery
from bot.features.course_files import corrections
from bot.features.fanout import FanoutResult
from bot.features.modules import notices_place
from bot.features.sessions import SessionDeliveries
from bot.participation import Learner
from bot.render import Post
from bot.timetable import CohortSession
from cogs._platform import DiscordPlatform

if TYPE_CHECKING:
    from bot.app.client import CohortBot

log = logging.getLogger(__name__)

Place = discord.TextChannel | discord.Thread


class SessionPosts:
    """Registers the shared delivery handlers for session items (``bot.features.sessions``),
    and corrects what was posted; the cog and its helpers share it."""

    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        self.shared = SessionDeliveries(DiscordPlatform(bot), bot.store, bot.clock)
        self.shared.register(bot.deliveries)

    async def announcements(self, cohort: Cohort) -> discord.abc.GuildChannel | discord.Thread:
        """Where session posts go: the announcements channel, else the cohort's forum."""
        return await channel_named(self.bot, notices_place(cohort))

    async def members(self, cohort: Cohort, user_ids: list[int]) -> list[Learner]:
        """The cohort's server members with these ids (someone who left is skipped)."""
        return await self.shared.platform.people(cohort, user_ids)

    async def dm(self, cohort: Cohort, key: str, people: list[Learner], post: Post) -> FanoutResult:
        """Each person once per ``key``; closed DMs are counted, never named in public."""
        return await self.shared.dm(cohort, key, people, post)

    async def notice(self, cohort: Cohort, post: Post, what: str) -> None:
        await publish(await self.announcements(cohort), post, f"{cohort.marker} · {what}")

    async def announcement_row(self, cohort: Cohort, session: CohortSession) -> Delivery | None:
        """The session's announcement, if it has been posted."""
        row = await self.bot.store.deliveries.get(cohort.id, f"announce:{session.key}")
        return row if row and row.channel_id and row.message_id else None

    async def update_announcement(self, cohort: Cohort, session: CohortSession, post: Post) -> bool:
        """Rewrite the posted announcement so scrolling up never shows a stale time.

        False when it was never posted (nothing to correct, nobody to tell).
        """
        row = await self.announcement_row(cohort, session)
        if row is None or row.channel_id is None or row.message_id is None:
            return False
        try:
            channel = await self.place(row.channel_id)
            if channel is not None:
                message = channel.get_partial_message(row.message_id)
                await message.edit(embed=embed_for(post, row.marker()))
        except discord.HTTPException as error:
            log.warning("could not update the announcement of %s: %s", session.key, error)
        return True

    async def place(self, channel_id: int) -> Place | None:
        """A channel or thread the bot posted in, fetched when not cached (an archived
        thread is not); None if it is gone or not a place to post."""
        return await fetched_place(self.bot, channel_id)

    async def correct(
        self, cohort: Cohort, changed: list[tuple[CohortSession | None, CohortSession]]
    ) -> None:
        """A course file moved or cancelled sessions (``/course reload``): correct what was posted."""
        for shown, post, notice, what in corrections(changed):
            if await self.update_announcement(cohort, shown, post):
                await self.notice(cohort, notice, what)
