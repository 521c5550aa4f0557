"""Weekly module posts, the course's closing posts, and /module preview and post."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.archive import archive_cohort
from bot.app.deliveries import Job, Sent
from bot.app.posting import channel_named, embed_for, find_published, publish
from bot.cohort import DeliveryState
from bot.errors import InvalidInput, UserError
from bot.render import Post, consultation_post, jump_url, module_post, wrapup_post
from cogs._assignment_buttons import close_hand_ins, submit_view
from cogs._common import CohortName, instructor_cohort, plans_of, staff_group

if TYPE_CHECKING:
    from bot.app.client import CohortBot
    from bot.cohort import Cohort


class Modules(commands.Cog):
    module = staff_group("module", "The weekly module posts")

    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        runner = bot.deliveries
        runner.handle("module", self.post_module, self.find_post)
        runner.handle("wrapup", self.post_wrapup, self.find_post)
        runner.handle("consultation", self.post_consultation, self.find_post)
        runner.handle("archive", self.archive)

    # -- deliveries -------------------------------------------------------------------

    async def week_post(
        self, cohort: Cohort, week: int, late_since: datetime | None = None
    ) -> Post:
        """Week ``week``'s post for this cohort, saying what meets the week in it."""
        course = self.bot.library.get(cohort.course_id)
        options = (await plans_of(self.bot, cohort))[week].options
        calendar = cohort.calendar(course)
        return module_post(course, calendar, week, late_since=late_since, options=options)

    async def post_module(self, job: Job) -> Sent:
        assert job.delivery.week is not None
        channel = await channel_named(self.bot, job.cohort.channel_id)
        late_since = job.delivery.due if job.late else None
        post = await self.week_post(job.cohort, job.delivery.week, late_since)
        view = self.week_view(job.cohort, job.delivery.week)
        return await publish(
            channel, post, job.delivery.marker(), tag=f"Week {job.delivery.week}", view=view
        )

    def week_view(self, cohort: Cohort, week: int) -> discord.ui.View | None:
        """**Submit assignment** under a week that sets one."""
        course = self.bot.library.get(cohort.course_id)
        return submit_view(cohort.id, week) if course.week(week).assignment else None

    async def find_post(self, job: Job) -> Sent | None:
        assert job.delivery.claimed_at is not None
        channel_id = job.cohort.channel_id
        if job.delivery.kind != "module":
            channel_id = job.cohort.announcements_channel_id or channel_id
        channel = await channel_named(self.bot, channel_id)
        return await find_published(channel, job.delivery.marker(), job.delivery.claimed_at)

    async def _notice(self, job: Job, post: Post) -> Sent:
        cohort = job.cohort
        channel = await channel_named(
            self.bot, cohort.announcements_channel_id or cohort.channel_id
        )
        return await publish(channel, post, job.delivery.marker())

    async def post_wrapup(self, job: Job) -> Sent:
        return await self._notice(job, wrapup_post(job.course, job.cohort.calendar(job.course)))

    async def post_consultation(self, job: Job) -> Sent:
        sent = await self._notice(
            job, consultation_post(job.course, job.cohort.calendar(job.course))
        )
        await close_hand_ins(self.bot, job.cohort)  # the buttons now say hand-ins closed
        return sent

    async def archive(self, job: Job) -> Sent:
        """Lock and archive every thread the cohort's posts opened."""
        closed = await archive_cohort(self.bot, self.bot.store, job.cohort, job.now)
        return Sent(note=f"archived {closed} threads")

    # -- commands ---------------------------------------------------------------------

    async def _week(
        self, interaction: discord.Interaction, cohort_name: str, week: int
    ) -> tuple[Cohort, int]:
        cohort = await instructor_cohort(self.bot, interaction, cohort_name)
        course = self.bot.library.get(cohort.course_id)
        if not any(w.number == week for w in course.weeks):
            raise InvalidInput(f"{course.title} has weeks 1 to {len(course.weeks)}, not {week}")
        return cohort, week

    @module.command(
        name="preview", description="See a week's post exactly as it will appear (only you)"
    )
    @app_commands.describe(cohort="The cohort", week="Week number")
    async def preview(
        self,
        interaction: discord.Interaction,
        cohort: CohortName,
        week: app_commands.Range[int, 1, 52],
    ) -> None:
        found, number = await self._week(interaction, cohort, week)
        post = await self.week_post(found, number)
        embeds = [embed_for(post, f"{found.marker} · module:{number}")]
        embeds += [discord.Embed(description=more) for more in post.more]
        await interaction.response.send_message(
            content=f"Preview of the **{post.title}** post for {found.name}:",
            embeds=embeds[:10],
            ephemeral=True,
        )

    @module.command(
        name="post", description="Post a week's module now instead of at its scheduled time"
    )
    @app_commands.describe(
        cohort="The cohort", week="Week number", repost="Post again even if already posted"
    )
    async def post(
        self,
        interaction: discord.Interaction,
        cohort: CohortName,
        week: app_commands.Range[int, 1, 52],
        repost: bool = False,
    ) -> None:
        found, number = await self._week(interaction, cohort, week)
        await interaction.response.defer(ephemeral=True, thinking=True)
        key = f"module:{number}"
        sent = await self.bot.deliveries.deliver_now(found, key)
        if sent is None:
            delivery = await self.bot.store.deliveries.get(found.id, key)
            assert delivery is not None
            if delivery.state is DeliveryState.DONE and not repost:
                link = jump_url(
                    found.guild_id, delivery.channel_id or found.channel_id, delivery.message_id
                )
                await interaction.followup.send(
                    f"Week {number} is already posted: {link}. Use `repost: True` to post it again.",
                    ephemeral=True,
                )
                return
            if delivery.state is DeliveryState.PENDING:
                # it failed just now: the runner has told the instructor
                raise UserError(f"I could not post week {number}: {delivery.note}")
            sent = await self.bot.deliveries.send_again(found, key)
        link = jump_url(found.guild_id, sent.channel_id or found.channel_id, sent.message_id)
        await interaction.followup.send(f"Posted week {number}: {link}", ephemeral=True)
        await self.bot.reschedule()


async def setup(bot: CohortBot) -> None:
    await bot.add_cog(Modules(bot))
