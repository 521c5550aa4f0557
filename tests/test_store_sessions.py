"""Live-session state on a real SQLite file: reminder requests, recordings, check-ins, events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.sessions import Recording
from bot.store.privacy import tables_with
from tests.helpers import new_cohort

NOW = datetime(2026, 10, 20, 16, tzinfo=UTC)
AMARA, BAO = 101, 102


async def test_remind_me_toggles_and_lists_people_in_the_order_they_asked(store, cohort):
    sessions = store.sessions
    assert await sessions.toggle_rsvp(cohort.id, "live-1", BAO, NOW) is True
    assert await sessions.toggle_rsvp(cohort.id, "live-1", AMARA, NOW + timedelta(1)) is True
    assert await sessions.toggle_rsvp(cohort.id, "live-2", AMARA, NOW) is True
    assert await sessions.rsvps(cohort.id, "live-1") == [BAO, AMARA]
    assert await sessions.toggle_rsvp(cohort.id, "live-1", BAO, NOW) is False  # pressed again
    assert await sessions.rsvps(cohort.id, "live-1") == [AMARA]
    assert await sessions.rsvp_counts(cohort.id) == {"live-1": 1, "live-2": 1}


async def test_recordings_keep_every_field_and_come_back_oldest_first(store, cohort):
    later = Recording("live-2", "https://x.org/2", None, None, NOW + timedelta(days=1))
    first = Recording("live-1", "https://x.org/1", "s3cret", "Slides in the thread.", NOW)
    await store.sessions.add_recording(cohort.id, later, added_by=99)
    number = await store.sessions.add_recording(cohort.id, first, added_by=99)
    assert number > 0
    assert await store.sessions.recordings(cohort.id) == [first, later]
    other = await store.cohorts.create(new_cohort("Winter 2027"), [], NOW)
    assert await store.sessions.recordings(other.id) == []


async def test_a_check_in_counts_once_per_person_and_session(store, cohort):
    assert await store.sessions.check_in(cohort.id, "live-1", AMARA, NOW) is True
    assert await store.sessions.check_in(cohort.id, "live-1", AMARA, NOW) is False
    await store.sessions.check_in(cohort.id, "live-2", AMARA, NOW)
    await store.sessions.check_in(cohort.id, "live-1", BAO, NOW)
    assert await store.sessions.attendance(cohort.id) == {AMARA: 2, BAO: 1}
    assert await store.sessions.attendance_counts(cohort.id) == {"live-1": 2, "live-2": 1}


async def test_the_event_id_is_remembered_replaced_and_forgotten(store, cohort):
    assert await store.sessions.event_id(cohort.id, "live-1") is None
    await store.sessions.set_event_id(cohort.id, "live-1", 555)
    await store.sessions.set_event_id(cohort.id, "live-1", 556)
    assert await store.sessions.event_id(cohort.id, "live-1") == 556
    await store.sessions.set_event_id(cohort.id, "live-1", None)
    assert await store.sessions.event_id(cohort.id, "live-1") is None


async def test_tables_about_learners_are_found_by_mydata_forgetme_and_the_purge(store):
    # /mydata and /forgetme find people's rows by a ``user_id`` column, the cohort
    # purge by ``cohort_id`` and ``user_id`` together: tables are not listed by name.
    about_people = await tables_with(store.db, "cohort_id", "user_id")
    for table in ("rsvps", "attendance"):
        assert table in about_people, table
