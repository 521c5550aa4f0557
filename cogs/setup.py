"""/setup: the server's course-staff role (Manage Server only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.access import check_staff_role, require_admin
from bot.app.permissions import role_facts, standing
from cogs._common import guild_of, staff_group

if TYPE_CHECKING:
    from bot.app.client import CohortBot

SEE_COMMANDS = (
    "To let its members see the staff commands, open Server Settings → Integrations → this"
    " bot, and allow the role on `/cohort`, `/course`, `/module`, `/session`, `/recording`"
    " and `/participation`."
)


class Setup(commands.Cog):
    setup = staff_group("setup", "Set up the bot for this server (Manage Server)")

    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot

    def admin_guild(self, interaction: discord.Interaction) -> discord.Guild:
        guild = guild_of(interaction)
        require_admin(standing(interaction.user))
        return guild

    @setup.command(
        name="staff-role", description="Members with this role may create and run every cohort"
    )
    @app_commands.describe(role="The course staff's role")
    async def staff_role(self, interaction: discord.Interaction, role: discord.Role) -> None:
        guild = self.admin_guild(interaction)
        cohorts = await self.bot.store.cohorts.in_guild(guild.id)
        check_staff_role(role_facts(role), frozenset(c.learner_role_id for c in cohorts))
        await self.bot.store.guilds.set_staff_role(guild.id, role.id)
        await interaction.response.send_message(
            f"{role.mention} is now the course-staff role: its members may create cohorts,"
            f" reload course files and run every cohort here. {SEE_COMMANDS}",
            ephemeral=True,
        )

    @setup.command(name="show", description="Who counts as course staff here")
    async def show(self, interaction: discord.Interaction) -> None:
        guild = self.admin_guild(interaction)
        role_id = await self.bot.store.guilds.staff_role(guild.id)
        staff = f"members with <@&{role_id}> or" if role_id else "(no staff role set)"
        await interaction.response.send_message(
            f"Course staff: {staff} members with Manage Server."
            " A cohort's instructors are staff and members with its instructor role.",
            ephemeral=True,
        )

    @setup.command(name="clear-staff-role", description="No staff role: Manage Server only")
    async def clear_staff_role(self, interaction: discord.Interaction) -> None:
        guild = self.admin_guild(interaction)
        cleared = await self.bot.store.guilds.clear_staff_role(guild.id)
        await interaction.response.send_message(
            "The staff role is cleared: only members with Manage Server are course staff now."
            if cleared
            else "There was no staff role; nothing changed.",
            ephemeral=True,
        )


async def setup(bot: CohortBot) -> None:
    await bot.add_cog(Setup(bot))
