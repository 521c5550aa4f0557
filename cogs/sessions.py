"""Live sessions: announcements with lasting buttons, reminders, events, calendars, recordings."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import sessions as words
from bot.app.permissions import is_instructor, is_learner
from bot.cohort import Cohort
from bot.errors import NotAllowed, UserError
from bot.features import listings, recordings
from bot.features import session_changes as changes
from bot.timetable import CohortSession
from cogs._common import (
    CohortName,
    cohorts_taking_part,
    guild_of,
    instructor_cohort,
    replan,
    runnable_cohorts,
    staff_group,
)
from cogs._session_buttons import SessionButton
from cogs._session_posts import SessionPosts

if TYPE_CHECKING:
    from bot.app.client import CohortBot


class Sessions(commands.Cog):
    session = staff_group("session", "Manage a cohort's live sessions")
    # Discord cannot run a group by its own name, so "/sessions" is "/sessions upcoming".
    listing = app_commands.Group(name="sessions", description="Upcoming live sessions")
    recording = staff_group("recording", "Post a session's recording")

    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        self.posts = SessionPosts(bot)  # delivers announcements, reminders, "starting now"

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(SessionButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(SessionButton)

    # -- instructor commands ----------------------------------------------------------

    async def named_session(self, cohort: Cohort, key: str) -> CohortSession:
        return await changes.named(self.bot.store, cohort, key)

    @session.command(name="add", description="Add a live session to a cohort")
    @app_commands.describe(
        cohort="The cohort",
        title="What the session is called",
        start="YYYY-MM-DD HH:MM in the cohort's time zone",
        duration="How long, e.g. 60m or 1h15m",
        url="Join link (https)",
    )
    async def add(
        self,
        interaction: discord.Interaction,
        cohort: CohortName,
        title: app_commands.Range[str, 1, 90],
        start: str,
        duration: str,
        url: str | None = None,
    ) -> None:
        found = await instructor_cohort(self.bot, interaction, cohort)
        session = changes.to_add(
            await self.bot.store.cohorts.sessions(found.id),
            title,
            start,
            duration,
            url,
            found.zone,
            self.bot.clock.now(),
        )
        await self.bot.store.cohorts.save_session(found.id, session)
        await interaction.response.send_message(
            f"Added **{session.title}** (`{session.key}`): {words.when(session)}", ephemeral=True
        )
        await replan(self.bot, found)  # announced now if its week has begun

    @session.command(name="list", description="A cohort's sessions, with their ids and counts")
    @app_commands.describe(cohort="The cohort")
    async def list_(self, interaction: discord.Interaction, cohort: CohortName) -> None:
        found = await instructor_cohort(self.bot, interaction, cohort)
        await interaction.response.send_message(
            await changes.listing(self.bot.store, found), ephemeral=True
        )

    @session.command(name="reschedule", description="Move a session; its reminders move with it")
    @app_commands.describe(
        cohort="The cohort", session="The session", start="New start, YYYY-MM-DD HH:MM"
    )
    async def reschedule(
        self, interaction: discord.Interaction, cohort: CohortName, session: str, start: str
    ) -> None:
        found = await instructor_cohort(self.bot, interaction, cohort)
        old = await self.named_session(found, session)
        moved = changes.moved_to(old, start, found.zone, self.bot.clock.now())
        await self.bot.store.cohorts.save_session(found.id, moved)
        await interaction.response.send_message(
            f"Moved **{moved.title}** to {words.when(moved)}.", ephemeral=True
        )
        await replan(self.bot, found)
        await self.posts.correct(found, [(old, moved)], by_hand=True)

    @session.command(
        name="cancel", description="Cancel a session: reminders removed, learners told"
    )
    @app_commands.describe(cohort="The cohort", session="The session")
    async def cancel(
        self, interaction: discord.Interaction, cohort: CohortName, session: str
    ) -> None:
        found = await instructor_cohort(self.bot, interaction, cohort)
        old = await self.named_session(found, session)
        cancelled = changes.cancelled(old, self.bot.clock.now())
        await self.bot.store.cohorts.save_session(found.id, cancelled)
        await interaction.response.send_message(f"Cancelled **{old.title}**.", ephemeral=True)
        await replan(self.bot, found)  # its pending reminders are skipped, its event deleted
        await self.posts.correct(found, [(old, cancelled)], by_hand=True)

    @commands.Cog.listener()
    async def on_sessions_changed(
        self, cohort: Cohort, changed: list[tuple[CohortSession | None, CohortSession]]
    ) -> None:
        await self.posts.correct(cohort, changed)

    @reschedule.autocomplete("session")
    @cancel.autocomplete("session")
    async def session_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        name = getattr(interaction.namespace, "cohort", None)
        # Only a cohort's instructors (who may run these commands) are offered its sessions.
        try:
            runnable = await runnable_cohorts(self.bot, interaction)
        except UserError:
            return []
        cohort = next((c for c in runnable if c.name == name), None)
        if cohort is None:
            return []
        needle = current.lower()
        return [
            app_commands.Choice(name=f"{s.title} ({s.key})"[:100], value=s.key)
            for s in await self.bot.store.cohorts.sessions(cohort.id)
            if needle in s.title.lower() or needle in s.key
        ][:25]

    # -- anyone -------------------------------------------------------------------------

    @listing.command(name="upcoming", description="Upcoming live sessions, in your own time zone")
    @app_commands.describe(cohort="The cohort (default: yours)")
    async def upcoming(
        self, interaction: discord.Interaction, cohort: CohortName | None = None
    ) -> None:
        found = await cohorts_taking_part(self.bot, interaction, cohort)
        text = await listings.upcoming(self.bot.store, found, self.bot.clock.now())
        await interaction.response.send_message(text, ephemeral=True)

    @listing.command(name="calendar", description="All of a cohort's sessions as one calendar file")
    @app_commands.describe(cohort="The cohort (default: yours)")
    async def calendar(
        self, interaction: discord.Interaction, cohort: CohortName | None = None
    ) -> None:
        found = (await cohorts_taking_part(self.bot, interaction, cohort))[0]
        name, data = await listings.calendar(self.bot.store, found, self.bot.clock.now())
        await interaction.response.send_message(
            f"Live sessions of {found.name}:",
            file=discord.File(io.BytesIO(data), filename=name),
            ephemeral=True,
        )

    # -- recordings ---------------------------------------------------------------------

    @recording.command(name="add", description="Post a session's recording")
    @app_commands.describe(
        cohort="The cohort",
        session="The session",
        url="Link to the recording (https)",
        passcode="Passcode, shown only to the cohort",
        note="A note for learners",
    )
    async def add_recording(
        self,
        interaction: discord.Interaction,
        cohort: CohortName,
        session: str,
        url: str,
        passcode: str | None = None,
        note: str | None = None,
    ) -> None:
        found = await instructor_cohort(self.bot, interaction, cohort)
        target = await self.named_session(found, session)
        words.https_link(url, "recording link")  # refused before the answer is deferred
        await interaction.response.defer(ephemeral=True, thinking=True)  # threads may be fetched
        answer = await recordings.add_recording(
            self.posts.shared.platform,
            self.bot.store,
            self.bot.library,
            self.bot.clock,
            found,
            target,
            interaction.user.id,
            url,
            passcode,
            note,
        )
        await interaction.followup.send(answer, ephemeral=True)

    add_recording.autocomplete("session")(session_choices)

    @app_commands.command(
        name="recordings", description="Every recording of your cohort's sessions"
    )
    @app_commands.describe(cohort="The cohort (default: yours)")
    async def recordings(
        self, interaction: discord.Interaction, cohort: CohortName | None = None
    ) -> None:
        staff_role = await self.bot.store.guilds.staff_role(guild_of(interaction).id)
        found = await cohorts_taking_part(self.bot, interaction, cohort)
        for one in found:
            member = interaction.user
            if not (is_learner(member, one) or is_instructor(member, one, staff_role)):
                raise NotAllowed(f"Recordings of {one.name} are for its learners.")
        text = await listings.recordings(
            self.bot.store, self.bot.library, found, self.bot.clock.now()
        )
        await interaction.response.send_message(text, ephemeral=True)


async def setup(bot: CohortBot) -> None:
    await bot.add_cog(Sessions(bot))
