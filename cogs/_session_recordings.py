"""Where a session's recording is posted, and how: under its announcement and in its
week's post, with the passcode only where the public cannot look."""

from __future__ import annotations

from typing import Any

import discord

from bot import sessions as words
from bot.app.permissions import POST_IN_THREAD, SEND_MESSAGES, require
from bot.cohort import Cohort
from bot.errors import InvalidInput
from bot.sessions import Recording
from bot.timetable import CohortSession
from cogs._session_posts import Place, SessionPosts


async def recording_places(
    posts: SessionPosts, cohort: Cohort, session: CohortSession
) -> list[tuple[Place, int | None]]:
    """Under the session's announcement, and in its week's forum post.

    Both are fetched when not cached: a week's thread is auto-archived after a
    few quiet days, and Discord then drops it from the bot's cache.
    """
    announce = await posts.announcement_row(cohort, session)
    if announce is None:
        raise InvalidInput(
            f"**{session.title}** has not been announced yet, so there is nowhere to post "
            "its recording"
        )
    module = await posts.bot.store.deliveries.get(cohort.id, f"module:{announce.week}")
    places: list[tuple[Place, int | None]] = []
    for row, reply_to in ((announce, announce.message_id), (module, None)):
        if row is None or row.channel_id is None:
            continue
        if row.channel_id in {channel.id for channel, _ in places}:
            continue
        channel = await posts.place(row.channel_id)
        if channel is not None:
            places.append((channel, reply_to))
    return places


async def post_recording(
    cohort: Cohort,
    channel: Place,
    reply_to: int | None,
    recording: Recording,
    session: CohortSession,
    view: discord.ui.View | None = None,
) -> None:
    require(channel, POST_IN_THREAD if isinstance(channel, discord.Thread) else SEND_MESSAGES)
    guild = channel.guild
    learners = guild.get_role(cohort.learner_role_id)
    shown = words.passcode_visible(
        everyone_can_view=channel.permissions_for(guild.default_role).view_channel,
        learners_can_view=learners is not None and channel.permissions_for(learners).view_channel,
    )
    text = words.recording_post(recording, session, show_passcode=shown)
    extra: dict[str, Any] = {"view": view} if view else {}
    if reply_to is not None:
        under = channel.get_partial_message(reply_to)
        extra["reference"] = under.to_reference(fail_if_not_exists=False)
    await channel.send(text, **extra)
