"""Live sessions: announcements with lasting buttons, reminders, events, calendars, recordings."""

from __future__ import annotations

import io
import logging
import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot import sessions as words
from bot.app.deliveries import Job, Sent
from bot.app.fanout import send_dms
from bot.app.permissions import is_learner, require_instructor
from bot.app.posting import channel_named, find_published, publish
from bot.app.tree import reported
from bot.cohort import Cohort
from bot.course import ReminderAudience
from bot.durations import parse_duration
from bot.errors import InvalidInput, NotAllowed, NotFound, UserError
from bot.ics import session_calendar
from bot.render import Post
from bot.timetable import CohortSession
from cogs._common import CohortName, find_cohort, guild_of, replan

if TYPE_CHECKING:
    from bot.app.client import CohortBot

log = logging.getLogger(__name__)


def bot_of(interaction: discord.Interaction) -> CohortBot:
    return interaction.client  # type: ignore[return-value]


async def session_of(bot: CohortBot, cohort_id: int, key: str) -> tuple[Cohort, CohortSession]:
    cohort = await bot.store.cohorts.get(cohort_id)
    found = (
        [s for s in await bot.store.cohorts.sessions(cohort_id) if s.key == key] if cohort else []
    )
    if cohort is None or not found:
        raise NotFound("that session no longer exists")
    return cohort, found[0]


class SessionButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"session:(?P<action>remind|ics|checkin):(?P<cohort>\d+):(?P<key>[a-z0-9-]+)",
):
    """A button that keeps working after a restart: its custom id names cohort and session."""

    LABELS: ClassVar[dict[str, tuple[str, str]]] = {
        "remind": ("Remind me", "🔔"),
        "ics": ("Add to calendar", "📅"),
        "checkin": ("Check in", "✅"),
    }

    def __init__(self, action: str, cohort_id: int, key: str) -> None:
        label, emoji = self.LABELS[action]
        super().__init__(
            discord.ui.Button(
                label=label,
                emoji=emoji,
                style=discord.ButtonStyle.primary
                if action != "ics"
                else discord.ButtonStyle.secondary,
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
        bot = bot_of(interaction)
        cohort, session = await session_of(bot, self.cohort_id, self.key)
        now = bot.clock.now()
        if self.action == "ics":
            data = session_calendar(cohort.id, cohort.name, [session], now)
            await interaction.response.send_message(
                f"**{session.title}** for your calendar:",
                file=discord.File(io.BytesIO(data), filename=f"{session.key}.ics"),
                ephemeral=True,
            )
            return
        if not is_learner(interaction.user, cohort):
            raise NotAllowed(f"This is for learners of {cohort.name}.")
        if self.action == "remind":
            on = await bot.store.sessions.toggle_rsvp(
                cohort.id, session.key, interaction.user.id, now
            )
            text = (
                "I'll DM you before it starts. 🔔"
                if on
                else "OK, no reminder DMs for this session."
            )
        elif not session.start - timedelta(minutes=10) <= now <= session.end:
            raise UserError("Check-in is open only while the session is on.")
        else:
            new = await bot.store.sessions.check_in(
                cohort.id, session.key, interaction.user.id, now
            )
            text = "Checked in — welcome! ✅" if new else "You are already checked in."
        await interaction.response.send_message(text, ephemeral=True)


def buttons(cohort_id: int, key: str, *actions: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for action in actions:
        view.add_item(SessionButton(action, cohort_id, key))
    return view


class Sessions(commands.Cog):
    session = app_commands.Group(name="session", description="Manage a cohort's live sessions")
    listing = app_commands.Group(name="sessions", description="Upcoming live sessions")
    recording = app_commands.Group(name="recording", description="Session recordings")

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

    async def _announcements(self, cohort: Cohort) -> discord.abc.GuildChannel | discord.Thread:
        return await channel_named(self.bot, cohort.announcements_channel_id or cohort.channel_id)

    async def _session(self, job: Job) -> CohortSession:
        assert job.delivery.session is not None
        return (await session_of(self.bot, job.cohort.id, job.delivery.session))[1]

    async def find_in_announcements(self, job: Job) -> Sent | None:
        assert job.delivery.claimed_at is not None
        channel = await self._announcements(job.cohort)
        return await find_published(channel, job.delivery.marker(), job.delivery.claimed_at)

    async def announce(self, job: Job) -> Sent:
        session = await self._session(job)
        view = buttons(job.cohort.id, session.key, "remind", "ics")
        sent = await publish(
            await self._announcements(job.cohort),
            words.announcement(session),
            job.delivery.marker(),
            view=view,
        )
        await self.sync_event(job.cohort, session)
        return sent

    async def remind(self, job: Job) -> Sent:
        session = await self._session(job)
        lead = session.start - job.delivery.due
        post = words.reminder(session, lead)
        sent = await publish(await self._announcements(job.cohort), post, job.delivery.marker())
        result = await self.dm_learners(job.cohort, session, job.delivery.key, post)
        return Sent(sent.channel_id, sent.message_id, note=f"DMs: {result}")

    async def start(self, job: Job) -> Sent:
        session = await self._session(job)
        view = buttons(job.cohort.id, session.key, "checkin")
        return await publish(
            await self._announcements(job.cohort),
            words.starting(session),
            job.delivery.marker(),
            view=view,
        )

    async def dm_learners(
        self, cohort: Cohort, session: CohortSession, key: str, post: Post
    ) -> str:
        """DM the learners who asked (or everyone not opted out, if the course says so)."""
        guild = self.bot.get_guild(cohort.guild_id)
        if guild is None:
            return "no server"
        course = self.bot.library.get(cohort.course_id)
        if course.reminder_audience == ReminderAudience.EVERYONE:
            role = guild.get_role(cohort.learner_role_id)
            opted_out = await self.bot.store.learners.reminders_off()
            ids = [m.id for m in (role.members if role else []) if m.id not in opted_out]
        else:
            ids = await self.bot.store.sessions.rsvps(cohort.id, session.key)
        members = [m for uid in ids if (m := guild.get_member(uid)) is not None]
        text = f"**{post.title}** ({cohort.name})\n{post.body}"
        result = await send_dms(
            self.bot.store,
            self.bot.clock,
            cohort.id,
            key,
            members,
            lambda _: {"content": text[:2000]},
        )
        if result.dms_closed:
            await self.bot.tell_instructors(cohort, f"{session.title}: {result.summary()}.")
        return result.summary()

    async def sync_event(self, cohort: Cohort, session: CohortSession) -> None:
        """Mirror the session as a Discord scheduled event, when the bot may manage events."""
        guild = self.bot.get_guild(cohort.guild_id)
        if guild is None or not guild.me.guild_permissions.manage_events:
            return
        event_id = await self.bot.store.sessions.event_id(cohort.id, session.key)
        try:
            # Fetched, not cached: the bot does not ask for the scheduled-events intent.
            event = await guild.fetch_scheduled_event(event_id) if event_id else None
            if session.cancelled or session.end <= self.bot.clock.now():
                if event is not None:
                    await event.delete()
                await self.bot.store.sessions.set_event_id(cohort.id, session.key, None)
                return
            fields: dict[str, Any] = {
                "name": f"{session.title} ({cohort.name})"[:100],
                "start_time": session.start,
                "end_time": session.end,
                "location": session.url or "See the course announcements",
            }
            if event is None:
                created = await guild.create_scheduled_event(
                    entity_type=discord.EntityType.external,
                    privacy_level=discord.PrivacyLevel.guild_only,
                    **fields,
                )
                await self.bot.store.sessions.set_event_id(cohort.id, session.key, created.id)
            else:
                await event.edit(**fields)
        except discord.HTTPException as error:
            log.warning("could not sync the event of %s: %s", session.key, error)

    # -- instructor commands ----------------------------------------------------------

    async def _instructor_cohort(self, interaction: discord.Interaction, name: str) -> Cohort:
        cohort = await find_cohort(self.bot, interaction, name)
        require_instructor(interaction.user, cohort)
        return cohort

    async def _find(self, cohort: Cohort, key: str) -> CohortSession:
        for s in await self.bot.store.cohorts.sessions(cohort.id):
            if s.key == key or s.title == key:
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
        found = await self._instructor_cohort(interaction, cohort)
        existing = await self.bot.store.cohorts.sessions(found.id)
        session = CohortSession(
            words.new_key(title, (s.key for s in existing)),
            title,
            words.parse_start(start, found.zone),
            parse_duration(duration),
            words.join_url(url),
        )
        await self.bot.store.cohorts.save_session(found.id, session)
        await interaction.response.send_message(
            f"Added **{session.title}** ({session.key}): {words.when(session)}", ephemeral=True
        )
        await replan(self.bot, found)

    @session.command(name="list", description="A cohort's sessions, with their ids")
    @app_commands.describe(cohort="The cohort")
    async def list_(self, interaction: discord.Interaction, cohort: CohortName) -> None:
        found = await self._instructor_cohort(interaction, cohort)
        lines = [
            f"`{s.key}` **{s.title}** — {words.when(s)}{' — cancelled' if s.cancelled else ''}"
            for s in await self.bot.store.cohorts.sessions(found.id)
        ]
        await interaction.response.send_message("\n".join(lines) or "No sessions.", ephemeral=True)

    @session.command(name="reschedule", description="Move a session; its reminders move with it")
    @app_commands.describe(
        cohort="The cohort", session="The session", start="New start, YYYY-MM-DD HH:MM"
    )
    async def reschedule(
        self, interaction: discord.Interaction, cohort: CohortName, session: str, start: str
    ) -> None:
        found = await self._instructor_cohort(interaction, cohort)
        old = await self._find(found, session)
        moved = CohortSession(
            old.key, old.title, words.parse_start(start, found.zone), old.duration, old.url
        )
        await self.bot.store.cohorts.save_session(found.id, moved)
        await interaction.response.send_message(
            f"Moved **{moved.title}** to {words.when(moved)}.", ephemeral=True
        )
        await replan(self.bot, found)
        await self.sync_event(found, moved)

    @session.command(
        name="cancel", description="Cancel a session: reminders removed, learners told"
    )
    @app_commands.describe(cohort="The cohort", session="The session")
    async def cancel(
        self, interaction: discord.Interaction, cohort: CohortName, session: str
    ) -> None:
        found = await self._instructor_cohort(interaction, cohort)
        old = await self._find(found, session)
        cancelled = CohortSession(
            old.key, old.title, old.start, old.duration, old.url, cancelled=True
        )
        await self.bot.store.cohorts.save_session(found.id, cancelled)
        await interaction.response.send_message(f"Cancelled **{old.title}**.", ephemeral=True)
        await replan(self.bot, found)
        await publish(
            await self._announcements(found),
            words.cancellation(old),
            f"{found.marker} · cancel:{old.key}",
        )
        await self.sync_event(found, cancelled)

    @reschedule.autocomplete("session")
    @cancel.autocomplete("session")
    async def _session_names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        name = getattr(interaction.namespace, "cohort", None)
        if interaction.guild is None or not name:
            return []
        cohort = await self.bot.store.cohorts.by_name(interaction.guild.id, name)
        if cohort is None:
            return []
        return [
            app_commands.Choice(name=f"{s.title} ({s.key})"[:100], value=s.key)
            for s in await self.bot.store.cohorts.sessions(cohort.id)
            if current.lower() in s.title.lower() or current.lower() in s.key
        ][:25]

    # -- anyone -------------------------------------------------------------------------

    async def _my_cohorts(self, interaction: discord.Interaction, name: str | None) -> list[Cohort]:
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
        for found in await self._my_cohorts(interaction, cohort):
            mine = words.listing(
                await self.bot.store.cohorts.sessions(found.id), self.bot.clock.now()
            )
            lines += [f"__{found.name}__", *(mine or ["no upcoming sessions"])]
        await interaction.response.send_message(
            "\n".join(lines)[:2000] or "No cohorts here yet.", ephemeral=True
        )

    @listing.command(name="calendar", description="All of a cohort's sessions as one calendar file")
    @app_commands.describe(cohort="The cohort (default: yours)")
    async def calendar(
        self, interaction: discord.Interaction, cohort: CohortName | None = None
    ) -> None:
        found = (await self._my_cohorts(interaction, cohort))[:1]
        if not found:
            raise NotFound("there are no cohorts in this server yet")
        data = session_calendar(
            found[0].id,
            found[0].name,
            await self.bot.store.cohorts.sessions(found[0].id),
            self.bot.clock.now(),
        )
        await interaction.response.send_message(
            f"Live sessions of {found[0].name}:",
            file=discord.File(io.BytesIO(data), filename="sessions.ics"),
            ephemeral=True,
        )

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
        found = await self._instructor_cohort(interaction, cohort)
        target = await self._find(found, session)
        link = words.join_url(url)
        assert link is not None
        now = self.bot.clock.now()
        number = await self.bot.store.sessions.add_recording(
            found.id, target.key, link, passcode, note, interaction.user.id, now
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        posted = await self._post_recording(found, target, link, passcode, note)
        private = words.recording_text(target.title, link, passcode, note, show_passcode=True)
        post = Post(f"Recording: {target.title}", private)
        dmed = await self.dm_learners_who_asked(
            found, target, f"recording:{target.key}:{number}", post
        )
        await interaction.followup.send(
            f"Recording posted in {posted}; DMs: {dmed}.", ephemeral=True
        )

    add_recording.autocomplete("session")(_session_names)

    async def dm_learners_who_asked(
        self, cohort: Cohort, session: CohortSession, key: str, post: Post
    ) -> str:
        guild = self.bot.get_guild(cohort.guild_id)
        ids = await self.bot.store.sessions.rsvps(cohort.id, session.key)
        members = [m for uid in ids if guild and (m := guild.get_member(uid))]
        result = await send_dms(
            self.bot.store,
            self.bot.clock,
            cohort.id,
            key,
            members,
            lambda _: {"content": post.body},
        )
        return result.summary()

    async def _post_recording(
        self,
        cohort: Cohort,
        session: CohortSession,
        url: str,
        passcode: str | None,
        note: str | None,
    ) -> str:
        """Under the session's announcement and in its week's thread; passcode only where private."""
        places = []
        announce = await self.bot.store.deliveries.get(cohort.id, f"announce:{session.key}")
        module = (
            await self.bot.store.deliveries.get(cohort.id, f"module:{announce.week}")
            if announce
            else None
        )
        for row in (announce, module):
            if row is None or row.channel_id is None:
                continue
            channel = self.bot.get_channel(row.channel_id)
            if not isinstance(channel, discord.TextChannel | discord.Thread):
                continue
            public = channel.permissions_for(channel.guild.default_role).view_channel
            text = words.recording_text(
                session.title, url, passcode, note, show_passcode=not public
            )
            reference = (
                channel.get_partial_message(row.message_id)
                if row.message_id and row is announce
                else None
            )
            await channel.send(text, reference=reference) if reference else await channel.send(text)
            places.append(channel.mention)
        if not places:
            raise InvalidInput(
                "that session has not been announced yet, so there is nowhere to post its recording"
            )
        return " and ".join(places)

    @app_commands.command(
        name="recordings", description="Every recording of your cohort's sessions"
    )
    @app_commands.describe(cohort="The cohort (default: yours)")
    async def recordings(
        self, interaction: discord.Interaction, cohort: CohortName | None = None
    ) -> None:
        chosen = await self._my_cohorts(interaction, cohort)
        lines = []
        for found in chosen:
            if not (
                is_learner(interaction.user, found) or self._may_manage(interaction.user, found)
            ):
                raise NotAllowed(f"Recordings of {found.name} are for its learners.")
            course = self.bot.library.get(found.course_id)
            if self.bot.clock.now() >= found.calendar(course).archives:
                continue
            titles = {s.key: s for s in await self.bot.store.cohorts.sessions(found.id)}
            for rec in await self.bot.store.sessions.recordings(found.id):
                session = titles.get(rec.session_key)
                title = session.title if session else rec.session_key
                held = f" ({session.start:%d %b %Y})" if session else ""
                lines.append(
                    words.recording_text(
                        f"{title}{held}", rec.url, rec.passcode, rec.note, show_passcode=True
                    )
                )
        await interaction.response.send_message(
            "\n\n".join(lines)[:2000] or "No recordings yet.", ephemeral=True
        )

    @staticmethod
    def _may_manage(user: discord.Member | discord.User, cohort: Cohort) -> bool:
        try:
            require_instructor(user, cohort)
        except NotAllowed:
            return False
        return True


async def setup(bot: CohortBot) -> None:
    await bot.add_cog(Sessions(bot))
