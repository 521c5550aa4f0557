"""Adding, listing, moving and cancelling a cohort's live sessions: the rules both adapters
share. Each returns the session to save (or the listing to show); the adapter saves it and
re-plans the cohort, then ``tell`` corrects what was posted (the same step after a course
file moved or cancelled sessions, ``/course reload``)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import sessions as words
from bot.cohort import Cohort
from bot.errors import InvalidInput, NotFound
from bot.features.modules import notices_place
from bot.features.platform import Action, Buttons, Platform, Sent
from bot.render import Post
from bot.store import Store
from bot.timetable import CohortSession

log = logging.getLogger(__name__)


def to_add(
    existing: Iterable[CohortSession],
    title: str,
    start: str,
    duration: str,
    url: str | None,
    tz: ZoneInfo,
    now: datetime,
) -> CohortSession:
    """A new session from what the instructor typed, with a readable key of its own."""
    title = title.strip()
    if not title or len(title) > 90:
        raise InvalidInput("a session's title is 1 to 90 characters")
    return CohortSession(
        words.new_key(title, (s.key for s in existing)),
        title,
        words.parse_start(start, tz, now),
        words.session_length(duration),
        words.https_link(url, "join link") if url else None,
    )


def moved_to(old: CohortSession, start: str, tz: ZoneInfo, now: datetime) -> CohortSession:
    """The session at its new start; moving a cancelled session brings it back."""
    return CohortSession(
        old.key, old.title, words.parse_start(start, tz, now), old.duration, old.url
    )


def cancelled(old: CohortSession, now: datetime) -> CohortSession:
    if old.cancelled:
        raise InvalidInput(f"**{old.title}** is already cancelled.")
    if old.end <= now:
        raise InvalidInput(f"**{old.title}** has already taken place.")
    return CohortSession(old.key, old.title, old.start, old.duration, old.url, cancelled=True)


async def named(store: Store, cohort: Cohort, key: str) -> CohortSession:
    """The cohort's session by key or title."""
    for session in await store.cohorts.sessions(cohort.id):
        if key in (session.key, session.title):
            return session
    raise NotFound(f"{cohort.name} has no session {key!r}: see `/session list`")


async def listing(store: Store, cohort: Cohort) -> str:
    """``/session list``: each session with its key, time, reminders asked and check-ins."""
    asked = await store.sessions.rsvp_counts(cohort.id)
    attended = await store.sessions.attendance_counts(cohort.id)
    lines = [
        words.instructor_line(s, asked.get(s.key, 0), attended.get(s.key, 0))
        for s in await store.cohorts.sessions(cohort.id)
    ]
    return words.fit("\n".join(lines)) or "No sessions."


def corrections(
    changed: Sequence[tuple[CohortSession | None, CohortSession]], *, by_hand: bool = False
) -> list[tuple[CohortSession, Post, Post, str]]:
    """For each session moved, cancelled or brought back: the session as its announcement now
    shows it, the announcement's new words, the notice to post, and the notice's marker
    suffix (``moved:<key>``, ``cancel:<key>``). A move by hand to the time the session has
    is told too: it is how an instructor mends a move whose notice a crash stopped (the
    session saved, its announcement and learners not yet told)."""
    found = []
    for old, new in changed:
        if old is None:
            continue  # added: announced with its week, like one added by hand
        if new.cancelled and not old.cancelled:
            found.append(
                (new, words.cancellation(old), words.cancellation(old), f"cancel:{old.key}")
            )
        elif not new.cancelled and (new.start != old.start or old.cancelled or by_hand):
            found.append((new, words.announcement(new), words.moved(old, new), f"moved:{new.key}"))
    return found


async def tell(
    platform: Platform,
    store: Store,
    cohort: Cohort,
    changed: Sequence[tuple[CohortSession | None, CohortSession]],
    *,
    by_hand: bool = False,
) -> None:
    """Sessions moved or cancelled (by hand, or by a course file), saved and re-planned: each
    one's posted announcement is rewritten (a cancelled one without its buttons) so that
    scrolling up never shows a stale time, then a notice goes where notices go, marked
    ``<cohort> · moved:<key>`` or ``cancel:<key>``.

    A session not yet announced is announced (or not) as it now is, so a move is told only
    once announced. A cancellation by hand is told even before (the instructor chose it, and
    ``/sessions`` listed the session); a course file's, only once announced (a reload may
    cancel many sessions weeks ahead)."""
    for shown, post, notice, what in corrections(changed, by_hand=by_hand):
        announced = await rewrite_announcement(platform, store, cohort, shown, post)
        if announced or (by_hand and shown.cancelled):
            await platform.publish(notices_place(cohort), notice, f"{cohort.marker} · {what}")


async def rewrite_announcement(
    platform: Platform, store: Store, cohort: Cohort, session: CohortSession, post: Post
) -> bool:
    """False when it was never posted. A platform's refusal (the post deleted, access
    lost) is logged: the notice still goes out."""
    row = await store.deliveries.get(cohort.id, f"announce:{session.key}")
    if row is None or row.channel_id is None or row.message_id is None:
        return False
    buttons = None
    if not session.cancelled:
        buttons = Buttons(cohort.id, (Action.REMIND, Action.ICS), session=session.key)
    try:
        await platform.rewrite(
            Sent(row.channel_id, row.message_id), post, row.marker(), buttons=buttons
        )
    except Exception as error:
        reason = platform.describe(error)
        if reason is None:
            raise
        log.warning("could not rewrite the announcement of %s: %s", session.key, reason)
    return True
