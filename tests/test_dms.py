"""Exactly-once DMs and who is nudged, as tables: no Discord, no event loop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.cohort import CLAIM_LEASE
from bot.course import Requirement
from bot.dms import Outcome, Reached, Step, marker, next_step
from bot.nudges import by_hand_key, nudge_recipients
from bot.participation import Counts, CoursePosition, Learner, Tally, build_report

NOW = datetime(2026, 10, 15, 12, tzinfo=UTC)
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("reached", "step"),
    [
        (None, Step.SEND),  # nobody tried yet
        (Reached(Outcome.SENT, NOW - timedelta(days=1)), Step.DONE),
        (Reached(Outcome.SENT, NOW), Step.DONE),
        (Reached(Outcome.DMS_CLOSED, NOW - timedelta(days=1)), Step.DONE),  # never retried
        (Reached(Outcome.FAILED, NOW), Step.DONE),  # the account is gone
        (Reached(Outcome.SENDING, NOW), Step.IN_FLIGHT),  # another process, this instant
        (Reached(Outcome.SENDING, NOW - CLAIM_LEASE + SECOND), Step.IN_FLIGHT),
        (Reached(Outcome.SENDING, NOW - CLAIM_LEASE), Step.SETTLE),  # the lease has run out
        (Reached(Outcome.SENDING, NOW - timedelta(days=3)), Step.SETTLE),
    ],
)
def test_what_a_fanout_does_about_each_recipient(reached: Reached | None, step: Step):
    assert next_step(reached, NOW) == step


def test_each_fanout_has_its_own_marker():
    assert marker(3, "nudge:2") == "cohort 3 · nudge:2"
    assert marker(3, "nudge:2") != marker(3, "nudge:2:by-hand:2026-10-15")
    assert marker(3, "nudge:2") != marker(13, "nudge:2")


# -- who gets a nudge ---------------------------------------------------------------------------

AMARA, BAO, CARMEN, DMITRI, ESI = (
    Learner(i, n) for i, n in enumerate(("Amara", "Bao", "Carmen", "Dmitri", "Esi"), 1)
)
REPORT = build_report(
    [AMARA, BAO, CARMEN, DMITRI, ESI],
    Counts(
        by_learner_week={
            (AMARA.user_id, 1): Tally(1, 2),  # met
            (BAO.user_id, 1): Tally(1, 0),  # partial
            (CARMEN.user_id, 1): Tally(0, 5),  # partial: no post of her own
            (ESI.user_id, 1): Tally(0, 0),
        },
        excused={(ESI.user_id, 1)},  # excused counts as met
    ),
    [1],
    Requirement(original_posts=1, replies=2),
    CoursePosition(current_week=1, weeks_started=1),
)
EVERYONE = {learner.user_id for learner in (AMARA, BAO, CARMEN, DMITRI, ESI)}


@pytest.mark.parametrize(
    ("opted_out", "members", "nudged"),
    [
        (set(), EVERYONE, [BAO, CARMEN, DMITRI]),  # behind: not met and not excused
        ({CARMEN.user_id}, EVERYONE, [BAO, DMITRI]),  # opted out
        ({AMARA.user_id}, EVERYONE, [BAO, CARMEN, DMITRI]),  # opting out changes nothing if met
        (set(), EVERYONE - {DMITRI.user_id}, [BAO, CARMEN]),  # left the server
        (EVERYONE, EVERYONE, []),
        (set(), set(), []),
    ],
)
def test_who_gets_a_nudge(opted_out: set[int], members: set[int], nudged: list[Learner]):
    rows = nudge_recipients(REPORT, 1, opted_out, members)
    assert [row.learner for row in rows] == nudged


LOS_ANGELES = ZoneInfo("America/Los_Angeles")
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize(
    ("now", "zone", "key"),
    [
        # 16:30 and 17:30 on Thursday in Los Angeles: two UTC days, one local day, one key.
        (datetime(2026, 10, 15, 23, 30, tzinfo=UTC), LOS_ANGELES, "nudge:1:by-hand:2026-10-15"),
        (datetime(2026, 10, 16, 0, 30, tzinfo=UTC), LOS_ANGELES, "nudge:1:by-hand:2026-10-15"),
        # Local midnight starts a new day.
        (datetime(2026, 10, 16, 6, 59, tzinfo=UTC), LOS_ANGELES, "nudge:1:by-hand:2026-10-15"),
        (datetime(2026, 10, 16, 7, 0, tzinfo=UTC), LOS_ANGELES, "nudge:1:by-hand:2026-10-16"),
        # After the DST end (PST, UTC-8) midnight is an hour later in UTC.
        (datetime(2026, 11, 2, 7, 30, tzinfo=UTC), LOS_ANGELES, "nudge:1:by-hand:2026-11-01"),
        (datetime(2026, 11, 2, 8, 0, tzinfo=UTC), LOS_ANGELES, "nudge:1:by-hand:2026-11-02"),
        # East of UTC the local day begins before the UTC one.
        (datetime(2026, 10, 15, 15, 0, tzinfo=UTC), TOKYO, "nudge:1:by-hand:2026-10-16"),
    ],
)
def test_nudging_by_hand_is_once_per_local_day(now: datetime, zone: ZoneInfo, key: str):
    assert by_hand_key(1, now, zone) == key


def test_a_dm_ends_with_its_marker_and_still_fits_one_message():
    from bot.app.markers import MESSAGE_LIMIT, marked_text

    short = marked_text("Hi Amara!", marker(3, "nudge:2"))
    assert short == "Hi Amara!\n-# cohortbot · cohort 3 · nudge:2"
    long = marked_text("x" * MESSAGE_LIMIT, marker(3, "nudge:2"))
    assert len(long) == MESSAGE_LIMIT
    assert long.endswith("x…\n-# cohortbot · cohort 3 · nudge:2")
