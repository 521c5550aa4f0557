"""Helpers the cogs share: finding a cohort by name, autocompletion, replanning."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.cohort import Cohort
from bot.errors import NotFound, UserError
from bot.timetable import timetable
from cogs._session_events import sync_events

if TYPE_CHECKING:
    from bot.app.client import CohortBot


def guild_of(interaction: discord.Interaction) -> discord.Guild:
    if interaction.guild is None:
        raise UserError("This command works in a server, not in DMs.")
    return interaction.guild


async def find_cohort(bot: CohortBot, interaction: discord.Interaction, name: str) -> Cohort:
    guild = guild_of(interaction)
    cohort = await bot.store.cohorts.by_name(guild.id, name)
    if cohort is None:
        names = [c.name for c in await bot.store.cohorts.in_guild(guild.id)]
        known = ", ".join(names) if names else "there are none yet (`/cohort create`)"
        raise NotFound(f"no cohort called {name!r} in this server; cohorts: {known}")
    return cohort


async def cohort_choices(
    bot: CohortBot, interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    if interaction.guild is None:
        return []
    cohorts = await bot.store.cohorts.in_guild(interaction.guild.id)
    needle = current.lower()
    return [
        app_commands.Choice(name=c.name, value=c.name) for c in cohorts if needle in c.name.lower()
    ][:25]


class _CohortName(app_commands.Transformer):
    """A cohort option: a name, with the server's cohorts offered as you type."""

    async def transform(self, interaction: discord.Interaction, value: str) -> str:
        return value

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        return await cohort_choices(interaction.client, interaction, value)  # type: ignore[arg-type]


CohortName = app_commands.Transform[str, _CohortName]


async def replan(bot: CohortBot, cohort: Cohort) -> None:
    """Bring the cohort's deliveries and Discord events in line with its course and sessions."""
    course = bot.library.get(cohort.course_id)
    sessions = await bot.store.cohorts.sessions(cohort.id)
    now = bot.clock.now()
    items = timetable(course, cohort.calendar(course), sessions, planned=now)
    await bot.store.deliveries.plan(cohort.id, items, now)
    await bot.reschedule()
    await sync_events(bot, cohort, sessions)  # members see a planned session in Events at once
