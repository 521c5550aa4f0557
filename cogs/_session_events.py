"""Each live session mirrored as a Discord scheduled event, so members get Discord's own notices.

Best effort: the posts and reminders are the promise, the event a convenience,
so a refusal is logged rather than failing an announcement or a command.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from bot import sessions as words
from bot.cohort import Cohort
from bot.timetable import CohortSession

if TYPE_CHECKING:
    from bot.app.client import CohortBot

log = logging.getLogger(__name__)


async def sync_event(bot: CohortBot, cohort: Cohort, session: CohortSession) -> None:
    """Create, update or delete the session's guild event, when the bot may manage events."""
    guild = bot.get_guild(cohort.guild_id)
    if guild is None or not guild.me.guild_permissions.manage_events:
        return
    try:
        event = await stored_event(bot, guild, cohort, session)
        if session.cancelled or session.end <= bot.clock.now():
            if event is not None:
                await event.delete()
            await bot.store.sessions.set_event_id(cohort.id, session.key, None)
        elif event is None:
            created = await guild.create_scheduled_event(
                entity_type=discord.EntityType.external,
                privacy_level=discord.PrivacyLevel.guild_only,
                **event_fields(cohort, session),
            )
            await bot.store.sessions.set_event_id(cohort.id, session.key, created.id)
        else:
            await event.edit(**event_fields(cohort, session))
    except discord.HTTPException as error:
        log.warning("could not sync the event of %s: %s", session.key, error)


async def stored_event(
    bot: CohortBot, guild: discord.Guild, cohort: Cohort, session: CohortSession
) -> discord.ScheduledEvent | None:
    event_id = await bot.store.sessions.event_id(cohort.id, session.key)
    if event_id is None:
        return None
    try:
        # Fetched, not cached: the bot does not ask for the scheduled-events intent.
        return await guild.fetch_scheduled_event(event_id)
    except discord.NotFound:  # someone deleted it by hand: make a new one
        return None


def event_fields(cohort: Cohort, session: CohortSession) -> dict[str, Any]:
    return {
        "name": f"{session.title} ({cohort.name})"[:100],
        "description": f"Live session of {cohort.name}. {words.link_line(session)}"[:1000],
        "start_time": session.start,
        "end_time": session.end,
        "location": session.url or "See the course announcements",
    }
