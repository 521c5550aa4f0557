"""Weekly module posts, the course's closing posts, and /module preview and post."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.posting import embed_for
from bot.features.modules import ModulePosts
from cogs._common import CohortName, instructor_cohort, staff_group
from cogs._platform import DiscordPlatform

if TYPE_CHECKING:
    from bot.app.client import CohortBot
    from bot.cohort import Cohort


class Modules(commands.Cog):
    module = staff_group("module", "The weekly module posts")

    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        self.posts = ModulePosts(DiscordPlatform(bot), bot.store, bot.library)
        self.posts.register(bot.deliveries)

    # -- commands ---------------------------------------------------------------------

    async def _week(
        self, interaction: discord.Interaction, cohort_name: str, week: int
    ) -> tuple[Cohort, int]:
        cohort = await instructor_cohort(self.bot, interaction, cohort_name)
        self.posts.require_week(cohort, week)
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
        post = await self.posts.week_post(found, number)
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
        answer = await self.posts.post_now(
            self.bot.deliveries, found, number, repost, "Use `repost: True` to post it again."
        )
        await interaction.followup.send(answer, ephemeral=True)
        await self.bot.reschedule()


async def setup(bot: CohortBot) -> None:
    await bot.add_cog(Modules(bot))
