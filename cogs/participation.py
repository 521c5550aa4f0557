"""Participation: reports, export, chart, excusals, nudges, the digest, progress, reminder choices.

Counting is cogs/tracking.py; the rules and the words are bot/participation.py.
"""

from __future__ import annotations

import asyncio
import io
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.permissions import is_learner
from bot.chart import heatmap_png
from bot.cohort import Cohort
from bot.errors import NotFound
from bot.features.participation import ParticipationFeature, set_reminders
from bot.participation import Learner, Report, week_summary
from cogs._common import CohortName, guild_of, instructor_cohort, staff_group
from cogs._platform import DiscordPlatform

if TYPE_CHECKING:
    from bot.app.client import CohortBot

Week = app_commands.Range[int, 1, 52]


def learners_of(guild: discord.Guild, cohort: Cohort) -> list[Learner]:
    """The members holding the cohort's learner role, whether or not they ever wrote."""
    role = guild.get_role(cohort.learner_role_id)
    members = role.members if role else []
    return [Learner(m.id, m.display_name, m.mention) for m in members if not m.bot]


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "cohort"


class Participation(commands.Cog):
    participation = staff_group("participation", "Who is taking part in a cohort (instructors)")
    reminders = app_commands.Group(name="reminders", description="Your nudges and reminder DMs")

    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        self.drawing = asyncio.Lock()
        self.feature = ParticipationFeature(
            DiscordPlatform(bot), bot.store, bot.library, bot.clock, bot.tracker.flush
        )
        self.feature.register(bot.deliveries)

    # -- building reports ----------------------------------------------------------------

    async def report(
        self, cohort: Cohort, *, week: int | None = None, member: discord.Member | None = None
    ) -> Report:
        """The cohort's learners (or one of them) for every week, or for one week."""
        learner = Learner(member.id, member.display_name, member.mention) if member else None
        return await self.feature.report(cohort, week=week, learner=learner)

    def require_learner(self, member: discord.Member | discord.User, cohort: Cohort) -> None:
        if not is_learner(member, cohort):
            raise NotFound(f"{member.display_name} is not a learner in {cohort.name}.")

    # -- instructors' commands -----------------------------------------------------------

    @participation.command(
        name="summary", description="One week: each learner's counts and status, and who is behind"
    )
    @app_commands.describe(cohort="The cohort", week="Which week (default: the week in progress)")
    async def summary(
        self, interaction: discord.Interaction, cohort: CohortName, week: Week | None = None
    ) -> None:
        found = await instructor_cohort(self.bot, interaction, cohort)
        shown = self.feature.week_to_show(found, week)
        result = week_summary(await self.report(found, week=shown), shown)
        embed = discord.Embed(title=f"Participation: {found.name}", description=result.text)
        files = []
        if result.full is not None:  # too many learners for a message: everyone is in the file
            data = io.BytesIO(result.full.encode("utf-8"))
            files.append(discord.File(data, filename=f"participation-week-{shown}.txt"))
        await interaction.response.send_message(embed=embed, files=files, ephemeral=True)

    @participation.command(
        name="learner", description="One learner's weeks: counts, status, what is left"
    )
    @app_commands.describe(cohort="The cohort", member="The learner")
    async def learner(
        self, interaction: discord.Interaction, cohort: CohortName, member: discord.Member
    ) -> None:
        found = await instructor_cohort(self.bot, interaction, cohort)
        self.require_learner(member, found)
        embed = await self.progress_embed(found, member)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @participation.command(
        name="export",
        description="A CSV of every learner: each week's posts, replies, status; completed",
    )
    @app_commands.describe(cohort="The cohort")
    async def export(self, interaction: discord.Interaction, cohort: CohortName) -> None:
        found = await instructor_cohort(self.bot, interaction, cohort)
        csv_text, said = await self.feature.export(found)
        data = io.BytesIO(csv_text.encode("utf-8-sig"))  # the BOM: Excel reads UTF-8
        await interaction.response.send_message(
            said,
            file=discord.File(data, filename=f"participation-{slug(found.name)}.csv"),
            ephemeral=True,
        )

    @participation.command(
        name="chart", description="A heatmap of learners by weeks, coloured by status"
    )
    @app_commands.describe(cohort="The cohort")
    async def chart(self, interaction: discord.Interaction, cohort: CohortName) -> None:
        found = await instructor_cohort(self.bot, interaction, cohort)
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await self.report(found)
        # Drawing takes a fraction of a second: in a worker thread, so the bot keeps
        # answering; one chart at a time, as matplotlib's font cache is shared.
        async with self.drawing:
            png = await asyncio.to_thread(heatmap_png, report, f"Participation: {found.name}")
        await interaction.followup.send(
            file=discord.File(io.BytesIO(png), filename=f"participation-{slug(found.name)}.png"),
            ephemeral=True,
        )

    @participation.command(
        name="excuse", description="Excuse a learner for a week: it counts as met"
    )
    @app_commands.describe(cohort="The cohort", member="The learner", week="The week to excuse")
    async def excuse(
        self,
        interaction: discord.Interaction,
        cohort: CohortName,
        member: discord.Member,
        week: Week,
    ) -> None:
        found = await instructor_cohort(self.bot, interaction, cohort)
        self.require_learner(member, found)
        learner = Learner(member.id, member.display_name, member.mention)
        answer = await self.feature.excuse(found, learner, week, interaction.user.id)
        await interaction.response.send_message(answer, ephemeral=True)

    @participation.command(
        name="nudge", description="DM the learners behind this week a kind nudge, now"
    )
    @app_commands.describe(cohort="The cohort")
    async def nudge_now(self, interaction: discord.Interaction, cohort: CohortName) -> None:
        found = await instructor_cohort(self.bot, interaction, cohort)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send(await self.feature.nudge_now(found), ephemeral=True)

    # -- learners' commands --------------------------------------------------------------

    @app_commands.command(
        name="progress",
        description="Your own participation: your weeks, and what is left this week",
    )
    @app_commands.describe(cohort="Which of your cohorts (default: all of them)")
    async def progress(
        self, interaction: discord.Interaction, cohort: CohortName | None = None
    ) -> None:
        user = interaction.user
        guild = guild_of(interaction)
        learning = [
            c for c in await self.bot.store.cohorts.in_guild(guild.id) if is_learner(user, c)
        ]
        named = await self.bot.store.cohorts.by_name(guild.id, cohort) if cohort else None
        learner = Learner(user.id, user.display_name, user.mention)
        shown = await self.feature.my_progress(learner, cohort, named, learning)
        embeds = [discord.Embed(title=title, description=text) for title, text in shown]
        await interaction.response.send_message(embeds=embeds, ephemeral=True)

    async def progress_embed(self, cohort: Cohort, member: discord.Member) -> discord.Embed:
        text = await self.feature.progress(
            cohort, Learner(member.id, member.display_name, member.mention)
        )
        return discord.Embed(title=f"{member.display_name} in {cohort.name}", description=text)

    @reminders.command(name="off", description="No more nudges or reminder DMs from me")
    async def reminders_off(self, interaction: discord.Interaction) -> None:
        answer = await set_reminders(self.bot.store, self.bot.clock, interaction.user.id, False)
        await interaction.response.send_message(answer, ephemeral=True)

    @reminders.command(name="on", description="Nudges and reminder DMs again")
    async def reminders_on(self, interaction: discord.Interaction) -> None:
        answer = await set_reminders(self.bot.store, self.bot.clock, interaction.user.id, True)
        await interaction.response.send_message(answer, ephemeral=True)


async def setup(bot: CohortBot) -> None:
    await bot.add_cog(Participation(bot))
