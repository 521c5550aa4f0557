"""The **Submit assignment** button under a week's post, and the form it opens.

The button's custom id names its cohort and week (``assignment:submit:3:2``), so a
``DynamicItem`` registered at start-up rebuilds it from any old post.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from bot.app.forms import submitted
from bot.app.posting import fetched_place
from bot.app.tree import reported
from bot.assignments import LINK_LIMIT, NOTE_LIMIT
from bot.cohort import Cohort, DeliveryState

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from bot.app.client import CohortBot
    from cogs.assignments import Assignments


class SubmitButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"assignment:submit:(?P<cohort>\d+):(?P<week>\d+)",
):
    def __init__(self, cohort_id: int, week: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Submit assignment",
                emoji="📝",
                style=discord.ButtonStyle.primary,
                custom_id=f"assignment:submit:{cohort_id}:{week}",
            )
        )
        self.cohort_id, self.week = cohort_id, week

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> SubmitButton:
        return cls(int(match["cohort"]), int(match["week"]))

    @reported
    async def callback(self, interaction: discord.Interaction) -> None:
        bot: CohortBot = interaction.client  # type: ignore[assignment]
        cog: Assignments = bot.get_cog("Assignments")  # type: ignore[assignment]
        await cog.open_form(interaction, self.cohort_id, self.week)


def submit_view(cohort_id: int, week: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(SubmitButton(cohort_id, week))
    return view


def closed_view(cohort_id: int, week: int) -> discord.ui.View:
    """The button once hand-ins have closed: it says so, and cannot be pressed."""
    view = discord.ui.View(timeout=None)
    view.add_item(
        discord.ui.Button(
            label="Hand-ins closed",
            emoji="🔒",
            style=discord.ButtonStyle.secondary,
            custom_id=f"assignment:submit:{cohort_id}:{week}",
            disabled=True,
        )
    )
    return view


async def close_hand_ins(bot: CohortBot, cohort: Cohort) -> int:
    """Turn every week post's **Submit assignment** into "Hand-ins closed"; how many.

    Best effort: a post that cannot be edited keeps its button, which then answers
    that hand-ins have closed.
    """
    course = bot.library.get(cohort.course_id)
    closed = 0
    for week in course.weeks:
        post = await bot.store.deliveries.get(cohort.id, f"module:{week.number}")
        if week.assignment is None or post is None or post.state != DeliveryState.DONE:
            continue
        channel = await fetched_place(bot, post.channel_id or 0)  # auto-archived: not cached
        if channel is None or not post.message_id:
            continue
        try:
            message = channel.get_partial_message(post.message_id)
            await message.edit(view=closed_view(cohort.id, week.number))
            closed += 1
        except discord.HTTPException as error:
            log.warning("could not close hand-ins on %s: %s", post.marker(), error)
    return closed


class HandInForm(discord.ui.Modal):
    """A link and/or a note; files go in the thread it opens.

    Only the form's shape: sent ``detached`` (bot/app/forms.py), it is answered by
    its custom id (``handin:<cohort>:<week>``, :func:`hand_in_values`), so a form
    opened before a restart is still handed in after it, and two learners filling
    in the same week's form at once (one id) both hand in.
    """

    link: discord.ui.TextInput[HandInForm] = discord.ui.TextInput(
        label="Link to your work (https)", custom_id="link", required=False, max_length=LINK_LIMIT
    )
    note: discord.ui.TextInput[HandInForm] = discord.ui.TextInput(
        label="A note for your instructor",
        custom_id="note",
        style=discord.TextStyle.paragraph,
        required=False,
        max_length=NOTE_LIMIT,
    )

    def __init__(self, cohort_id: int, week: int) -> None:
        super().__init__(title=f"Week {week} assignment", custom_id=f"handin:{cohort_id}:{week}")


_FORM_ID = re.compile(r"handin:(?P<cohort>\d+):(?P<week>\d+)")


def hand_in_values(interaction: discord.Interaction) -> tuple[int, int, str, str] | None:
    """(cohort id, week, link, note) when the interaction submits a hand-in form."""
    form = submitted(interaction, _FORM_ID)
    if form is None:
        return None
    match, values = form
    return int(match["cohort"]), int(match["week"]), values.get("link", ""), values.get("note", "")
