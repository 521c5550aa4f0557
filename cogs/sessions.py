"""Live sessions: announcements with lasting buttons, reminders, events, calendars, recordings."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import sessions as words
from bot.app.deliveries import Job, Sent
from bot.app.fanout import FanoutResult, send_dms
from bot.app.permissions import (
    POST_IN_THREAD,
    SEND_MESSAGES,
    is_instructor,
    is_learner,
    require,
)
from bot.app.posting import channel_named, embed_for, find_published, publish
from bot.cohort import Cohort, Delivery
from bot.course import ReminderAudience
from bot.durations import parse_duration
from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.render import Post
from bot.sessions import Recording
from bot.timetable import CohortSession
from cogs._common import CohortName, find_cohort, guild_of, instructor_cohort, replan, staff_group
from cogs._session_buttons import SessionButton, buttons, calendar_file, session_of
from cogs._session_events import sync_event

if TYPE_CHECKING:
    from bot.app.client import CohortBot

log = logging.getLogger(__name__)

Place = discord.TextChannel | discord.Thread


class Sessions(commands.Cog):
    session = staff_group("session", "Manage a cohort's live sessions")
    # Discord cannot run a group by its own name, so "/sessions" is "/sessions upcoming".
    listing = app_commands.Group(name="sessions", description="Upcoming live sessions")
    recording = staff_group("recording", "Post a session's recording")

    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        bot.deliveries.handle("announce", self.announce, self.find_in_announcements)
        bot.deliveries.handle("reminder", self.remind, self.find_in_announcements)
        bot.deliveries.handle("starting", self.start, self.find_in_announcements)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(SessionButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(SessionButton)

    # -- deliveries -------------------------------------------------------------------

    async def announcements(self, cohort: Cohort) -> discord.abc.GuildChannel | discord.Thread:
        """Where session posts go: the announcements channel, else the cohort's forum."""
        return await channel_named(self.bot, cohort.announcements_channel_id or cohort.channel_id)

    async def job_session(self, job: Job) -> CohortSession:
        assert job.delivery.session is not None
        return (await session_of(self.bot, job.cohort.id, job.delivery.session))[1]

    async def find_in_announcements(self, job: Job) -> Sent | None:
        assert job.delivery.claimed_at is not None
        channel = await self.announcements(job.cohort)
        return await find_published(channel, job.delivery.marker(), job.delivery.claimed_at)

    async def announce(self, job: Job) -> Sent:
        session = await self.job_session(job)
        sent = await publish(
            await self.announcements(job.cohort),
            words.announcement(session),
            job.delivery.marker(),
            view=buttons(job.cohort.id, session.key, "remind", "ics"),
        )
        await sync_event(self.bot, job.cohort, session)
        return sent

    async def remind(self, job: Job) -> Sent:
        """DMs first, then the public post, so every way of failing ends with both, once.

        A failure among the DMs (rate limit) raises before anything is posted, and
        the retry skips whoever was reached. A crash after the post is settled by
        ``find``, which records the post without running this again: safe only
        because no DM is owed by then.
        """
        session = await self.job_session(job)
        post = words.reminder(session, job.now)
        recipients = await self.reminder_recipients(job, session)
        result = await self.dm(job.cohort, job.delivery.key, recipients, post)
        if result.dms_closed:
            await self.bot.tell_instructors(
                job.cohort, f"reminder for {session.title}: {result.summary()}."
            )
        channel = await self.announcements(job.cohort)
        sent = await publish(channel, post, job.delivery.marker())
        return Sent(sent.channel_id, sent.message_id, note=f"DMs: {result.summary()}")

    async def start(self, job: Job) -> Sent:
        session = await self.job_session(job)
        return await publish(
            await self.announcements(job.cohort),
            words.starting(session),
            job.delivery.marker(),
            view=buttons(job.cohort.id, session.key, "checkin"),
        )

    async def reminder_recipients(self, job: Job, session: CohortSession) -> list[discord.Member]:
        """Who pressed "Remind me", or every learner not opted out if the course says so."""
        cohort = job.cohort
        guild = self.bot.get_guild(cohort.guild_id)
        if guild is None:
            return []
        if job.course.reminder_audience == ReminderAudience.EVERYONE:
            role = guild.get_role(cohort.learner_role_id)
            opted_out = await self.bot.store.participation.reminders_off()
            return [m for m in (role.members if role else []) if m.id not in opted_out]
        return self.members(cohort, await self.bot.store.sessions.rsvps(cohort.id, session.key))

    def members(self, cohort: Cohort, user_ids: list[int]) -> list[discord.Member]:
        """The cohort's server members with these ids (someone who left is skipped)."""
        guild = self.bot.get_guild(cohort.guild_id)
        return [m for uid in user_ids if guild and (m := guild.get_member(uid))]

    async def dm(
        self, cohort: Cohort, key: str, members: list[discord.Member], post: Post
    ) -> FanoutResult:
        """Each member once per ``key``; closed DMs are counted, never named in public."""
        text = words.fit(f"**{post.title}** ({cohort.name})\n{post.body}")
        return await send_dms(
            self.bot.store, self.bot.clock, cohort.id, key, members, lambda _: {"content": text},
            pacer=self.bot.pacer,
        )  # fmt: skip

    # -- instructor commands ----------------------------------------------------------

    async def named_session(self, cohort: Cohort, key: str) -> CohortSession:
        for s in await self.bot.store.cohorts.sessions(cohort.id):
            if key in (s.key, s.title):
                return s
        raise NotFound(f"{cohort.name} has no session {key!r}: see `/session list`")

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
        existing = await self.bot.store.cohorts.sessions(found.id)
        session = CohortSession(
            words.new_key(title, (s.key for s in existing)),
            title,
            words.parse_start(start, found.zone, self.bot.clock.now()),
            parse_duration(duration),
            words.https_link(url, "join link") if url else None,
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
        asked = await self.bot.store.sessions.rsvp_counts(found.id)
        attended = await self.bot.store.sessions.attendance_counts(found.id)
        lines = [
            words.instructor_line(s, asked.get(s.key, 0), attended.get(s.key, 0))
            for s in await self.bot.store.cohorts.sessions(found.id)
        ]
        await interaction.response.send_message(
            words.fit("\n".join(lines)) or "No sessions.", ephemeral=True
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
        new_start = words.parse_start(start, found.zone, self.bot.clock.now())
        # Moving a cancelled session brings it back.
        moved = CohortSession(old.key, old.title, new_start, old.duration, old.url)
        await self.bot.store.cohorts.save_session(found.id, moved)
        await interaction.response.send_message(
            f"Moved **{moved.title}** to {words.when(moved)}.", ephemeral=True
        )
        await replan(self.bot, found)
        if await self.update_announcement(found, moved, words.announcement(moved)):
            await self.notice(found, words.moved(old, moved), f"moved:{moved.key}")
        await sync_event(self.bot, found, moved)

    @session.command(
        name="cancel", description="Cancel a session: reminders removed, learners told"
    )
    @app_commands.describe(cohort="The cohort", session="The session")
    async def cancel(
        self, interaction: discord.Interaction, cohort: CohortName, session: str
    ) -> None:
        found = await instructor_cohort(self.bot, interaction, cohort)
        old = await self.named_session(found, session)
        if old.cancelled:
            raise InvalidInput(f"**{old.title}** is already cancelled.")
        if old.end <= self.bot.clock.now():
            raise InvalidInput(f"**{old.title}** has already taken place.")
        cancelled = CohortSession(
            old.key, old.title, old.start, old.duration, old.url, cancelled=True
        )
        await self.bot.store.cohorts.save_session(found.id, cancelled)
        await interaction.response.send_message(f"Cancelled **{old.title}**.", ephemeral=True)
        await replan(self.bot, found)  # its pending reminders are skipped
        await self.update_announcement(found, old, words.cancellation(old))
        await self.notice(found, words.cancellation(old), f"cancel:{old.key}")
        await sync_event(self.bot, found, cancelled)

    async def notice(self, cohort: Cohort, post: Post, what: str) -> None:
        await publish(await self.announcements(cohort), post, f"{cohort.marker} · {what}")

    async def announcement_row(self, cohort: Cohort, session: CohortSession) -> Delivery | None:
        """The session's announcement, if it has been posted."""
        row = await self.bot.store.deliveries.get(cohort.id, f"announce:{session.key}")
        return row if row and row.channel_id and row.message_id else None

    async def update_announcement(self, cohort: Cohort, session: CohortSession, post: Post) -> bool:
        """Rewrite the posted announcement so scrolling up never shows a stale time.

        False when it was never posted (nothing to correct, nobody to tell).
        """
        row = await self.announcement_row(cohort, session)
        if row is None or row.channel_id is None or row.message_id is None:
            return False
        channel = self.bot.get_channel(row.channel_id)
        if isinstance(channel, Place):
            try:
                message = channel.get_partial_message(row.message_id)
                await message.edit(embed=embed_for(post, row.marker()))
            except discord.HTTPException as error:
                log.warning("could not update the announcement of %s: %s", session.key, error)
        return True

    @reschedule.autocomplete("session")
    @cancel.autocomplete("session")
    async def session_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        name = getattr(interaction.namespace, "cohort", None)
        if interaction.guild is None or not name:
            return []
        cohort = await self.bot.store.cohorts.by_name(interaction.guild.id, name)
        if cohort is None:
            return []
        needle = current.lower()
        return [
            app_commands.Choice(name=f"{s.title} ({s.key})"[:100], value=s.key)
            for s in await self.bot.store.cohorts.sessions(cohort.id)
            if needle in s.title.lower() or needle in s.key
        ][:25]

    # -- anyone -------------------------------------------------------------------------

    async def chosen_cohorts(
        self, interaction: discord.Interaction, name: str | None
    ) -> list[Cohort]:
        """The named cohort; without a name, the ones the member learns in (else all here)."""
        if name:
            return [await find_cohort(self.bot, interaction, name)]
        cohorts = await self.bot.store.cohorts.in_guild(guild_of(interaction).id)
        mine = [c for c in cohorts if is_learner(interaction.user, c)]
        return mine or cohorts

    @listing.command(name="upcoming", description="Upcoming live sessions, in your own time zone")
    @app_commands.describe(cohort="The cohort (default: yours)")
    async def upcoming(
        self, interaction: discord.Interaction, cohort: CohortName | None = None
    ) -> None:
        lines = []
        now = self.bot.clock.now()
        for found in await self.chosen_cohorts(interaction, cohort):
            mine = words.upcoming(await self.bot.store.cohorts.sessions(found.id), now)
            lines += [f"__{found.name}__", *(mine or ["no upcoming sessions"])]
        await interaction.response.send_message(
            words.fit("\n".join(lines)) or "No cohorts here yet.", ephemeral=True
        )

    @listing.command(name="calendar", description="All of a cohort's sessions as one calendar file")
    @app_commands.describe(cohort="The cohort (default: yours)")
    async def calendar(
        self, interaction: discord.Interaction, cohort: CohortName | None = None
    ) -> None:
        found = await self.chosen_cohorts(interaction, cohort)
        if not found:
            raise NotFound("there are no cohorts in this server yet")
        sessions = await self.bot.store.cohorts.sessions(found[0].id)
        if not sessions:
            raise NotFound(f"{found[0].name} has no live sessions")
        await interaction.response.send_message(
            f"Live sessions of {found[0].name}:",
            file=calendar_file(found[0], sessions, self.bot),
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
        link = words.https_link(url, "recording link")
        places = await self.recording_places(found, target)
        recording = Recording(target.key, link, passcode, note, self.bot.clock.now())
        number = await self.bot.store.sessions.add_recording(
            found.id, recording, interaction.user.id
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        for channel, reply_to in places:
            await self.post_recording(channel, reply_to, recording, target)
        private = words.recording_post(recording, target, show_passcode=True)
        asked = self.members(found, await self.bot.store.sessions.rsvps(found.id, target.key))
        result = await self.dm(
            found,
            f"recording:{target.key}:{number}",
            asked,
            Post(f"Recording: {target.title}", private),
        )
        where = " and ".join(channel.mention for channel, _ in places)
        await interaction.followup.send(
            f"Recording posted in {where}; DMs to those who asked: {result.summary()}.",
            ephemeral=True,
        )

    add_recording.autocomplete("session")(session_choices)

    async def recording_places(
        self, cohort: Cohort, session: CohortSession
    ) -> list[tuple[Place, int | None]]:
        """Under the session's announcement, and in its week's forum post."""
        announce = await self.announcement_row(cohort, session)
        if announce is None:
            raise InvalidInput(
                f"**{session.title}** has not been announced yet, so there is nowhere to post "
                "its recording"
            )
        module = await self.bot.store.deliveries.get(cohort.id, f"module:{announce.week}")
        places: list[tuple[Place, int | None]] = []
        for row, reply_to in ((announce, announce.message_id), (module, None)):
            channel = self.bot.get_channel(row.channel_id) if row and row.channel_id else None
            if isinstance(channel, Place) and channel.id not in {c.id for c, _ in places}:
                places.append((channel, reply_to))
        return places

    async def post_recording(
        self,
        channel: Place,
        reply_to: int | None,
        recording: Recording,
        session: CohortSession,
    ) -> None:
        require(channel, POST_IN_THREAD if isinstance(channel, discord.Thread) else SEND_MESSAGES)
        # A passcode goes only where @everyone cannot look; elsewhere, /recordings shows it.
        public = channel.permissions_for(channel.guild.default_role).view_channel
        text = words.recording_post(recording, session, show_passcode=not public)
        if reply_to is None:
            await channel.send(text)
        else:
            under = channel.get_partial_message(reply_to)
            await channel.send(text, reference=under.to_reference(fail_if_not_exists=False))

    @app_commands.command(
        name="recordings", description="Every recording of your cohort's sessions"
    )
    @app_commands.describe(cohort="The cohort (default: yours)")
    async def recordings(
        self, interaction: discord.Interaction, cohort: CohortName | None = None
    ) -> None:
        now = self.bot.clock.now()
        parts = []
        staff_role = await self.bot.store.guilds.staff_role(guild_of(interaction).id)
        for found in await self.chosen_cohorts(interaction, cohort):
            member = interaction.user
            if not (is_learner(member, found) or is_instructor(member, found, staff_role)):
                raise NotAllowed(f"Recordings of {found.name} are for its learners.")
            course = self.bot.library.get(found.course_id)
            if now >= found.calendar(course).archives:
                continue  # listed until the cohort is archived
            sessions = {s.key: s for s in await self.bot.store.cohorts.sessions(found.id)}
            listing = words.recordings_listing(
                await self.bot.store.sessions.recordings(found.id), sessions
            )
            parts.append(f"__{found.name}__\n{listing}")
        await interaction.response.send_message(
            words.fit("\n\n".join(parts)) or "No recordings yet.", ephemeral=True
        )


async def setup(bot: CohortBot) -> None:
    await bot.add_cog(Sessions(bot))
