"""Helpers the cogs share: staff groups and guards, finding a cohort by name, autocompletion,
replanning."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot import access
from bot.app.permissions import is_learner, require_instructor, standing
from bot.cohort import Cohort, PlatformName
from bot.course import Course
from bot.errors import NotAllowed, NotFound, UserError
from bot.features import listings
from bot.features.course_files import follow_course_file, follows, reload_notice
from bot.features.modules import plans_of as shared_plans_of
from bot.features.planning import plan_cohort
from bot.participation import WeekPlan
from bot.replan import PlanChanges
from cogs._session_events import sync_events

if TYPE_CHECKING:
    from bot.app.client import CohortBot


def staff_group(name: str, description: str) -> app_commands.Group:
    """A group of staff commands: hidden from members without Manage Server.

    Admins can show them to the staff role (Server Settings → Integrations), so
    every command in it still checks who is asking (``require_staff``,
    ``instructor_cohort``); a test walks the tree to hold every one to that.
    """
    return app_commands.Group(
        name=name,
        description=description,
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )


async def require_staff(bot: CohortBot, interaction: discord.Interaction) -> discord.Guild:
    """The server, when the member asking is course staff (else NotAllowed)."""
    guild = guild_of(interaction)
    access.require_staff(standing(interaction.user), await bot.store.guilds.staff_role(guild.id))
    return guild


async def instructor_cohort(bot: CohortBot, interaction: discord.Interaction, name: str) -> Cohort:
    """The named cohort, when the member asking is one of its instructors (else NotAllowed).

    Someone who runs no cohort here is refused before being told which cohorts exist.
    """
    guild = guild_of(interaction)
    cohort = await bot.store.cohorts.by_name(guild.id, name)
    if cohort is None:
        mine = await runnable_cohorts(bot, interaction)
        known = ", ".join(c.name for c in mine) or "there are none yet (`/cohort create`)"
        raise NotFound(f"no cohort called {name!r} in this server; cohorts: {known}")
    require_instructor(interaction.user, cohort, await bot.store.guilds.staff_role(guild.id))
    return cohort


async def runnable_cohorts(bot: CohortBot, interaction: discord.Interaction) -> list[Cohort]:
    """The server's cohorts the member asking may run: all for staff, else those they instruct.

    NotAllowed for someone who is neither staff nor an instructor of any cohort here.
    """
    guild = guild_of(interaction)
    staff_role = await bot.store.guilds.staff_role(guild.id)
    who = standing(interaction.user)
    cohorts = await bot.store.cohorts.in_guild(guild.id)
    if access.is_staff(who, staff_role):
        return cohorts
    mine = [c for c in cohorts if access.is_instructor(who, c.instructor_role_id, staff_role)]
    if not mine:
        raise NotAllowed("Only course staff and cohorts' instructors can do that.")
    return mine


def guild_of(interaction: discord.Interaction) -> discord.Guild:
    if interaction.guild is None:
        raise UserError("This command works in a server, not in DMs.")
    return interaction.guild


async def find_cohort(bot: CohortBot, interaction: discord.Interaction, name: str) -> Cohort:
    guild = guild_of(interaction)
    cohort = await bot.store.cohorts.by_name(guild.id, name)
    if cohort is None:
        yours = ", ".join(c.name for c in await visible_cohorts(bot, interaction))
        raise NotFound(
            f"no cohort called {name!r} in this server" + (f"; yours: {yours}" if yours else "")
        )
    return cohort


async def visible_cohorts(bot: CohortBot, interaction: discord.Interaction) -> list[Cohort]:
    """The server's cohorts the member asking takes part in (staff: all of them).

    Only these are named to them: in autocompletion and in "no such cohort".
    """
    if interaction.guild is None:
        return []
    staff_role = await bot.store.guilds.staff_role(interaction.guild.id)
    who = standing(interaction.user)
    return [
        c
        for c in await bot.store.cohorts.in_guild(interaction.guild.id)
        if access.takes_part(who, c.learner_role_id, c.instructor_role_id, staff_role)
    ]


async def cohort_choices(
    bot: CohortBot, interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    needle = current.lower()
    return [
        app_commands.Choice(name=c.name, value=c.name)
        for c in await visible_cohorts(bot, interaction)
        if needle in c.name.lower()
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


async def replan(bot: CohortBot, cohort: Cohort) -> PlanChanges:
    """Bring the cohort's deliveries and Discord events in line with its course and sessions."""
    changes = await plan_cohort(bot.store, bot.library, bot.clock, cohort)
    sessions = await bot.store.cohorts.sessions(cohort.id)
    await bot.reschedule()
    await sync_events(bot, cohort, sessions)  # members see a planned session in Events at once
    return changes


async def follow_course_files(bot: CohortBot, before: Mapping[str, Course]) -> int:
    """After a reload, re-plan each running cohort on its course file; how many changed.

    Sessions the file changed since ``before`` reach the cohort's sessions first
    (only those: an instructor's own sessions and moves stay); then pending
    items follow the file in force, even one changed while the bot was down,
    and the instructor is told what moved.
    """
    replanned = 0
    for cohort in await bot.store.cohorts.all():
        if cohort.platform != PlatformName.DISCORD:
            continue  # another platform's cohort: its adapter tells its instructors
        if not follows(cohort, bot.library):
            continue  # ended, or its file is gone: nothing to follow
        if bot.served is not None and not bot.served.owns_guild(cohort.guild_id):
            continue  # another process's: it follows its own reload of the files
        changed, changes = await follow_course_file(
            bot.store, bot.library, bot.clock, cohort, before
        )
        await bot.reschedule()
        await sync_events(bot, cohort, await bot.store.cohorts.sessions(cohort.id))
        if changed:  # what was posted about a moved or cancelled session is corrected
            bot.dispatch("sessions_changed", cohort, changed)
        if changes:
            replanned += 1
            await bot.tell_instructors(cohort, reload_notice(cohort.course_id, changes))
    return replanned


async def plans_of(bot: CohortBot, cohort: Cohort) -> dict[int, WeekPlan]:
    """What meets each week of the cohort: the course's rules, and the cohort's sessions."""
    return await shared_plans_of(bot.store, bot.library, cohort)


async def cohorts_taking_part(
    bot: CohortBot, interaction: discord.Interaction, name: str | None
) -> list[Cohort]:
    """The named cohort, or the ones the member learns in (else takes part in).

    Only a cohort's learners and instructors see its sessions: their join links.
    """
    visible = await visible_cohorts(bot, interaction)
    named = await bot.store.cohorts.by_name(guild_of(interaction).id, name) if name else None
    learning = [c for c in visible if is_learner(interaction.user, c)]
    return listings.cohorts_taking_part(name, named, visible, learning, "server")
