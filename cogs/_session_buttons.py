"""The buttons on session posts: they keep working after a restart.

Each button's custom id names its action, cohort and session
(``session:remind:3:live-1``), so a ``DynamicItem`` registered at start-up
rebuilds it from any old message without remembering views.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING, Any, ClassVar

import discord

from bot import access
from bot.app.permissions import is_learner, standing
from bot.app.tree import reported
from bot.cohort import Cohort
from bot.errors import NotAllowed, NotFound
from bot.features import presses
from bot.features.platform import Action
from bot.timetable import CohortSession

if TYPE_CHECKING:
    from bot.app.client import CohortBot


async def session_of(bot: CohortBot, cohort_id: int, key: str) -> tuple[Cohort, CohortSession]:
    cohort = await bot.store.cohorts.get(cohort_id)
    sessions = await bot.store.cohorts.sessions(cohort_id) if cohort else []
    found = [s for s in sessions if s.key == key]
    if cohort is None or not found:
        raise NotFound("that session no longer exists")
    return cohort, found[0]


class SessionButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"session:(?P<action>remind|ics|checkin|watched):(?P<cohort>\d+):(?P<key>[a-z0-9-]+)",
):
    """ "Remind me", "Add to calendar", "Check in" or "Watched it" (under a recording, where
    the course lets a recording stand in for the session) for one session of one cohort."""

    LOOKS: ClassVar[dict[str, tuple[str, str, discord.ButtonStyle]]] = {
        "remind": ("Remind me", "🔔", discord.ButtonStyle.primary),
        "ics": ("Add to calendar", "📅", discord.ButtonStyle.secondary),
        "checkin": ("Check in", "✅", discord.ButtonStyle.primary),
        "watched": ("Watched it", "👀", discord.ButtonStyle.secondary),
    }

    def __init__(self, action: str, cohort_id: int, key: str) -> None:
        label, emoji, style = self.LOOKS[action]
        super().__init__(
            discord.ui.Button(
                label=label,
                emoji=emoji,
                style=style,
                custom_id=f"session:{action}:{cohort_id}:{key}",
            )
        )
        self.action, self.cohort_id, self.key = action, cohort_id, key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> SessionButton:
        return cls(match["action"], int(match["cohort"]), match["key"])

    @reported
    async def callback(self, interaction: discord.Interaction) -> None:
        bot: CohortBot = interaction.client  # type: ignore[assignment]
        cohort, session = await session_of(bot, self.cohort_id, self.key)
        if self.action == "ics":
            staff_role = await bot.store.guilds.staff_role(cohort.guild_id)
            who = standing(interaction.user)
            takes_part = access.takes_part(
                who, cohort.learner_role_id, cohort.instructor_role_id, staff_role
            )
            data = presses.calendar(cohort, session, bot.clock.now(), takes_part=takes_part)
            await interaction.response.send_message(
                f"**{session.title}** for your calendar:",
                file=discord.File(io.BytesIO(data), filename=f"{session.key}.ics"),
                ephemeral=True,
            )
            return
        if not is_learner(interaction.user, cohort):
            raise NotAllowed(f"This is for learners of {cohort.name}.")
        press = presses.BY_ACTION[Action(self.action)]
        answer = await press(bot.store, bot.clock, cohort, session, interaction.user.id)
        await interaction.response.send_message(answer, ephemeral=True)


def buttons(cohort_id: int, key: str, *actions: str) -> discord.ui.View:
    """A view for a session post; ``timeout=None`` because the buttons must never expire."""
    view = discord.ui.View(timeout=None)
    for action in actions:
        view.add_item(SessionButton(action, cohort_id, key))
    return view
