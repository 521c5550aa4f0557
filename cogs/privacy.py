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

if TYPE_CHECKING:
    from bot.app.client import CohortBot

# What each table's rows are, in words a learner understands. A table not named
# here (a later feature's) is still shown, by its name, and still erased.
IN_WORDS = {
    "activity": "messages you wrote in course channels: when, where, which week, post or reply"
    " (never what you wrote)",
    "excusals": "weeks an instructor excused you from",
    "learner_prefs": "your choice about nudges and reminders",
    "delivery_recipients": "direct messages I sent you, or tried to (nudges, reminders)",
    "rsvps": "live sessions you asked to be reminded of",
    "attendance": "live sessions you checked in to",
    "certificates": "certificates of completion issued to you: what each certifies, its code"
    " (kept after the participation purge, as proof)",
    "printed_names": "the name you want printed on your certificates",
    "recording_views": "session recordings you said you watched",
    "submissions": "assignments you handed in: which week, when, where, whether reviewed"
    " (never what you handed in)",
    "assignment_threads": "the private thread your hand-ins go to",
}


def in_words(found: dict[str, list[dict[str, Any]]]) -> str:
    if not found:
        return "I keep nothing about you."
    lines = ["This is everything I keep about you, in every cohort:"]
    for table, rows in found.items():
        lines.append(f"• {len(rows)} × {IN_WORDS.get(table, f'records in {table!r}')}")
    lines.append("The attached file has every record as stored. `/forgetme` erases all of it.")
    return "\n".join(lines)


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
            in_words(found),
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
