"""/cohort and /course: create and run cohorts, reload course files."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.access import check_cohort_roles
from bot.app.permissions import SEND_MESSAGES, posting_needs, require, role_facts
from bot.cohort import NAME_LIMIT, Cohort, CohortState, NewCohort, PlatformName, cohort_name
from bot.cohort import first_day as parse_first_day
from bot.features import cohorts as shared
from bot.localtime import zone
from bot.overview import cohort_overview, timetable_text
from bot.timetable import sessions_for
from cogs._common import (
    CohortName,
    follow_course_files,
    instructor_cohort,
    replan,
    require_staff,
    runnable_cohorts,
    staff_group,
)
from cogs._platform import DiscordPlatform
from cogs._session_events import sync_events

if TYPE_CHECKING:
    from bot.app.client import CohortBot

CohortChannel = discord.ForumChannel | discord.TextChannel


class Cohorts(commands.Cog):
    cohort = staff_group("cohort", "Create and run course cohorts")
    course = staff_group("course", "The course files the bot knows")

    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        self.platform = DiscordPlatform(bot)

    async def cog_load(self) -> None:
        # A reload from either platform re-plans this bot's cohorts (``Courses.reload``).
        self.bot.courses.follow(
            PlatformName.DISCORD, lambda before: follow_course_files(self.bot, before)
        )

    @cohort.command(name="create", description="Start a cohort of a course in a forum channel")
    @app_commands.describe(
        course="Which course (from the course files)",
        name="A name for this cohort, e.g. 'Fall 2026'",
        start="First day, YYYY-MM-DD, in the cohort's time zone",
        forum="The forum (or text channel) where weekly modules are posted",
        learner_role="The role every learner in this cohort has",
        instructor_role="The role of this cohort's instructors (default: course staff only)",
        announcements="Channel for session announcements (default: the forum)",
        timezone="IANA time zone, e.g. America/Los_Angeles (default: the course's)",
        share_in="Also post the timetable in this channel (default: only you see it)",
    )
    async def create(
        self,
        interaction: discord.Interaction,
        course: str,
        name: app_commands.Range[str, 1, NAME_LIMIT],
        start: str,
        forum: CohortChannel,
        learner_role: discord.Role,
        instructor_role: discord.Role | None = None,
        announcements: discord.TextChannel | None = None,
        timezone: str | None = None,
        share_in: discord.TextChannel | None = None,
    ) -> None:
        guild = await require_staff(self.bot, interaction)
        others = await self.bot.store.cohorts.in_guild(guild.id)
        check_cohort_roles(
            role_facts(learner_role),
            role_facts(instructor_role) if instructor_role else None,
            staff_role_id=await self.bot.store.guilds.staff_role(guild.id),
            learner_roles=frozenset(c.learner_role_id for c in others),
        )
        chosen = self.bot.library.get(course)
        first_day = parse_first_day(start)
        tz = zone(timezone or chosen.timezone)
        require(forum, posting_needs(forum))
        for channel in (announcements, share_in):
            if channel is not None:
                require(channel, SEND_MESSAGES)
        new = NewCohort(
            guild_id=guild.id,
            name=cohort_name(name),
            course_id=chosen.id,
            start=first_day,
            timezone=tz.key,
            channel_id=forum.id,
            learner_role_id=learner_role.id,
            instructor_role_id=instructor_role.id if instructor_role else None,
            announcements_channel_id=announcements.id if announcements else None,
            created_by=interaction.user.id,
        )
        now = self.bot.clock.now()
        cohort = await self.bot.store.cohorts.create(new, sessions_for(chosen, first_day, tz), now)
        # Planned before anything is sent: a failed reply or post loses no module post.
        await replan(self.bot, cohort)
        embed = await self._timetable(cohort)
        await interaction.response.send_message(
            f"Created {cohort.name}."
            + (f" Its timetable is in {share_in.mention}." if share_in else ""),
            embed=embed,
            ephemeral=True,
        )
        if share_in is not None:
            try:
                await share_in.send(embed=embed)
            except discord.HTTPException as error:
                await interaction.followup.send(
                    f"{cohort.name} is created, but I could not post the timetable in"
                    f" {share_in.mention} ({error.text or error.status}).",
                    ephemeral=True,
                )

    async def _timetable(self, cohort: Cohort) -> discord.Embed:
        course = self.bot.library.get(cohort.course_id)
        sessions = await self.bot.store.cohorts.sessions(cohort.id)
        text = timetable_text(cohort, course, sessions)
        return discord.Embed(title=f"Cohort {cohort.name}", description=text[:4096])

    @create.autocomplete("course")
    async def _course_names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        needle = current.lower()
        return [
            app_commands.Choice(name=f"{c.title} ({c.id})"[:100], value=c.id)
            for c in self.bot.library.all()
            if needle in c.id.lower() or needle in c.title.lower()
        ][:25]

    @cohort.command(name="list", description="The cohorts in this server that you run")
    async def list_(self, interaction: discord.Interaction) -> None:
        cohorts = await runnable_cohorts(self.bot, interaction)  # staff: all of them
        text = await shared.listing(self.platform, cohorts)
        await interaction.response.send_message(text, ephemeral=True)

    @cohort.command(name="show", description="What a cohort has posted and what comes next")
    @app_commands.describe(cohort="The cohort")
    async def show(self, interaction: discord.Interaction, cohort: CohortName) -> None:
        found = await instructor_cohort(self.bot, interaction, cohort)
        deliveries = await self.bot.store.deliveries.for_cohort(found.id)
        embed = discord.Embed(
            title=f"Cohort {found.name}", description=cohort_overview(found, deliveries)
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    async def _set_state(
        self, interaction: discord.Interaction, name: str, state: CohortState
    ) -> None:
        found = await instructor_cohort(self.bot, interaction, name)
        answer = await shared.pause_or_resume(self.bot.store, found, state)
        await self.bot.reschedule()
        await interaction.response.send_message(answer, ephemeral=True)

    @cohort.command(name="pause", description="Stop a cohort's posts until it is resumed")
    @app_commands.describe(cohort="The cohort")
    async def pause(self, interaction: discord.Interaction, cohort: CohortName) -> None:
        await self._set_state(interaction, cohort, CohortState.PAUSED)

    @cohort.command(
        name="resume", description="Resume a paused cohort; what was missed is posted now"
    )
    @app_commands.describe(cohort="The cohort")
    async def resume(self, interaction: discord.Interaction, cohort: CohortName) -> None:
        await self._set_state(interaction, cohort, CohortState.ACTIVE)

    @cohort.command(
        name="end", description="End a cohort early: no more posts, reminders or nudges"
    )
    @app_commands.describe(cohort="The cohort")
    async def end(self, interaction: discord.Interaction, cohort: CohortName) -> None:
        found = await instructor_cohort(self.bot, interaction, cohort)
        answer = await shared.end(self.bot.store, self.bot.clock, found)
        await self.bot.reschedule()
        await interaction.response.send_message(answer, ephemeral=True)
        await sync_events(self.bot, replace(found, state=CohortState.ENDED))  # none to come

    @course.command(
        name="reload", description="Re-read the course files; a broken file keeps its old version"
    )
    async def reload(self, interaction: discord.Interaction) -> None:
        await require_staff(self.bot, interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        reloaded = await self.bot.courses.reload(self.bot.store)  # Slack's cohorts too
        lines = self.bot.courses.answer(reloaded)
        await interaction.followup.send("\n".join(lines)[:2000], ephemeral=True)


async def setup(bot: CohortBot) -> None:
    await bot.add_cog(Cohorts(bot))
