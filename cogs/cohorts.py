"""/cohort and /course: create and run cohorts, reload course files."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.permissions import SEND_MESSAGES, posting_needs, require, require_instructor
from bot.cohort import Cohort, CohortState, NewCohort
from bot.errors import InvalidInput, NotAllowed, UserError
from bot.localtime import discord_timestamp, zone
from bot.render import item_label, jump_url
from bot.timetable import sessions_for
from cogs._common import CohortName, find_cohort, follow_course_files, guild_of, replan

if TYPE_CHECKING:
    from bot.app.client import CohortBot

CohortChannel = discord.ForumChannel | discord.TextChannel


def parse_start(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"start {text!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-10-13"
        ) from None


def check_can_create(
    member: discord.Member | discord.User, learner: discord.Role, instructor: discord.Role | None
) -> None:
    if not isinstance(member, discord.Member):
        raise UserError("Cohorts are created in a server.")
    if instructor is not None and (instructor == learner or instructor.is_default()):
        raise InvalidInput(
            "the instructor role must be a role of its own, not the learner role or @everyone"
        )
    if member.guild_permissions.manage_guild:
        return
    if instructor is not None and member.get_role(instructor.id) is not None:
        return
    raise NotAllowed(
        "Only members with Manage Server, or with the cohort's instructor role, can create a cohort."
    )


class Cohorts(commands.Cog):
    cohort = app_commands.Group(name="cohort", description="Create and run course cohorts")
    course = app_commands.Group(name="course", description="The course files the bot knows")

    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot

    @cohort.command(name="create", description="Start a cohort of a course in a forum channel")
    @app_commands.describe(
        course="Which course (from the course files)",
        name="A name for this cohort, e.g. 'Fall 2026'",
        start="First day, YYYY-MM-DD, in the cohort's time zone",
        forum="The forum (or text channel) where weekly modules are posted",
        learner_role="The role every learner in this cohort has",
        instructor_role="The role of this cohort's instructors (default: Manage Server only)",
        announcements="Channel for session announcements (default: the forum)",
        timezone="IANA time zone, e.g. America/Los_Angeles (default: the course's)",
    )
    async def create(
        self,
        interaction: discord.Interaction,
        course: str,
        name: app_commands.Range[str, 1, 60],
        start: str,
        forum: CohortChannel,
        learner_role: discord.Role,
        instructor_role: discord.Role | None = None,
        announcements: discord.TextChannel | None = None,
        timezone: str | None = None,
    ) -> None:
        guild = guild_of(interaction)
        check_can_create(interaction.user, learner_role, instructor_role)
        chosen = self.bot.library.get(course)
        first_day = parse_start(start)
        tz = zone(timezone or chosen.timezone)
        require(forum, posting_needs(forum))
        if announcements is not None:
            require(announcements, SEND_MESSAGES)
        new = NewCohort(
            guild_id=guild.id,
            name=name.strip(),
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
        await interaction.response.send_message(embed=await self._timetable(cohort))
        await replan(self.bot, cohort)

    async def _timetable(self, cohort: Cohort) -> discord.Embed:
        course = self.bot.library.get(cohort.course_id)
        calendar = cohort.calendar(course)
        lines = [
            f"**Course:** {course.title} · **Starts:** {cohort.start:%A %d %B %Y} ({cohort.timezone})",
            "",
        ]
        for week, window in zip(course.weeks, calendar.weeks, strict=True):
            lines.append(
                f"**Week {week.number}: {week.title}** — {discord_timestamp(window.opens)}"
                f" ({discord_timestamp(window.opens, 'R')})"
            )
        sessions = await self.bot.store.cohorts.sessions(cohort.id)
        if sessions:
            lines += ["", "**Live sessions**"]
            lines += [
                f"• {s.title} — {discord_timestamp(s.start)} ({discord_timestamp(s.start, 'R')})"
                for s in sessions
                if not s.cancelled
            ]
        lines += [
            "",
            f"**Course ends** {discord_timestamp(calendar.ends)}",
            f"**Posts archived** {discord_timestamp(calendar.archives, 'D')}",
        ]
        return discord.Embed(title=f"Cohort {cohort.name}", description="\n".join(lines))

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

    @cohort.command(name="list", description="The cohorts in this server")
    async def list_(self, interaction: discord.Interaction) -> None:
        cohorts = await self.bot.store.cohorts.in_guild(guild_of(interaction).id)
        if not cohorts:
            await interaction.response.send_message(
                "No cohorts yet: start one with `/cohort create`.", ephemeral=True
            )
            return
        lines = [
            f"**{c.name}** — {c.course_id}, from {c.start:%d %b %Y} in <#{c.channel_id}> ({c.state})"
            for c in cohorts
        ]
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    @cohort.command(name="show", description="What a cohort has posted and what comes next")
    @app_commands.describe(cohort="The cohort")
    async def show(self, interaction: discord.Interaction, cohort: CohortName) -> None:
        found = await find_cohort(self.bot, interaction, cohort)
        deliveries = await self.bot.store.deliveries.for_cohort(found.id)
        done, upcoming, problems = [], [], []
        for d in deliveries:
            label = item_label(d.kind, d.week, d.session, d.key)
            if d.state == "done":
                link = (
                    f" — {jump_url(found.guild_id, d.channel_id, d.message_id)}"
                    if d.channel_id
                    else ""
                )
                done.append(f"✅ {label}{' (late)' if d.late else ''}{link}")
            elif d.state == "pending" and d.note:
                problems.append(
                    f"⚠️ {label}: {d.note} — retrying {discord_timestamp(d.ready_at, 'R')}"
                )
            elif d.state == "pending":
                upcoming.append(
                    f"• {label} — {discord_timestamp(d.due)} ({discord_timestamp(d.due, 'R')})"
                )
            elif d.state == "failed":
                problems.append(f"❌ {label}: {d.note}")
        lines = [f"**{found.name}** ({found.course_id}) — {found.state}"]
        if problems:
            lines += ["", "**Needs attention**", *problems]
        lines += ["", "**Posted**", *(done[-10:] or ["nothing yet"])]
        lines += ["", "**Next**", *(upcoming[:8] or ["nothing left"])]
        embed = discord.Embed(title=f"Cohort {found.name}", description="\n".join(lines)[:4096])
        await interaction.response.send_message(embed=embed, ephemeral=True)

    async def _set_state(
        self, interaction: discord.Interaction, name: str, state: CohortState
    ) -> Cohort:
        found = await find_cohort(self.bot, interaction, name)
        require_instructor(interaction.user, found)
        if found.state == CohortState.ENDED:
            raise UserError(f"{found.name} has ended; it can't be paused or resumed.")
        await self.bot.store.cohorts.set_state(found.id, state)
        await self.bot.reschedule()
        return found

    @cohort.command(name="pause", description="Stop a cohort's posts until it is resumed")
    @app_commands.describe(cohort="The cohort")
    async def pause(self, interaction: discord.Interaction, cohort: CohortName) -> None:
        found = await self._set_state(interaction, cohort, CohortState.PAUSED)
        await interaction.response.send_message(
            f"⏸️ {found.name} is paused. Nothing will be posted until `/cohort resume`.",
            ephemeral=True,
        )

    @cohort.command(
        name="resume", description="Resume a paused cohort; what was missed is posted now"
    )
    @app_commands.describe(cohort="The cohort")
    async def resume(self, interaction: discord.Interaction, cohort: CohortName) -> None:
        found = await self._set_state(interaction, cohort, CohortState.ACTIVE)
        await interaction.response.send_message(
            f"▶️ {found.name} is running again; anything missed while paused is being posted.",
            ephemeral=True,
        )

    @cohort.command(
        name="end", description="End a cohort early: no more posts, reminders or nudges"
    )
    @app_commands.describe(cohort="The cohort")
    async def end(self, interaction: discord.Interaction, cohort: CohortName) -> None:
        found = await find_cohort(self.bot, interaction, cohort)
        require_instructor(interaction.user, found)
        await self.bot.store.cohorts.set_state(found.id, CohortState.ENDED)
        skipped = await self.bot.store.deliveries.skip_pending(
            found.id, ("archive", "purge"), self.bot.clock.now(), "the cohort was ended"
        )
        await self.bot.reschedule()
        await interaction.response.send_message(
            f"⏹️ {found.name} has ended; {skipped} pending posts and reminders were cancelled. "
            "Its posts will still be archived, and its data purged, on schedule.",
            ephemeral=True,
        )

    @course.command(
        name="reload", description="Re-read the course files; a broken file keeps its old version"
    )
    async def reload(self, interaction: discord.Interaction) -> None:
        member = interaction.user
        if not (isinstance(member, discord.Member) and member.guild_permissions.manage_guild):
            raise NotAllowed("Only members with Manage Server can reload course files.")
        before = {c.id: c for c in self.bot.library.all()}
        problems = self.bot.library.reload()
        errors = [p for p in problems if p.severity == "error"]
        lines = [
            f"Loaded {len(self.bot.library.ids())} courses: {', '.join(self.bot.library.ids())}."
        ]
        if errors:
            lines += ["", "**Refused (the previous version stays in force):**"]
        lines += [f"`{p}`" for p in problems]
        await interaction.response.defer(ephemeral=True, thinking=True)
        if replanned := await follow_course_files(self.bot, before):
            lines.insert(1, f"Re-planned {replanned} running cohorts; their instructors were told.")
        await interaction.followup.send("\n".join(lines)[:2000], ephemeral=True)


async def setup(bot: CohortBot) -> None:
    await bot.add_cog(Cohorts(bot))
