"""Helpers the cogs share: finding a cohort by name, autocompletion, replanning."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.cohort import Cohort
from bot.errors import NotFound, UserError
from bot.participation import WeekPlan, week_plans
from bot.timetable import timetable

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
    """Bring the cohort's deliveries in line with its course and sessions, then reschedule."""
    course = bot.library.get(cohort.course_id)
    sessions = await bot.store.cohorts.sessions(cohort.id)
    items = timetable(course, cohort.calendar(course), sessions)
    await bot.store.deliveries.plan(cohort.id, items, bot.clock.now())
    await bot.reschedule()


async def plans_of(bot: CohortBot, cohort: Cohort) -> dict[int, WeekPlan]:
    """What meets each week of the cohort: the course's rules, and the cohort's sessions."""
    course = bot.library.get(cohort.course_id)
    sessions = await bot.store.cohorts.sessions(cohort.id)
    return week_plans(course, cohort.calendar(course), sessions)
