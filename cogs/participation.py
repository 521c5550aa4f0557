"""Participation: reports, nudges, the instructor digest (counting is cogs/tracking.py)."""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.deliveries import Job, Sent
from bot.app.fanout import send_dms
from bot.app.permissions import is_learner, require_instructor
from bot.chart import heatmap_png
from bot.cohort import Cohort, CohortState
from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.localtime import discord_timestamp
from bot.participation import Report, export_csv, learner_text, left_this_week, summary_text
from bot.render import jump_url
from cogs._common import CohortName, find_cohort, guild_of
from cogs._reports import cohort_report

if TYPE_CHECKING:
    from bot.app.client import CohortBot

log = logging.getLogger(__name__)


class Participation(commands.Cog):
    participation = app_commands.Group(name="participation", description="Who is taking part")
    reminders = app_commands.Group(name="reminders", description="Your reminders and nudges")

    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        bot.deliveries.handle("nudge", self.nudge_due)
        bot.deliveries.handle("digest", self.digest_due)
        bot.deliveries.handle("purge", self.purge_due)

    # -- deliveries -------------------------------------------------------------------

    async def _report(self, cohort: Cohort) -> Report:
        guild = self.bot.get_guild(cohort.guild_id)
        if guild is None:
            raise NotFound(f"I am no longer in the server of cohort {cohort.name}")
        await self.bot.tracker.flush()  # what was counted a moment ago is in the report
        report, _ = await cohort_report(self.bot, cohort, guild)
        return report

    async def nudge_due(self, job: Job) -> Sent:
        assert job.delivery.week is not None
        return Sent(note=await self.nudge(job.cohort, job.delivery.week, job.delivery.key))

    async def nudge(self, cohort: Cohort, week: int, key: str) -> str:
        """A kind DM to each learner behind this week who has not opted out."""
        report = await self._report(cohort)
        course = self.bot.library.get(cohort.course_id)
        closes = cohort.calendar(course).week(week).closes
        post = await self.bot.store.deliveries.get(cohort.id, f"module:{week}")
        link = (
            jump_url(cohort.guild_id, post.channel_id, post.message_id)
            if post and post.channel_id
            else f"<#{cohort.channel_id}>"
        )
        opted_out = await self.bot.store.learners.reminders_off()
        behind = {
            r.learner.user_id: r for r in report.behind(week) if r.learner.user_id not in opted_out
        }
        guild = self.bot.get_guild(cohort.guild_id)
        members = [m for uid in behind if guild and (m := guild.get_member(uid))]

        def message(user: discord.User | discord.Member) -> dict[str, str]:
            left = left_this_week(behind[user.id], report.requirement, week)
            return {
                "content": (
                    f"Hi {user.display_name}! A friendly note from **{course.title}**: week {week} "
                    f"closes {discord_timestamp(closes, 'R')}. {left} "
                    f"The week's discussion is here: {link}\n"
                    "(Prefer no nudges? Use `/reminders off`.)"
                )
            }

        result = await send_dms(self.bot.store, self.bot.clock, cohort.id, key, members, message)
        summary = f"Week {week} nudges: {result.summary()}."
        await self.bot.tell_instructors(cohort, summary)
        return summary

    async def digest_due(self, job: Job) -> Sent:
        assert job.delivery.week is not None
        report = await self._report(job.cohort)
        week = job.delivery.week
        silent = [r.learner.name for r in report.silent()]
        text = summary_text(report, week, limit=1800)
        if silent:
            text += f"\n**Not posted at all ({len(silent)}):** {', '.join(silent)}"
        await self.bot.tell_instructors(job.cohort, f"Weekly digest\n{text}"[:1900])
        return Sent(note="digest sent")

    async def purge_due(self, job: Job) -> Sent:
        removed = await self.bot.store.learners.purge_cohort(job.cohort.id)
        return Sent(note=f"purged {removed} participation rows")

    # -- commands ---------------------------------------------------------------------

    async def _instructor_cohort(self, interaction: discord.Interaction, name: str) -> Cohort:
        cohort = await find_cohort(self.bot, interaction, name)
        require_instructor(interaction.user, cohort)
        return cohort

    def _week(self, report: Report, week: int | None) -> int:
        chosen = week or report.current_week or 1
        if not 1 <= chosen <= report.weeks:
            raise InvalidInput(f"this course has weeks 1 to {report.weeks}, not {chosen}")
        return chosen

    @participation.command(
        name="summary", description="Learners by week: counts, status, who is behind"
    )
    @app_commands.describe(cohort="The cohort", week="Which week (default: this week)")
    async def summary(
        self, interaction: discord.Interaction, cohort: CohortName, week: int | None = None
    ) -> None:
        found = await self._instructor_cohort(interaction, cohort)
        report = await self._report(found)
        text = summary_text(report, self._week(report, week))
        embed = discord.Embed(title=f"Participation — {found.name}", description=text)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @participation.command(name="learner", description="One learner's participation, week by week")
    @app_commands.describe(cohort="The cohort", member="The learner")
    async def learner(
        self, interaction: discord.Interaction, cohort: CohortName, member: discord.Member
    ) -> None:
        found = await self._instructor_cohort(interaction, cohort)
        report = await self._report(found)
        row = next((r for r in report.learners if r.learner.user_id == member.id), None)
        if row is None:
            raise NotFound(f"{member.display_name} is not a learner in {found.name}")
        text = learner_text(row, report.requirement, report.current_week)
        await interaction.response.send_message(text, ephemeral=True)

    @participation.command(
        name="export", description="A CSV of every learner: posts, replies, status, completion"
    )
    @app_commands.describe(cohort="The cohort")
    async def export(self, interaction: discord.Interaction, cohort: CohortName) -> None:
        found = await self._instructor_cohort(interaction, cohort)
        report = await self._report(found)
        data = io.BytesIO(export_csv(report).encode("utf-8"))
        name = f"participation-{found.name.lower().replace(' ', '-')}.csv"
        await interaction.response.send_message(
            f"Participation for {found.name}: {len(report.learners)} learners.",
            file=discord.File(data, filename=name),
            ephemeral=True,
        )

    @participation.command(name="chart", description="A heatmap of learners by weeks")
    @app_commands.describe(cohort="The cohort")
    async def chart(self, interaction: discord.Interaction, cohort: CohortName) -> None:
        found = await self._instructor_cohort(interaction, cohort)
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await self._report(found)
        png = heatmap_png(report, f"Participation — {found.name}")
        await interaction.followup.send(
            file=discord.File(io.BytesIO(png), filename="participation.png"), ephemeral=True
        )

    @participation.command(name="excuse", description="Excuse a learner for a week (counts as met)")
    @app_commands.describe(cohort="The cohort", member="The learner", week="The week to excuse")
    async def excuse(
        self,
        interaction: discord.Interaction,
        cohort: CohortName,
        member: discord.Member,
        week: int,
    ) -> None:
        found = await self._instructor_cohort(interaction, cohort)
        weeks = len(self.bot.library.get(found.course_id).weeks)
        if not 1 <= week <= weeks:
            raise InvalidInput(f"this course has weeks 1 to {weeks}, not {week}")
        if not is_learner(member, found):
            raise NotFound(f"{member.display_name} is not a learner in {found.name}")
        now = self.bot.clock.now()
        await self.bot.store.learners.excuse(found.id, member.id, week, interaction.user.id, now)
        await interaction.response.send_message(
            f"{member.display_name} is excused for week {week} of {found.name}.", ephemeral=True
        )

    @participation.command(name="nudge", description="Nudge learners who are behind this week, now")
    @app_commands.describe(cohort="The cohort")
    async def nudge_now(self, interaction: discord.Interaction, cohort: CohortName) -> None:
        found = await self._instructor_cohort(interaction, cohort)
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await self._report(found)
        week = self._week(report, None)
        key = f"nudge-now:{week}:{self.bot.clock.now():%Y%m%dT%H%M}"
        summary = await self.nudge(found, week, key)
        await interaction.followup.send(summary, ephemeral=True)

    @app_commands.command(name="progress", description="Your own participation in your cohorts")
    async def progress(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        mine = [
            c
            for c in await self.bot.store.cohorts.in_guild(guild.id)
            if c.state != CohortState.ENDED and is_learner(interaction.user, c)
        ]
        if not mine:
            raise NotAllowed("You are not a learner in any cohort in this server.")
        parts = []
        for cohort in mine:
            report = await self._report(cohort)
            row = next(r for r in report.learners if r.learner.user_id == interaction.user.id)
            parts.append(
                f"__{cohort.name}__\n" + learner_text(row, report.requirement, report.current_week)
            )
        await interaction.response.send_message("\n\n".join(parts)[:2000], ephemeral=True)

    @reminders.command(name="off", description="No more nudges or reminder DMs from me")
    async def reminders_off(self, interaction: discord.Interaction) -> None:
        await self.bot.store.learners.set_reminders(
            interaction.user.id, False, self.bot.clock.now()
        )
        await interaction.response.send_message(
            "Done: I won't send you nudges or reminders. `/reminders on` to turn them back on.",
            ephemeral=True,
        )

    @reminders.command(name="on", description="Nudges and reminder DMs again")
    async def reminders_on(self, interaction: discord.Interaction) -> None:
        await self.bot.store.learners.set_reminders(interaction.user.id, True, self.bot.clock.now())
        await interaction.response.send_message(
            "Reminders and nudges are on again.", ephemeral=True
        )


async def setup(bot: CohortBot) -> None:
    await bot.add_cog(Participation(bot))
