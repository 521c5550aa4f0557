"""/mydata and /forgetme: what the bot keeps about you, and erasing it."""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.tree import report
from bot.errors import NotAllowed

if TYPE_CHECKING:
    from bot.app.client import CohortBot

EXPLAINED = {
    "activity": "messages you wrote in course channels (when, where, whether a reply — never the text)",
    "excusals": "weeks an instructor excused you from",
    "learner_prefs": "your reminder choice",
    "delivery_recipients": "nudges and reminders sent to you by DM",
}


def describe(found: dict[str, list[dict[str, object]]]) -> str:
    if not found:
        return "I keep nothing about you."
    lines = ["This is everything I keep about you:"]
    for table, rows in found.items():
        lines.append(f"• {len(rows)} × {EXPLAINED.get(table, table)}")
    lines.append("The attached file has every row. `/forgetme` erases all of it.")
    return "\n".join(lines)


class ForgetMe(discord.ui.View):
    """A confirmation only the person who asked can press."""

    def __init__(self, bot: CohortBot, user_id: int) -> None:
        super().__init__(timeout=120)
        self.bot = bot
        self.user_id = user_id

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.user_id:
            await report(interaction, NotAllowed("Only the person who asked can confirm this."))
            return False
        return True

    @discord.ui.button(label="Erase my data", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await self.bot.tracker.flush()  # nothing of theirs may be written after this
        removed = await self.bot.store.learners.forget(self.user_id)
        self.stop()
        await interaction.response.edit_message(
            content=f"Done: {removed} records about you were erased.", view=None
        )

    @discord.ui.button(label="Keep it", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.stop()
        await interaction.response.edit_message(content="Nothing was erased.", view=None)


class Privacy(commands.Cog):
    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot

    @app_commands.command(name="mydata", description="See everything the bot keeps about you")
    async def mydata(self, interaction: discord.Interaction) -> None:
        await self.bot.tracker.flush()
        found = await self.bot.store.learners.everything_about(interaction.user.id)
        raw = json.dumps(found, indent=2, default=str).encode("utf-8")
        await interaction.response.send_message(
            describe(found),
            file=discord.File(io.BytesIO(raw), filename="my-data.json"),
            ephemeral=True,
        )

    @app_commands.command(name="forgetme", description="Erase everything the bot keeps about you")
    async def forgetme(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            "This erases your participation records and preferences in every cohort, for good. "
            "Instructors will no longer see your past activity. Continue?",
            view=ForgetMe(self.bot, interaction.user.id),
            ephemeral=True,
        )


async def setup(bot: CohortBot) -> None:
    await bot.add_cog(Privacy(bot))
