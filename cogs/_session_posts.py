"""The session posts the timetable delivers (announcement, reminders, "starting now"),
the DMs that go with them, and corrections to an announcement already posted."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.app.posting import channel_named, fetched_place
from bot.cohort import Cohort
from bot.features import session_changes as changes
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

    async def place(self, channel_id: int) -> Place | None:
        """A channel or thread the bot posted in, fetched when not cached (an archived
        thread is not); None if it is gone or not a place to post."""
        return await fetched_place(self.bot, channel_id)

    async def correct(
        self,
        cohort: Cohort,
        changed: list[tuple[CohortSession | None, CohortSession]],
        *,
        by_hand: bool = False,
    ) -> None:
        """Sessions moved or cancelled, by hand or by a course file (``/course reload``):
        correct what was posted (``session_changes.tell``)."""
        await changes.tell(self.shared.platform, self.bot.store, cohort, changed, by_hand=by_hand)
