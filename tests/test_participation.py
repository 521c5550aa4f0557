"""Participation rules and reports, as tables: statuses, completion, the CSV, the texts."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from bot.certificate import Certificate
from bot.course import Requirement
from bot.participation import (
    Counts,
    CoursePosition,
    Learner,
    Report,
    Tally,
    WeekStatus,
    build_report,
    digest,
    export_csv,
    fit,
    progress_text,
    spreadsheet_text,
    told_apart,
    week_status,
    week_summary,
)

ONE_AND_TWO = Requirement(original_posts=1, replies=2)
MET, PARTIAL, NONE, EXCUSED = WeekStatus
AMARA, BAO, CARMEN, DMITRI = (
    Learner(i, n) for i, n in enumerate(("Amara", "bao", "Carmen", "Dmitri"), 1)
)
WEEK_2_OF_4 = CoursePosition(current_week=2, weeks_started=2)
ENDED = CoursePosition(current_week=None, weeks_started=4)


@pytest.mark.parametrize(
    ("tally", "requirement", "excused", "status"),
    [
        (Tally(1, 2), ONE_AND_TWO, False, MET),
        (Tally(3, 5), ONE_AND_TWO, False, MET),
        (Tally(1, 1), ONE_AND_TWO, False, PARTIAL),
        (Tally(0, 2), ONE_AND_TWO, False, PARTIAL),
        (Tally(4, 0), ONE_AND_TWO, False, PARTIAL),  # posts never stand in for replies
        (Tally(0, 0), ONE_AND_TWO, False, NONE),
        (Tally(0, 0), ONE_AND_TWO, True, EXCUSED),
        (Tally(1, 1), ONE_AND_TWO, True, EXCUSED),
        (Tally(0, 0), Requirement(0, 0), False, MET),  # nothing required: met
        (Tally(2, 0), Requirement(2, 0), False, MET),
    ],
)
def test_a_weeks_status(tally, requirement, excused, status):
    assert week_status(tally, requirement, excused) is status


@pytest.mark.parametrize(
    ("status", "counts"), [(MET, True), (EXCUSED, True), (PARTIAL, False), (NONE, False)]
)
def test_excused_counts_as_met(status, counts):
    assert status.counts_as_met is counts


def report(
    tallies: dict[tuple[int, int], Tally],
    excused: set[tuple[int, int]] = frozenset(),  # type: ignore[assignment]
    learners: tuple[Learner, ...] = (AMARA, BAO, CARMEN, DMITRI),
    weeks: range = range(1, 5),
    position: CoursePosition = WEEK_2_OF_4,
    attended: dict[int, int] | None = None,
) -> Report:
    counts = Counts(tallies, set(excused), attended or {})
    return build_report(learners, counts, weeks, ONE_AND_TWO, position)


FULL = Tally(1, 2)


def test_a_learner_completes_when_every_week_is_met_or_excused():
    done = {(AMARA.user_id, w): FULL for w in range(1, 5)}
    excused_once = {(BAO.user_id, w): FULL for w in (1, 2, 4)}
    short_once = {(CARMEN.user_id, w): FULL for w in (1, 2, 3)} | {(CARMEN.user_id, 4): Tally(1, 1)}
    built = report(done | excused_once | short_once, excused={(BAO.user_id, 3)}, position=ENDED)
    completed = {row.learner.name: row.completed for row in built.learners}
    assert completed == {"Amara": True, "bao": True, "Carmen": False, "Dmitri": False}
    assert [r.status for r in built.row_of(BAO.user_id).weeks] == [MET, MET, EXCUSED, MET]


def test_every_learner_is_in_the_report_by_name_and_others_activity_is_left_out():
    stranger = 99
    built = report({(stranger, 1): FULL, (BAO.user_id, 1): Tally(0, 1)})
    assert [row.learner.name for row in built.learners] == ["Amara", "bao", "Carmen", "Dmitri"]
    assert built.row_of(stranger) is None
    assert built.row_of(DMITRI.user_id).week(1).tally == Tally(0, 0)


def test_behind_not_posted_status_counts_and_totals():
    built = report(
        {(AMARA.user_id, 2): FULL, (BAO.user_id, 2): Tally(0, 1), (CARMEN.user_id, 1): Tally(1, 0)},
        excused={(DMITRI.user_id, 2)},
    )
    assert [row.learner.name for row in built.behind(2)] == ["bao", "Carmen"]
    assert [row.learner.name for row in built.not_posted()] == ["Dmitri"]  # excused, but silent
    assert built.status_counts(2) == {MET: 1, PARTIAL: 1, NONE: 1, EXCUSED: 1}
    assert built.totals(2) == Tally(1, 3)


def test_the_csv_has_a_row_per_learner_with_each_weeks_counts_and_status_and_completion():
    built = report(
        {(AMARA.user_id, w): FULL for w in range(1, 5)} | {(BAO.user_id, 2): Tally(0, 1)},
        excused={(BAO.user_id, 1)},
        learners=(AMARA, BAO),
        position=ENDED,
        attended={AMARA.user_id: 2},
    )
    rows = list(csv.reader(io.StringIO(export_csv(built))))
    assert rows[0] == [
        "display_name",
        "user_id",
        *(f"week{w}_{c}" for w in range(1, 5) for c in ("posts", "replies", "status", "met_by")),
        "sessions_attended",
        "completed",
        "certificate",
        "certificate_override",
    ]
    assert rows[1] == ["Amara", "1", *["1", "2", "met", "discussion"] * 4, "2", "yes", "", ""]
    assert rows[2] == [
        "bao",
        "2",
        "0",
        "0",
        "excused",
        "",
        "0",
        "1",
        "partial",
        "",
        *["0", "0", "none", ""] * 2,
        "0",
        "no",
        "",
        "",
    ]
    assert len(rows) == 3


def test_the_csv_names_each_learners_certificate_and_whether_an_instructor_issued_it():
    built = report(
        {(AMARA.user_id, w): FULL for w in range(1, 5)},
        learners=(AMARA, BAO),
        position=ENDED,
    )
    issued = {
        AMARA.user_id: certificate(AMARA.user_id, "AAAAA-BBBBB"),
        BAO.user_id: certificate(BAO.user_id, "CCCCC-DDDDD", issued_by=99),
    }
    rows = list(csv.DictReader(io.StringIO(export_csv(built, issued))))
    assert [(r["completed"], r["certificate"], r["certificate_override"]) for r in rows] == [
        ("yes", "AAAAA-BBBBB", "no"),
        ("no", "CCCCC-DDDDD", "yes"),  # issued by hand, though the rule was not met
    ]


def certificate(user_id: int, code: str, issued_by: int | None = None) -> Certificate:
    return Certificate(
        code, 1, user_id, "Name", "Course", date(2026, 10, 13), date(2026, 11, 10), 15.0,
        "Becky Russell", datetime(2026, 11, 24, tzinfo=UTC), issued_by,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "cell"),
    [
        ('=HYPERLINK("http://x","hi")', '\'=HYPERLINK("http://x","hi")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("  =1+1", "'  =1+1"),  # spreadsheets skip leading blanks
        ("＝1+1", "'＝1+1"),  # full-width equals sign
        ("Amara", "Amara"),
        ("Zoë-Li O'Neil", "Zoë-Li O'Neil"),  # a dash inside a name is harmless
        ("", ""),
    ],
)
def test_display_names_cannot_become_spreadsheet_formulas(name, cell):
    assert spreadsheet_text(name) == cell


def test_the_csv_quotes_names_with_commas_quotes_and_formulas():
    tricky = Learner(7, 'Lee, "Sam" =1')
    formula = Learner(8, "=1+2")
    text = export_csv(report({}, learners=(tricky, formula)))
    names = [row[0] for row in csv.reader(io.StringIO(text))][1:]
    assert names == ["'=1+2", 'Lee, "Sam" =1']
    assert '"Lee, ""Sam"" =1"' in text


def test_progress_shows_the_weeks_so_far_and_what_is_left_this_week():
    built = report({(AMARA.user_id, 1): FULL, (AMARA.user_id, 2): Tally(0, 1)})
    closes = datetime(2026, 10, 27, 16, tzinfo=UTC)
    text = progress_text(built.row_of(AMARA.user_id), ONE_AND_TWO, WEEK_2_OF_4, closes)
    assert text.splitlines() == [
        "✅ Week 1: 1 post, 2 replies (met)",
        "🟡 Week 2: 0 posts, 1 reply (partial)",
        "Weeks met: 1 of 4. The course is complete when every week is met (or excused).",
        "Left this week (week 2): 1 post of your own and 1 reply to classmates."
        f" It closes <t:{int(closes.timestamp())}:R>.",
    ]


def test_progress_counts_the_live_sessions_attended_when_there_are_any():
    built = report({(AMARA.user_id, 1): FULL}, learners=(AMARA, BAO), attended={AMARA.user_id: 1})
    amara = progress_text(built.row_of(AMARA.user_id), ONE_AND_TWO, WEEK_2_OF_4, None)
    bao = progress_text(built.row_of(BAO.user_id), ONE_AND_TWO, WEEK_2_OF_4, None)
    assert "Live sessions attended: 1." in amara.splitlines()
    assert "attended" not in bao


@pytest.mark.parametrize(
    ("tallies", "position", "last_line"),
    [
        ({}, CoursePosition(None, 0), "The course has not started yet: nothing to count so far."),
        ({(1, 2): FULL}, WEEK_2_OF_4, "Week 2 is done. Thank you!"),
        (
            {(1, 2): Tally(0, 0)},
            WEEK_2_OF_4,
            "Left this week (week 2): 1 post of your own and 2 replies to classmates.",
        ),
        ({(1, w): FULL for w in range(1, 5)}, ENDED, "Course completed: every week is met. 🎉"),
        (
            {(1, 1): FULL},
            ENDED,
            "Weeks met: 1 of 4. The course is complete when every week is met (or excused).",
        ),
    ],
)
def test_progress_from_before_the_start_to_after_the_end(tallies, position, last_line):
    built = report(tallies, learners=(AMARA,), position=position)
    assert (
        progress_text(built.learners[0], ONE_AND_TWO, position, None).splitlines()[-1] == last_line
    )


def test_a_small_summary_fits_whole():
    built = report(
        {(AMARA.user_id, 2): FULL, (BAO.user_id, 2): Tally(0, 1)}, excused={(DMITRI.user_id, 2)}
    )
    result = week_summary(built, 2)
    assert result.full is None
    assert result.text.splitlines() == [
        "**Week 2** — 4 learners: 1 met, 1 partial, 1 none, 1 excused",
        "Written in week 2: 1 post, 3 replies",
        "To complete this week, start **1** discussion post of your own and reply to **2** classmates.",
        "",
        "✅ Amara — 1 post, 2 replies (met)",
        "🟡 bao — 0 posts, 1 reply (partial)",
        "⬜ Carmen — 0 posts, 0 replies (none)",
        "🔵 Dmitri — 0 posts, 0 replies (excused)",
        "",
        "**Behind this week (2):** bao, Carmen",
    ]
    assert "**Behind in week 1 (4):**" in week_summary(built, 1).text


def test_a_large_summary_is_cut_to_fit_and_the_whole_goes_in_a_file():
    many = tuple(Learner(i, f"Learner {i:04}") for i in range(1000))
    built = report({(i, 2): FULL for i in range(0, 1000, 2)}, learners=many)
    result = week_summary(built, 2, limit=4096)
    assert len(result.text) <= 4096
    assert "… and " in result.text and "more: see the file" in result.text
    assert result.full is not None
    assert all(f"Learner {i:04} —" in result.full for i in range(1000))
    assert result.full.endswith("Learner 0999")  # everyone behind, in the file


def test_names_are_shown_as_written_not_as_markdown():
    built = report({}, learners=(Learner(1, "*bold* _it_ `x` ~s~ |sp| [a](b)"),))
    assert "\\*bold\\* \\_it\\_ \\`x\\` \\~s\\~ \\|sp\\| \\[a\\](b)" in week_summary(built, 1).text


def test_the_digest_names_who_is_behind_and_who_has_not_posted_and_fits_a_dm():
    built = report({(AMARA.user_id, 1): FULL, (BAO.user_id, 1): Tally(0, 1)})
    lines = digest(built, 1).splitlines()
    assert lines[:5] == [
        "Weekly digest, week 1: 4 learners, 1 met, 1 partial, 2 none, 0 excused",
        "Written in week 1: 1 post, 3 replies",
        "Every week met so far: 1 of 4",
        "**Behind in week 1 (3):** bao, Carmen, Dmitri",
        "**Not posted at all (2):** Carmen, Dmitri",
    ]
    many = tuple(Learner(i, f"Someone with a long name {i}") for i in range(1000))
    assert len(digest(report({}, learners=many), 1)) <= 1900


@pytest.mark.parametrize(
    ("parts", "room", "joined"),
    [
        (["a", "b", "c"], 100, "a, b, c"),
        (["a", "b", "c"], 7, "a, b, c"),  # exactly fits
        (["aaa", "bbb", "ccc"], 12, "aaa, bbb, +1"),
        (["aaa", "bbb", "ccc"], 9, "aaa, +2"),
        (["aaa", "bbb", "ccc"], 3, "+3"),
    ],
)
def test_fit_keeps_what_fits_and_counts_the_rest(parts, room, joined):
    assert fit(parts, room, ", ", lambda n: f"+{n}") == joined


def test_a_summary_of_a_cohort_without_learners():
    text = week_summary(report({}, learners=()), 1).text
    assert text.splitlines()[0] == "**Week 1** — 0 learners: 0 met, 0 partial, 0 none, 0 excused"
    assert text.endswith("\n\n**Behind in week 1 (0):** nobody") and "\n\n\n" not in text


SAM_D1 = Learner(1, "Sam", "<@412345678901234567>")  # Discord: the user id in the mention
SAM_D2 = Learner(2, "Sam", "<@398765432109876543>")
SAM_D3 = Learner(3, "sam ", "<@!500000000000004567>")  # same name but for case and space
SAM_S1 = Learner(4, "Sam", "<@U01ABCD2345>")  # Slack: the member id
SAM_S2 = Learner(5, "Sam", "<@U09ZZZZ2345>")


@pytest.mark.parametrize(
    ("learners", "labels"),
    [
        ((AMARA, BAO), ["Amara", "bao"]),  # no one alike: the names alone
        ((SAM_D1, SAM_D2, AMARA), ["Sam (…4567)", "Sam (…6543)", "Amara"]),
        ((SAM_D1, SAM_D3), ["Sam (…34567)", "sam  (…04567)"]),  # …4567 twice: longer
        ((SAM_S1, SAM_S2), ["Sam (…D2345)", "Sam (…Z2345)"]),
        ((Learner(7, "Sam"), Learner(8, "Sam")), ["Sam (7)", "Sam (8)"]),  # no mention
        ((), []),
    ],
)
def test_learners_of_one_name_are_told_apart_by_the_end_of_their_id(learners, labels):
    assert told_apart(learners) == labels
