"""Each live session mirrored as a Discord scheduled event, as soon as it is planned.

Members look for what is coming in the server's Events list, so a session's
event is made when the session is planned (cohort created, ``/session add``),
moved when it is rescheduled and deleted when it is cancelled or its cohort is
ended early.

Best effort: the posts and reminders are the promise, the event a convenience,
so a refusal is logged rather than failing an announcement or a command.

Creating an event and recording its id are two steps: a crash between them
must not make a second event. Every event's description ends with a marker
(``cohortbot · cohort 3 · event:live-1``), and an event whose id was never
recorded is looked for by that marker before a new one is made.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import discord

from bot.app.markers import footer
from bot.cohort import Cohort, CohortState
from bot.timetable import CohortSession

if TYPE_CHECKING:
    from bot.app.client import CohortBot

log = logging.getLogger(__name__)

DESCRIPTION_LIMIT = 1000  # Discord's limit for an event's description


async def sync_events(
    bot: CohortBot, cohort: Cohort, sessions: Iterable[CohortSession] | None = None
) -> None:
    """Bring the Discord events of the cohort's sessions (default: all) in line with them."""
    guild = bot.get_guild(cohort.guild_id)
    if guild is None or not guild.me.guild_permissions.manage_events:
        return
    if sessions is None:
        sessions = await bot.store.cohorts.sessions(cohort.id)
    events = GuildEvents(guild)
    # Discord lists events to every member of the server: the join link goes there only
    # when the channel that carries it (the cohort's announcements) is public anyway.
    place = guild.get_channel(cohort.announcements_channel_id or cohort.channel_id)
    public = place is not None and place.permissions_for(guild.default_role).view_channel
    for session in sessions:
        try:
            await sync_one(bot, events, cohort, session, show_link=public)
        except discord.HTTPException as error:
            log.warning("could not sync the event of %s: %s", session.key, error)


async def sync_one(
    bot: CohortBot,
    events: GuildEvents,
    cohort: Cohort,
    session: CohortSession,
    *,
    show_link: bool,
) -> None:
    now = bot.clock.now()
    if not session.cancelled and session.start <= now:
        return  # under way or over: Discord runs and completes its event itself
    event = await stored_event(bot, events, cohort, session)
    if session.cancelled or cohort.state is CohortState.ENDED:  # nobody will run it
        if event is not None:
            await event.delete()
        await bot.store.sessions.set_event_id(cohort.id, session.key, None)
        return
    fields = event_fields(cohort, session, show_link=show_link)
    if event is None:
        event = await events.guild.create_scheduled_event(
            entity_type=discord.EntityType.external,
            privacy_level=discord.PrivacyLevel.guild_only,
            **fields,
        )
    elif differs(event, fields):
        await event.edit(**fields)
    if await bot.store.sessions.event_id(cohort.id, session.key) != event.id:
        await bot.store.sessions.set_event_id(cohort.id, session.key, event.id)


class GuildEvents:
    """A guild's scheduled events, listed once (and only when needed) per sync."""

    def __init__(self, guild: discord.Guild) -> None:
        self.guild = guild
        self._listed: list[discord.ScheduledEvent] | None = None

    async def get(self, event_id: int) -> discord.ScheduledEvent | None:
        try:
            # Fetched, not cached: the bot does not ask for the scheduled-events intent.
            return await self.guild.fetch_scheduled_event(event_id)
        except discord.NotFound:  # someone deleted it by hand
            return None

    async def marked(self, marker: str) -> discord.ScheduledEvent | None:
        if self._listed is None:
            self._listed = await self.guild.fetch_scheduled_events(with_counts=False)
        for event in self._listed:
            if (event.description or "").endswith(marker):
                return event
        return None


async def stored_event(
    bot: CohortBot, events: GuildEvents, cohort: Cohort, session: CohortSession
) -> discord.ScheduledEvent | None:
    """The session's event: by its recorded id, else by the marker in its description."""
    event_id = await bot.store.sessions.event_id(cohort.id, session.key)
    found = await events.get(event_id) if event_id is not None else None
    return found or await events.marked(event_marker(cohort, session))


def event_marker(cohort: Cohort, session: CohortSession) -> str:
    return footer(f"{cohort.marker} · event:{session.key}")


def event_fields(cohort: Cohort, session: CohortSession, *, show_link: bool) -> dict[str, Any]:
    marker = event_marker(cohort, session)
    url = session.url if show_link else None
    if url:
        link = f"Join: {url}"
    elif session.url:
        link = "The join link is in the cohort's announcements."
    else:
        link = "The join link comes in the announcements."
    text = f"Live session of {cohort.name}. {link}"
    return {
        "name": f"{session.title} ({cohort.name})"[:100],
        "description": f"{text[: DESCRIPTION_LIMIT - len(marker) - 2]}\n\n{marker}",
        "start_time": session.start,
        "end_time": session.end,
        "location": url or "See the course announcements",
    }


def differs(event: discord.ScheduledEvent, fields: dict[str, Any]) -> bool:
    """Whether the event shows anything other than ``fields`` (so an edit is owed)."""
    return (
        event.name != fields["name"]
        or (event.description or "") != fields["description"]
        or event.start_time != fields["start_time"]
        or event.end_time != fields["end_time"]
        or event.location != fields["location"]
    )
