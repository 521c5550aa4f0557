"""``/recording add`` on Slack: the link in the thread of the session's announcement, and by
DM to those who pressed Remind me (exactly once each, by the shared fan-out). The passcode
is posted only in a private channel; a public one is readable by the whole workspace."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot import sessions as words
from bot.cohort import Cohort
from bot.errors import InvalidInput
from bot.features import session_changes as changes
from bot.features.platform import Action, Buttons
from bot.features.sessions import SessionDeliveries
from bot.render import Post
from bot.sessions import Recording
from bot.slack.blocks import action_block, mrkdwn
from bot.slack.ids import id_ts
from bot.timetable import CohortSession

if TYPE_CHECKING:
    from bot.slack.app import SlackBot


async def named_session(bot: SlackBot, cohort: Cohort, key: str) -> CohortSession:
    return await changes.named(bot.store, cohort, key)


async def add_recording(
    bot: SlackBot, cohort: Cohort, user: str, key: str, url: str, passcode: str | None
) -> str:
    session = await named_session(bot, cohort, key)
    link = words.https_link(url, "recording link")
    announce = await bot.store.deliveries.get(cohort.id, f"announce:{session.key}")
    if announce is None or announce.channel_id is None or announce.message_id is None:
        raise InvalidInput(
            f"**{session.title}** has not been announced yet, so there is nowhere to post its"
            " recording"
        )
    recording = Recording(session.key, link, passcode, None, bot.clock.now())
    number = await bot.store.sessions.add_recording(
        cohort.id, recording, await bot.platform.number(user)
    )
    channel = await bot.platform.slack_id(announce.channel_id)
    info = (await bot.client.conversations_info(channel=channel))["channel"]
    shown = words.passcode_visible(
        everyone_can_view=not info.get("is_private"), learners_can_view=True
    )
    text = mrkdwn(words.recording_post(recording, session, show_passcode=shown))
    extra: dict[str, Any] = {}
    if bot.library.get(cohort.course_id).recordings_count:
        # "Watched it" only where a recording can stand in for the session.
        watched = Buttons(cohort.id, (Action.WATCHED,), session=session.key)
        section = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
        extra["blocks"] = [section, action_block(watched)]
    await bot.client.chat_postMessage(
        channel=channel, thread_ts=id_ts(announce.message_id), text=text, **extra
    )
    shared = SessionDeliveries(bot.platform, bot.store, bot.clock)
    asked = await bot.platform.people(
        cohort, await bot.store.sessions.rsvps(cohort.id, session.key)
    )
    private = words.recording_post(recording, session, show_passcode=True)
    result = await shared.dm(
        cohort,
        f"recording:{session.key}:{number}",
        asked,
        Post(f"Recording: {session.title}", private),
    )
    return f"Recording posted under the announcement; DMs to those who asked: {result.summary()}."
