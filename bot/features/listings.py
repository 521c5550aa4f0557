"""What learners list of their cohorts, on any platform: upcoming sessions, a calendar file
of them, and recordings (``/sessions``, ``/sessions calendar``, ``/recordings``).

Only a cohort's learners and instructors see its sessions and recordings (join links,
passcodes). Each adapter says which cohorts the person asking takes part in (``visible``)
and learns in (``learning``); the choice and the words are made here, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot import sessions as words
from bot.cohort import Cohort
from bot.errors import NotAllowed, NotFound
from bot.ics import session_calendar
from bot.library import CourseLibrary
from bot.store import Store


def no_cohort_called(name: str, yours: Sequence[Cohort], where: str) -> NotFound:
    """A name that is no cohort here; only the asker's own cohorts are named back."""
    known = ", ".join(c.name for c in yours)
    return NotFound(
        f"no cohort called {name!r} in this {where}" + (f"; yours: {known}" if known else "")
    )


def cohorts_taking_part(
    name: str | None,
    named: Cohort | None,
    visible: Sequence[Cohort],
    learning: Sequence[Cohort],
    where: str,
) -> list[Cohort]:
    """The named cohort (``named``: found by ``name``), or the ones the person learns in,
    else those they take part in. ``where``: the platform's ``Vocabulary.home`` ("server",
    "workspace"), for the refusals."""
    if name:
        if named is None:
            raise no_cohort_called(name, visible, where)
        if named.id not in {c.id for c in visible}:
            raise NotAllowed(f"Recordings and sessions of {named.name} are for its learners.")
        return [named]
    if not (learning or visible):
        raise NotAllowed(f"You are not in any cohort in this {where}.")
    return list(learning or visible)


async def upcoming(store: Store, cohorts: Sequence[Cohort], now: datetime) -> str:
    """Each cohort's sessions not cancelled and not over: times, join links."""
    lines = []
    for cohort in cohorts:
        mine = words.upcoming(await store.cohorts.sessions(cohort.id), now)
        lines += [f"__{cohort.name}__", *(mine or ["no upcoming sessions"])]
    return words.fit("\n".join(lines)) or "No cohorts here yet."


async def calendar(store: Store, cohort: Cohort, now: datetime) -> tuple[str, bytes]:
    """All the cohort's sessions as one ``.ics``: its file name and bytes."""
    sessions = await store.cohorts.sessions(cohort.id)
    if not sessions:
        raise NotFound(f"{cohort.name} has no live sessions")
    name = f"{sessions[0].key}.ics" if len(sessions) == 1 else "sessions.ics"
    return name, session_calendar(cohort.id, cohort.name, sessions, now)


async def recordings(
    store: Store, library: CourseLibrary, cohorts: Sequence[Cohort], now: datetime
) -> str:
    """Every recording of each cohort, passcodes included, until the cohort is archived."""
    parts = []
    for cohort in cohorts:
        if now >= cohort.calendar(library.get(cohort.course_id)).archives:
            continue  # listed until the cohort is archived
        sessions = {s.key: s for s in await store.cohorts.sessions(cohort.id)}
        listing = words.recordings_listing(await store.sessions.recordings(cohort.id), sessions)
        parts.append(f"__{cohort.name}__\n{listing}")
    return words.fit("\n\n".join(parts)) or "No recordings yet."
