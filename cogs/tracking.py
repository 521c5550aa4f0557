"""Counting participation: gateway events in, rows in the store (see ``bot/app/tracker.py``)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.cohort import Cohort, PlatformName
from bot.course import Course
from bot.errors import NotFound
from bot.tracking import followed_channels

if TYPE_CHECKING:
    from bot.app.client import CohortBot

log = logging.getLogger(__name__)


class Tracking(commands.Cog):
    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        self.tracker = bot.tracker

    async def cog_load(self) -> None:
        await self.follow_cohorts()

    async def cog_unload(self) -> None:
        await self.tracker.flush()  # nothing counted is left in memory

    @commands.Cog.listener()
    async def on_cohorts_changed(self) -> None:
        await self.follow_cohorts()

    async def follow_cohorts(self) -> None:
        self.tracker.follow(followed_channels(await self._cohorts_and_courses()))
        if self.bot.is_ready():  # a new cohort: read what its channel already holds
            await self.catch_up()

    async def _cohorts_and_courses(self) -> list[tuple[Cohort, Course]]:
        pairs = []
        served = self.bot.served
        for cohort in await self.bot.store.cohorts.all():
            if cohort.platform != PlatformName.DISCORD:
                continue  # another platform's adapter counts its cohorts
            if served is not None and not served.owns_guild(cohort.guild_id):
                continue  # another process hears that guild
            try:
                pairs.append((cohort, self.bot.library.get(cohort.course_id)))
            except NotFound:
                log.warning("cohort %s: course %s is not loaded", cohort.id, cohort.course_id)
        return pairs

    async def catch_up(self) -> None:
        counted = await self.tracker.catch_up(self.bot, self.bot.clock.now())
        if counted:
            log.info("caught up: %d messages counted from the channels' history", counted)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        self.tracker.observe(message)

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        self.tracker.forget_messages({payload.message_id})

    @commands.Cog.listener()
    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        self.tracker.forget_messages(payload.message_ids)

    @commands.Cog.listener()
    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        self.tracker.forget_thread(payload.thread_id, payload.parent_id)

    @commands.Cog.listener()
    async def on_disconnect(self) -> None:
        self.tracker.connection_lost()

    @commands.Cog.listener()
    async def on_resumed(self) -> None:
        self.tracker.connection_resumed()

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # Also dispatched after a reconnect that could not resume: events were lost.
        self.tracker.session_started()
        await self.catch_up()


async def setup(bot: CohortBot) -> None:
    await bot.add_cog(Tracking(bot))
