"""/mydata and /forgetme: what the bot keeps about you, and erasing it."""

from __future__ import annotations

import io
import json
import re
from typing import TYPE_CHECKING, Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.tree import reported
from bot.errors import NotAllowed
from bot.features.privacy import in_words
from bot.vocabulary import DISCORD

if TYPE_CHECKING:
    from bot.app.client import CohortBot


class ForgetButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"forgetme:(?P<action>erase|keep):(?P<user>\d+)",
):
    """A confirmation button that works for the person who asked, and only for them.

    Its custom id names that person, so it keeps working after a restart.
    """

    LOOKS: ClassVar[dict[str, tuple[str, discord.ButtonStyle]]] = {
        "erase": ("Erase my data", discord.ButtonStyle.danger),
        "keep": ("Keep it", discord.ButtonStyle.secondary),
    }

    def __init__(self, action: str, user_id: int) -> None:
        label, style = self.LOOKS[action]
        super().__init__(
            discord.ui.Button(label=label, style=style, custom_id=f"forgetme:{action}:{user_id}")
        )
        self.action, self.user_id = action, user_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ForgetButton:
        return cls(match["action"], int(match["user"]))

    @reported
    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.user_id:
            raise NotAllowed("Only the person who asked can answer this.")
        if self.action == "keep":
            await interaction.response.edit_message(content="Nothing was erased.", view=None)
            return
        bot: CohortBot = interaction.client  # type: ignore[assignment]
        await bot.tracker.flush()  # nothing of theirs still waiting to be written
        removed = await bot.store.privacy.forget(self.user_id)
        await interaction.response.edit_message(
            content=f"Done: {removed} records about you were erased, for good.", view=None
        )


def confirmation(user_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for action in ForgetButton.LOOKS:
        view.add_item(ForgetButton(action, user_id))
    return view


class Privacy(commands.Cog):
    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ForgetButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ForgetButton)

    @app_commands.command(name="mydata", description="See everything the bot keeps about you")
    async def mydata(self, interaction: discord.Interaction) -> None:
        await self.bot.tracker.flush()  # including what you wrote a moment ago
        found = await self.bot.store.privacy.everything_about(interaction.user.id)
        raw = json.dumps(found, indent=2, ensure_ascii=False).encode("utf-8")
        await interaction.response.send_message(
            in_words(found, DISCORD),
            file=discord.File(io.BytesIO(raw), filename="my-data.json"),
            ephemeral=True,
        )

    @app_commands.command(name="forgetme", description="Erase everything the bot keeps about you")
    async def forgetme(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            "This erases everything I keep about you, in every cohort, for good: your "
            "participation records, excused weeks and choices. Instructors will no longer see "
            "your past participation, and it cannot count towards completion. "
            "(What you write in a course from now on is counted again.) Erase it?",
            view=confirmation(interaction.user.id),
            ephemeral=True,
        )


async def setup(bot: CohortBot) -> None:
    await bot.add_cog(Privacy(bot))
