"""What meets a week: the options (discussion, live session or its recording, assignment),
any or all of them, which way met each week, and how reports, the CSV and the chart say so."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from matplotlib.colors import to_rgba

from bot.catalog import default_prompts_dir
from bot.chart import COLOURS, LETTERS, MET_COLOURS, figure
from bot.course import Meets, Option, WeekRule
from bot.course_file import load_course
from bot.participation import (
    Counts,
    Done,
    Tally,
    Way,
    WeekPlan,
    WeekStatus,
    build_report,
    digest,
    export_csv,
    left_this_week,
    nudge_text,
    progress_text,
    week_outcome,
    week_plans,
    week_summary,
)
from bot.timetable import CohortSession
from tests.test_participation import AMARA, BAO, CARMEN, DMITRI, ONE_AND_TWO, WEEK_2_OF_4

MET, PARTIAL, NONE, EXCUSED = WeekStatus
D, S, A = Option.DISCUSSION, Option.SESSION, Option.ASSIGNMENT
FULL, SOME, NIL = Tally(1, 2), Tally(0, 1), Tally()
ANY_OF_ALL = WeekPlan(WeekRule(Meets.ANY, (D, S, A), recording=True), frozenset({"live-1"}), True)
ALL_OF_ALL = WeekPlan(WeekRule(Meets.ALL, (D, S, A)), frozenset({"live-1"}), True)
NO_RECORDING = WeekPlan(WeekRule(Meets.ANY, (D, S)), frozenset({"live-1"}))
ATTENDED, WATCHED = Done(attended=True), Done(watched=True)
HANDED_IN, LATE = Done(handed_in=True), Done(handed_in=True, late=True)


@pytest.mark.parametrize(
    ("tally", "plan", "done", "excused", "status", "ways"),
    [
        # The default plan is the discussion rule as before: a session or a hand-in is not enough.
        (FULL, WeekPlan(), Done(), False, MET, (Way.DISCUSSION,)),
        (SOME, WeekPlan(), ATTENDED, False, PARTIAL, ()),
        (NIL, WeekPlan(), HANDED_IN, False, NONE, ()),
        # any: one way is enough, and the report says which.
        (NIL, ANY_OF_ALL, ATTENDED, False, MET, (Way.SESSION,)),
        (NIL, ANY_OF_ALL, WATCHED, False, MET, (Way.RECORDING,)),
        (NIL, ANY_OF_ALL, HANDED_IN, False, MET, (Way.ASSIGNMENT,)),
        (FULL, ANY_OF_ALL, LATE, False, MET, (Way.DISCUSSION, Way.ASSIGNMENT)),
        (SOME, ANY_OF_ALL, Done(), False, PARTIAL, ()),
        (NIL, ANY_OF_ALL, Done(), False, NONE, ()),
        # A recording stands in for the session only where the course allows it.
        (NIL, NO_RECORDING, WATCHED, False, NONE, ()),
        (NIL, NO_RECORDING, ATTENDED, False, MET, (Way.SESSION,)),
        # all: every option the week offers; one short is partial.
        (FULL, ALL_OF_ALL, Done(attended=True, handed_in=True), False, MET,
         (Way.DISCUSSION, Way.SESSION, Way.ASSIGNMENT)),
        (FULL, ALL_OF_ALL, ATTENDED, False, PARTIAL, (Way.DISCUSSION, Way.SESSION)),
        (NIL, ALL_OF_ALL, HANDED_IN, False, PARTIAL, (Way.ASSIGNMENT,)),
        (NIL, ALL_OF_ALL, WATCHED, False, NONE, ()),  # no recording in this course
        # all, in a week without a session or an assignment: what the week offers.
        (FULL, WeekPlan(ALL_OF_ALL.rule), Done(), False, MET, (Way.DISCUSSION,)),
        # excused is excused, whatever was done.
        (NIL, ALL_OF_ALL, Done(), True, EXCUSED, ()),
    ],
)  # fmt: skip
def test_which_way_meets_a_week(tally, plan, done, excused, status, ways):
    assert week_outcome(tally, ONE_AND_TWO, plan, done, excused) == (status, ways)


def test_a_session_only_week_without_a_session_can_only_be_excused():
    only_sessions = WeekPlan(WeekRule(Meets.ANY, (S,)))
    assert week_outcome(FULL, ONE_AND_TWO, only_sessions) == (NONE, ())
    assert week_outcome(NIL, ONE_AND_TWO, only_sessions, excused=True)[0] is EXCUSED


def test_plans_take_the_weeks_rules_sessions_and_assignments():
    course, _ = load_course(default_prompts_dir() / "de-escalation.yaml")
    assert course is not None
    calendar = course_calendar_of(course)
    live = CohortSession("live-1", "L1", calendar.week(2).opens + timedelta(days=1), timedelta(1))
    gone = CohortSession("x", "X", calendar.week(3).opens, timedelta(hours=1), cancelled=True)
    plans = week_plans(course, calendar, [live, gone])
    assert plans[2].sessions == {"live-1"} and plans[3].sessions == frozenset()
    assert [plans[w].assignment for w in range(1, 5)] == [
        course.week(w).assignment is not None for w in range(1, 5)
    ]
    assert plans[1].options == (D,)  # no session, no assignment: the discussion only
    assert plans[2].options == (D, S, A)


def course_calendar_of(course):
    from bot.localtime import zone
    from bot.timetable import course_calendar

    return course_calendar(course, course.start, zone(course.timezone))


def counts_for_week_2() -> Counts:
    return Counts(
        {(AMARA.user_id, 2): FULL, (BAO.user_id, 2): SOME},
        checked_in=frozenset({(BAO.user_id, "live-1")}),
        watched=frozenset({(CARMEN.user_id, "live-1")}),
        handed_in={(DMITRI.user_id, 2): True, (AMARA.user_id, 2): False},
    )


def options_report():
    return build_report(
        (AMARA, BAO, CARMEN, DMITRI),
        counts_for_week_2(),
        [1, 2],
        ONE_AND_TWO,
        WEEK_2_OF_4,
        {1: WeekPlan(ANY_OF_ALL.rule), 2: ANY_OF_ALL},
    )


def test_the_report_summary_and_digest_say_which_way_met_the_week():
    built = options_report()
    assert [row.week(2).met_by for row in built.learners] == [
        (Way.DISCUSSION, Way.ASSIGNMENT),
        (Way.SESSION,),
        (Way.RECORDING,),
        (Way.ASSIGNMENT,),
    ]
    text = week_summary(built, 2).text
    assert "✅ Amara — 1 post, 2 replies (met by discussion + assignment)" in text
    assert "✅ bao — 0 posts, 1 reply (met by live session)" in text
    assert "✅ Carmen — 0 posts, 0 replies (met by recording)" in text
    assert "✅ Dmitri — 0 posts, 0 replies (met by assignment (late))" in text
    assert "Met week 2 by: discussion 1, live session 1, recording 1, assignment 2" in text
    assert "take part in the discussion (1 post of your own, 2 replies to classmates)" in text
    assert "**or** check in to the week's live session or watch its recording" in text
    assert "Met week 2 by: discussion 1, live session 1" in digest(built, 2)


def test_the_csv_names_the_way_each_week_was_met():
    rows = list(csv.DictReader(io.StringIO(export_csv(options_report()))))
    assert [row["week2_met_by"] for row in rows] == [
        "discussion+assignment",
        "session",
        "recording",
        "assignment (late)",
    ]
    assert [row["week1_met_by"] for row in rows] == ["", "", "", ""]


def test_progress_and_nudges_list_every_way_still_open():
    built = build_report(
        (AMARA,), Counts({(AMARA.user_id, 2): SOME}), [1, 2], ONE_AND_TWO, WEEK_2_OF_4,
        {2: ANY_OF_ALL},
    )  # fmt: skip
    row = built.row_of(AMARA.user_id)
    left = (
        "Left this week (week 2): 1 post of your own and 1 reply to classmates"
        " — or check in to the live session (or watch its recording)"
        " — or hand in the assignment."
    )
    assert left_this_week(row.week(2), ONE_AND_TWO, ANY_OF_ALL) == left
    assert left in progress_text(row, ONE_AND_TWO, WEEK_2_OF_4, None, built.plans)
    closes = datetime(2026, 10, 27, 16, tzinfo=UTC)
    assert left in nudge_text("Amara", "C", row.week(2), ONE_AND_TWO, closes, "L", ANY_OF_ALL)
    both = WeekPlan(WeekRule(Meets.ALL, (D, A)), assignment=True)
    record = build_report((AMARA,), Counts({(AMARA.user_id, 2): FULL}), [2], ONE_AND_TWO,
                          WEEK_2_OF_4, {2: both}).learners[0].week(2)  # fmt: skip
    assert left_this_week(record, ONE_AND_TWO, both) == (
        "Left this week (week 2): hand in the assignment."
    )


def test_progress_says_how_each_week_was_met():
    built = options_report()
    text = progress_text(built.row_of(CARMEN.user_id), ONE_AND_TWO, WEEK_2_OF_4, None, built.plans)
    assert "✅ Week 2: 0 posts, 0 replies (met by recording)" in text.splitlines()


def test_the_chart_colours_and_letters_a_week_by_the_way_it_was_met():
    ax = figure(options_report(), "Fall 2026").axes[0]
    labels = {text.get_text(): handle for text, handle in
              zip(ax.get_legend().get_texts(), ax.get_legend().legend_handles, strict=True)}  # fmt: skip
    assert set(labels) == {
        "none", "partial", "excused", "met by live session (S)", "met by recording (R)",
        "met by assignment (A)", "met by several ways (+)",
    }  # fmt: skip
    assert labels["met by assignment (A)"].get_facecolor() == to_rgba(MET_COLOURS[Way.ASSIGNMENT])
    assert MET_COLOURS[Way.ASSIGNMENT] != MET_COLOURS[Way.DISCUSSION] != COLOURS[NONE]
    letters = {(round(t.get_position()[0]), round(t.get_position()[1])): t.get_text()
               for t in ax.texts}  # fmt: skip
    # Week 2 is column 1; learners by name: Amara, bao, Carmen, Dmitri.
    assert [letters[(1, y)] for y in range(4)] == ["+", "S", "R", "A"]
    assert LETTERS[Way.DISCUSSION] == "D"
