"""``/recording add`` on any platform: the link (https only) under the session's
announcement and in its week's post, and by DM to those who pressed Remind me (exactly once
each, by the shared fan-out). The passcode is posted only where the cohort can read and
the public cannot; the DMs always carry it."""

from __future__ import annotations

from bot import sessions as words
from bot.clock import Clock
from bot.cohort import Cohort, Delivery
from bot.errors import InvalidInput
from bot.features.platform import Action, Buttons, Platform, Readers, Sent
from bot.features.sessions import SessionDeliveries
from bot.library import CourseLibrary
from bot.render import Post
from bot.sessions import Recording
from bot.store import Store
from bot.timetable import CohortSession


def posted(row: Delivery | None) -> Sent | None:
    if row is None or row.channel_id is None or row.message_id is None:
        return None
    return Sent(row.channel_id, row.message_id)


async def places(store: Store, cohort: Cohort, session: CohortSession) -> list[Sent]:
    """Under the session's announcement, and in its week's post (if that went out)."""
    announce = await store.deliveries.get(cohort.id, f"announce:{session.key}")
    under = posted(announce)
    if announce is None or under is None:
        raise InvalidInput(
            f"**{session.title}** has not been announced yet, so there is nowhere to post "
            "its recording"
        )
    week = posted(await store.deliveries.get(cohort.id, f"module:{announce.week}"))
    return [under] if week is None or week == under else [under, week]


async def add_recording(
    platform: Platform,
    store: Store,
    library: CourseLibrary,
    clock: Clock,
    cohort: Cohort,
    session: CohortSession,
    by: int,
    url: str,
    passcode: str | None = None,
    note: str | None = None,
) -> str:
    """Check, record, post and DM a recording; the instructor's answer."""
    link = words.https_link(url, "recording link")
    where = await places(store, cohort, session)
    recording = Recording(session.key, link, passcode or None, note or None, clock.now())
    number = await store.sessions.add_recording(cohort.id, recording, by)

    def text(readers: Readers) -> str:
        shown = words.passcode_visible(readers.everyone, readers.learners)
        return words.recording_post(recording, session, show_passcode=shown)

    # "Watched it" only where a recording can stand in for the session.
    watched = None
    if library.get(cohort.course_id).recordings_count:
        watched = Buttons(cohort.id, (Action.WATCHED,), session=session.key)
    named = [await platform.reply(cohort, place, text, buttons=watched) for place in where]
    asked = await platform.people(cohort, await store.sessions.rsvps(cohort.id, session.key))
    private = words.recording_post(recording, session, show_passcode=True)
    result = await SessionDeliveries(platform, store, clock).dm(
        cohort,
        f"recording:{session.key}:{number}",
        asked,
        Post(f"Recording: {session.title}", private),
    )
    shown = " and ".join(n for n in named if n) or "nowhere (its posts are gone)"
    return f"Recording posted in {shown}; DMs to those who asked: {result.summary()}."
