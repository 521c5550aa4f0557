"""What a learner's press on a session post does, on either platform: Remind me, Check in,
Watched it (and who gets Add to calendar's file). The rules (a cancelled session, the check-in window, an ended cohort) live here
once; each adapter only finds the cohort, the session and the person, and shows the answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from bot import sessions as words
from bot.clock import Clock
from bot.cohort import Cohort
from bot.errors import NotAllowed
from bot.features.platform import Action
from bot.ics import session_calendar
from bot.store import Store
from bot.timetable import CohortSession


async def remind_me(
    store: Store, clock: Clock, cohort: Cohort, session: CohortSession, user_id: int
) -> str:
    """Ask for (or, pressed again, drop) the session's reminder and recording DMs."""
    cohort.require_running()
    if session.cancelled:
        raise NotAllowed(f"**{session.title}** was cancelled.")
    asked = await store.sessions.toggle_rsvp(cohort.id, session.key, user_id, clock.now())
    if asked:
        return "I'll DM you before it starts, and the recording afterwards. 🔔"
    return "OK, no DMs for this session. Press **Remind me** again to undo."


async def check_in(
    store: Store, clock: Clock, cohort: Cohort, session: CohortSession, user_id: int
) -> str:
    """Attend the session: only while check-in is open around its start."""
    cohort.require_running()
    now = clock.now()
    words.require_check_in_open(session, now)
    new = await store.sessions.check_in(cohort.id, session.key, user_id, now)
    return "Checked in — welcome! ✅" if new else "You are already checked in."


async def watched(
    store: Store, clock: Clock, cohort: Cohort, session: CohortSession, user_id: int
) -> str:
    """Say one watched the recording (it stands in for attending where the course allows)."""
    cohort.require_running()
    if not any(r.session_key == session.key for r in await store.sessions.recordings(cohort.id)):
        raise NotAllowed(f"**{session.title}** has no recording yet.")
    new = await store.sessions.confirm_watched(cohort.id, session.key, user_id, clock.now())
    if not new:
        return "You have already said you watched it."
    return f"Thank you! Watching **{session.title}** counts as attending it. 👀"


def calendar(cohort: Cohort, session: CohortSession, now: datetime, *, takes_part: bool) -> bytes:
    """Add to calendar: the session's file, join link included, so (as ``/sessions
    calendar``) only for the cohort's learners and instructors (``takes_part``), whatever
    cohort a forged button names."""
    if not takes_part:
        raise NotAllowed(f"Sessions of {cohort.name} are for its learners and instructors.")
    return session_calendar(cohort.id, cohort.name, [session], now)


Press = Callable[[Store, Clock, Cohort, CohortSession, int], Awaitable[str]]
BY_ACTION: dict[Action, Press] = {
    Action.REMIND: remind_me,
    Action.CHECKIN: check_in,
    Action.WATCHED: watched,
}
