"""Which cohorts /sessions and /recordings list, on either platform (bot.features.listings)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.cohort import Cohort, CohortState
from bot.errors import NotAllowed, NotFound
from bot.features.listings import cohorts_taking_part


def cohort(number: int, name: str) -> Cohort:
    return Cohort(
        1,
        name,
        "de-escalation",
        date(2026, 10, 13),
        "UTC",
        10,
        20,
        None,
        None,
        1,
        id=number,
        state=CohortState.ACTIVE,
    )


FALL, SPRING = cohort(1, "Fall"), cohort(2, "Spring")


@pytest.mark.parametrize(
    ("name", "visible", "learning", "expected"),
    [
        (None, [FALL, SPRING], [SPRING], [SPRING]),  # where they learn, first
        (None, [FALL, SPRING], [], [FALL, SPRING]),  # an instructor: what they teach
        ("Fall", [FALL, SPRING], [SPRING], [FALL]),  # named, and theirs
    ],
)
def test_the_cohorts_listed(name, visible, learning, expected):
    named = next((c for c in (FALL, SPRING) if c.name == name), None)
    assert cohorts_taking_part(name, named, visible, learning, "workspace") == expected


@pytest.mark.parametrize(
    ("name", "named", "visible", "error", "says"),
    [
        (None, None, [], NotAllowed, "You are not in any cohort in this server."),
        ("Fall", FALL, [SPRING], NotAllowed, "Recordings and sessions of Fall are for its"),
        (
            "Winter",
            None,
            [SPRING],
            NotFound,
            "no cohort called 'Winter' in this server; yours: Spring",
        ),
        ("Winter", None, [], NotFound, "no cohort called 'Winter' in this server"),
    ],
)
def test_who_is_refused(name, named, visible, error, says):
    with pytest.raises(error, match=says):
        cohorts_taking_part(name, named, visible, [], "server")
