"""Course files: every problem found, each at its line; valid files load."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest

from bot.catalog import default_prompts_dir
from bot.course import Lifecycle, ReminderAudience
from bot.course_file import Problem, load_course, parse_course

PROMPTS = default_prompts_dir()
SAMPLE = (PROMPTS / "de-escalation.yaml").read_text()
FILE = Path("c.yaml")


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the nth line containing ``needle``."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[nth - 1]


def edited(*edits: tuple[str, str]) -> str:
    """The de-escalation sample with each (old, new) replaced once; old must be there."""
    text = SAMPLE
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def problems_of(text: str) -> list[Problem]:
    return parse_course(text, FILE)[1]


def test_both_samples_load_and_only_the_late_session_is_warned():
    safe, safe_problems = load_course(PROMPTS / "safe-workplace.yaml")
    assert safe is not None and safe_problems == []
    course, (warning,) = load_course(PROMPTS / "de-escalation.yaml")
    assert course is not None
    assert warning.severity == "warning"
    assert warning.line == line_of(SAMPLE, "start: 2025-11-12 10:00")
    assert "session 'live-2' starts after the course ends (2025-11-11 09:00)" in warning.message
    assert str(warning).startswith(f"{PROMPTS / 'de-escalation.yaml'}:{warning.line}: warning: ")


def test_the_sample_reads_into_typed_values():
    course, _ = load_course(PROMPTS / "de-escalation.yaml")
    assert course is not None
    assert (course.id, course.timezone, course.source) == (
        "de-escalation",
        "America/Los_Angeles",
        PROMPTS / "de-escalation.yaml",
    )
    assert (course.post_weekday, course.post_time) == (1, time(9, 0))  # Tuesday 09:00
    assert [w.number for w in course.weeks] == [1, 2, 3, 4]
    assert course.week(2).assignment and course.week(1).assignment is None
    assert all(2 <= len(w.objectives) <= 3 and 1 <= len(w.prompts) <= 2 for w in course.weeks)
    assert [(s.key, s.duration) for s in course.sessions] == [
        ("live-1", timedelta(minutes=75)),
        ("live-2", timedelta(hours=1)),
    ]
    assert course.sessions[0].url == "https://example.org/live/de-escalation-1"
    assert course.reminder_leads == (timedelta(hours=24), timedelta(hours=1))


def test_the_workplace_sample_has_four_weeks_each_building_the_action_plan():
    course, _ = load_course(PROMPTS / "safe-workplace.yaml")
    assert course is not None
    assert [w.title for w in course.weeks] == [
        "Yourself",
        "Your Team",
        "Your Facility",
        "Your Customers",
    ]
    assert all(w.assignment and "Action plan" in w.assignment for w in course.weeks)
    assert course.sessions == () and course.timezone == "America/New_York"


# Each row: the edits to the sample, the line the error must be reported at
# (a needle in the edited text, or (needle, nth)), and a phrase of its message.
ERRORS = [
    pytest.param(
        [("instructor: Becky Russell\n", "")],
        "title: De-escalation",
        "the course is missing 'instructor'",
        id="missing required key",
    ),
    pytest.param(
        [("instructor: Becky Russell", "instrutor: Becky Russell")],
        "instrutor",
        "unknown key 'instrutor' in the course; allowed: title, instructor",
        id="unknown key",
    ),
    pytest.param(
        [("  nudge: 2d", "  nudge: 2d\n  nudge: 1d")],
        ("nudge:", 2),
        "'nudge' appears twice in participation",
        id="duplicate key",
    ),
    pytest.param(
        [("    title: Policies That Support Everyone\n", "")],
        "  - week: 3",
        "each of the weeks is missing 'title'",
        id="week without a title",
    ),
    pytest.param(
        [("title: De-escalation in the Library", "title: [a, b]")],
        "title: [a, b]",
        "title must be a single value, not a list",
        id="list for text",
    ),
    pytest.param(
        [("weekly_post: Tuesday 09:00", 'weekly_post: ""')],
        "weekly_post",
        "weekly_post is empty",
        id="empty value",
    ),
    pytest.param(
        [
            (
                "    objectives:\n      - Ask open, clarifying questions that get to what a patron actually needs\n",
                "    objectives: listen\n    removed:\n",
            )
        ],
        "objectives: listen",
        "objectives must be a list with at least one item",
        id="text for list",
    ),
    pytest.param(
        [("timezone: America/Los_Angeles", "timezone: Pacific/Atlantis")],
        "timezone:",
        "timezone 'Pacific/Atlantis' is not valid: use an IANA name",
        id="unknown zone",
    ),
    pytest.param(
        [("start: 2025-10-14", "start: 2025-02-30")],
        "start: 2025-02-30",
        "start '2025-02-30' is not valid: day is out of range for month",
        id="impossible date",
    ),
    pytest.param(
        [("start: 2025-10-14", "start: 14/10/2025")],
        "start: 14/10/2025",
        "write it as YYYY-MM-DD",
        id="date format",
    ),
    pytest.param(
        [("weekly_post: Tuesday 09:00", "weekly_post: Someday 09:00")],
        "weekly_post",
        "'Someday' is not a weekday",
        id="unknown weekday",
    ),
    pytest.param(
        [("weekly_post: Tuesday 09:00", "weekly_post: Tuesday 9am")],
        "weekly_post",
        "write a 24-hour time as HH:MM",
        id="clock format",
    ),
    pytest.param(
        [("weekly_post: Tuesday 09:00", "weekly_post: Tuesday 24:00")],
        "weekly_post",
        "hour must be in 0..23",
        id="impossible time",
    ),
    pytest.param(
        [("  - week: 3", "  - week: 2")],
        ("  - week: 2", 2),
        f"week 2 appears twice (first at line {line_of(SAMPLE, '  - week: 2')})",
        id="duplicate week",
    ),
    pytest.param(
        [("  - week: 4", "  - week: 5"), ("  - week: 3", "  - week: 4")],
        "  - week: 4",
        "week 3 is missing: weeks must be numbered 1, 2, 3, … with none skipped",
        id="missing week",
    ),
    pytest.param(
        [("  - week: 4", "  - week: 9")],
        "  - week: 9",
        "weeks 4 to 8 are missing",
        id="missing weeks",
    ),
    pytest.param(
        [("  - week: 3", "  - week: 0")],
        "  - week: 0",
        "week '0' is not valid: write a whole number from 1 to 52",
        id="week zero",
    ),
    pytest.param(
        [
            ("  - week: 3", "  - week: 4"),
            ("  - week: 4\n    title: De-escalation", "  - week: 3\n    title: De-escalation"),
        ],
        ("  - week: 3", 1),
        "week 4 comes before week 3: list weeks in order",
        id="weeks out of order",
    ),
    pytest.param(
        [("    title: Making Sure People Feel Heard", "    title: " + "x" * 93)],
        "    title: xxx",
        "has 101 characters: Discord allows at most 100",
        id="thread title too long",
    ),
    pytest.param(
        [("url: https://example.org/live/de-escalation-2", "url: http://example.org/x")],
        "url: http:",
        "url: http://example.org/x is not https",
        id="http link",
    ),
    pytest.param(
        [("url: https://example.org/live/de-escalation-2", "url: https:///nohost")],
        "https:///nohost",
        "is not https",
        id="link without a host",
    ),
    pytest.param(
        [("url: https://example.org/live/de-escalation-2", "url: https://[::1/x")],
        "https://[::1/x",
        "url: https://[::1/x is not https",
        id="link that cannot be parsed",
    ),
    pytest.param(
        [("start: 2025-10-22 10:00", "start: 2025-10-22 25:00")],
        "start: 2025-10-22 25:00",
        "hour must be in 0..23",
        id="session hour",
    ),
    pytest.param(
        [("start: 2025-10-22 10:00", "start: 2025-10-22")],
        "start: 2025-10-22",
        "write it as YYYY-MM-DD HH:MM",
        id="session without a time",
    ),
    pytest.param(
        [("start: 2025-10-22 10:00", "start: 2025-03-09 02:30")],
        "start: 2025-03-09 02:30",
        "start: 2025-03-09 02:30 does not exist in America/Los_Angeles",
        id="session in the spring-forward gap",
    ),
    pytest.param(
        [("duration: 75m", "duration: long")],
        "duration: long",
        "duration: 'long' is not a duration",
        id="duration",
    ),
    pytest.param(
        [("duration: 75m", "duration: 2d")],
        "duration: 2d",
        "it can be at most 1d",
        id="session too long",
    ),
    pytest.param(
        [("lead_times: [24h, 1h]", "lead_times: [24h, 1h, 1d]")],
        "lead_times",
        "'1d' is listed twice in lead_times",
        id="duplicate lead time",
    ),
    pytest.param(
        [("  replies: 2", "  replies: two")],
        "  replies: two",
        "replies 'two' is not valid: write a whole number from 0 to 100",
        id="count",
    ),
    pytest.param(
        [("  nudge: 2d", "  nudge: 8d")],
        "  nudge: 8d",
        "it can be at most 6d",
        id="nudge longer than a week",
    ),
    pytest.param(
        [("  dm: opted_in", "  dm: sometimes")],
        "  dm: sometimes",
        "write opted_in or everyone",
        id="reminder audience",
    ),
    pytest.param(
        [("  purge_days: 180", "  purge_days: -1")],
        "  purge_days: -1",
        "write a whole number from 0 to 3650",
        id="lifecycle",
    ),
    pytest.param(
        [("  - id: live-2", "  - id: live-1")],
        ("  - id: live-1", 2),
        f"session id 'live-1' is already used at line {line_of(SAMPLE, '  - id: live-1')}",
        id="duplicate session id",
    ),
    pytest.param(
        [("  - id: live-2", "  - id: Live Two")],
        "  - id: Live Two",
        "use 1 to 32 lower-case letters, digits or '-'",
        id="session id",
    ),
    pytest.param(
        [("participation:\n", "participation: yes\nunused:\n")],
        "participation: yes",
        "participation must be a mapping of `key: value` lines",
        id="section that is not a mapping",
    ),
]


@pytest.mark.parametrize(("edits", "at", "phrase"), ERRORS)
def test_each_mistake_is_an_error_at_its_line(edits, at, phrase):
    text = edited(*edits)
    course, found = parse_course(text, FILE)
    assert course is None
    needle, nth = at if isinstance(at, tuple) else (at, 1)
    expected = line_of(text, needle, nth)
    errors = [p for p in found if p.severity == "error"]
    assert any(phrase in p.message and p.line == expected for p in errors), [str(p) for p in errors]


def test_one_run_reports_every_mistake():
    text = edited(
        ("instructor: Becky Russell", "instrutor: Becky Russell"),
        ("start: 2025-10-14", "start: 2025-02-30"),
        ("  replies: 2", "  replies: two"),
        ("duration: 75m", "duration: long"),
    )
    lines = [p.line for p in problems_of(text) if p.severity == "error"]
    for needle in ("instrutor", "start: 2025-02-30", "replies: two", "duration: long"):
        assert line_of(text, needle) in lines
    assert lines == sorted(lines)


def test_a_weekly_post_in_the_spring_forward_gap_does_not_exist():
    text = edited(("start: 2025-10-14", "start: 2025-03-04"), ("Tuesday 09:00", "Sunday 02:30"))
    (error,) = [p for p in problems_of(text) if p.severity == "error"]
    assert error.line == line_of(text, "weekly_post")
    assert "weekly_post: 2025-03-09 02:30 does not exist in America/Los_Angeles" in error.message


def test_a_session_before_the_first_week_is_kept_with_a_warning():
    text = edited(("start: 2025-10-22 10:00", "start: 2025-10-07 10:00"))
    course, found = parse_course(text, FILE)
    assert course is not None
    early = [p for p in found if "live-1" in p.message]
    assert [(p.severity, p.line) for p in early] == [
        ("warning", line_of(text, "start: 2025-10-07 10:00"))
    ]
    assert "starts before the course opens (2025-10-14 09:00): it is kept" in early[0].message
    # as the timetable plans a kick-off (test_timetable: announced when planned), not "only
    # when it starts", as the warning said
    assert early[0].message.endswith(
        "it is kept, and announced as soon as a cohort is created, ahead of its reminders"
    )


def test_text_longer_than_an_embed_is_accepted_with_a_warning_at_its_line():
    long_line = "        " + "Describe what helped. " * 200 + "\n"
    text = edited(
        ("      - |\n        Try one open question", "      - |\n" + long_line + "        Try one"),
    )
    course, found = parse_course(text, FILE)
    assert course is not None
    (warning,) = [p for p in found if "split" in p.message]
    assert warning.severity == "warning"
    assert warning.line == line_of(text, "Describe what helped") - 1  # the "- |" line
    assert "a prompt of week 1 has 4" in warning.message
    assert "will be split across several messages" in warning.message


def test_yaml_syntax_errors_are_located():
    (problem,) = problems_of("title: [unclosed\nweeks: 1\n")
    assert (problem.line, problem.message) == (
        2,
        "not valid YAML: expected ',' or ']', but got ':' "
        "(while parsing a flow sequence from line 1)",
    )
    (tab,) = problems_of("title: x\n\tweeks: 1\n")
    assert tab.line == 2 and "a tab" in tab.message


def test_a_tab_in_the_indentation_is_named_in_plain_words_at_its_line():
    """Not PyYAML's "found character '\\t' that cannot start any token"."""
    title = "    title: Making Sure People Feel Heard\n"
    for tab in ("\t", "  \t", "\t  "):
        text = edited((title, title + tab + "objectives_note: 1\n"))
        (problem,) = problems_of(text)
        assert (problem.line, problem.message) == (
            line_of(text, "objectives_note"),
            "not valid YAML: a tab where YAML needs spaces: indent with spaces only",
        )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty: a course needs a title, weeks, …"),
        ("# only a comment\n", "the file is empty: a course needs a title, weeks, …"),
        ("- just\n- a list\n", "the course must be a mapping of `key: value` lines"),
        ("[" * 5000, "not valid YAML: nested too deeply"),
    ],
)
def test_files_that_are_not_a_course_are_one_problem_at_line_1(text, message):
    assert [str(p) for p in problems_of(text)] == [f"c.yaml:1: {message}"]


def test_an_unreadable_file_is_a_problem_not_an_exception(tmp_path):
    course, (problem,) = load_course(tmp_path / "absent.yaml")
    assert course is None and problem.line == 1 and "cannot read the file" in problem.message
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00")
    assert load_course(binary)[0] is None


def test_values_stay_text_rather_than_yaml_types():
    text = edited(("title: De-escalation in the Library", "title: no"))
    course, _ = parse_course(text, FILE)
    assert course is not None and course.title == "no"


@pytest.mark.parametrize("written", ["tue 09:00", "TUESDAY 9:00", "Tues 09:00", "Tuesday  09:00"])
def test_weekdays_in_any_case_and_abbreviated(written):
    course, _ = parse_course(edited(("Tuesday 09:00", written)), FILE)
    assert course is not None and (course.post_weekday, course.post_time) == (1, time(9))


def test_nudge_off():
    course, _ = parse_course(edited(("  nudge: 2d", "  nudge: off")), FILE)
    assert course is not None and course.nudge_before is None


def test_optional_sections_take_the_course_defaults():
    head, rest = SAMPLE.split("participation:")
    weeks = "weeks:" + rest.split("\nweeks:")[1]
    without_sessions = weeks.split("sessions:")[0]
    course, found = parse_course(head + without_sessions, FILE)
    assert course is not None and found == []
    assert course.requirement.replies == 2 and course.nudge_before == timedelta(days=2)
    assert course.reminder_leads == (timedelta(hours=24), timedelta(hours=1))
    assert course.reminder_audience == ReminderAudience.OPTED_IN
    assert course.lifecycle == Lifecycle() and course.sessions == ()


def test_sessions_without_ids_are_numbered_by_position():
    text = edited(
        ("  - id: live-1\n    title:", "  - title:"), ("  - id: live-2\n    title:", "  - title:")
    )
    course, _ = parse_course(text, FILE)
    assert course is not None
    assert [s.key for s in course.sessions] == ["live-1", "live-2"]


def test_course_hours_are_read_and_shown_on_both_samples():
    hours = {
        name: load_course(PROMPTS / f"{name}.yaml")[0].hours
        for name in ("de-escalation", "safe-workplace")
    }  # type: ignore[union-attr]
    assert hours == {"de-escalation": 15, "safe-workplace": 10}
    without, _ = parse_course(edited(("\nhours: 15", "\n")), FILE)
    assert without is not None and without.hours is None  # optional
    half, _ = parse_course(edited(("hours: 15", "hours: 7.5")), FILE)
    assert half is not None and half.hours == 7.5


@pytest.mark.parametrize("written", ["0", "-3", "ten", "15h", "1001", "1.234", "[15]"])
def test_course_hours_that_are_not_a_positive_number_are_an_error_at_their_line(written):
    text = edited(("hours: 15", f"hours: {written}"))
    (problem,) = [p for p in problems_of(text) if p.severity == "error"]
    assert problem.line == line_of(text, "hours:")
    assert "hours" in problem.message


def test_a_title_or_instructor_the_certificate_font_cannot_print_is_warned_at_its_line():
    text = edited(
        ("title: De-escalation in the Library", "title: 图书馆 De-escalation"),
        ("instructor: Becky Russell", "instructor: Becky Russell 🎓"),
    )
    course, found = parse_course(text, FILE)
    assert course is not None  # a warning: the course runs; its certificates would lack them
    fonts = [p for p in found if "font cannot print" in p.message]
    assert [(p.severity, p.line) for p in fonts] == [
        ("warning", line_of(text, "title: 图书馆")),
        ("warning", line_of(text, "instructor: Becky")),
    ]
    assert all(c in fonts[0].message for c in "图书馆") and "🎓" in fonts[1].message


def test_a_discussion_that_asks_for_nothing_is_warned():
    """original_posts: 0 and replies: 0 meet the discussion with nothing written: with
    ``meets: any`` every learner would meet every week and get a certificate."""
    text = edited(("original_posts: 1", "original_posts: 0"), ("  replies: 2", "  replies: 0"))
    course, found = parse_course(text, FILE)
    assert course is not None  # a warning: still loads
    (warning,) = [p for p in found if "asks for nothing" in p.message]
    assert warning.severity == "warning"
    assert warning.line == line_of(text, "original_posts: 0")
    assert warning.message == (
        "original_posts and replies are both 0: the discussion asks for nothing, so it"
        " counts as met for every learner, even one who wrote nothing"
    )
    # where the discussion cannot meet a week, nothing to warn about
    quiet = edited(
        ("original_posts: 1", "original_posts: 0"),
        ("  replies: 2", "  replies: 0"),
        ("options: [discussion, session, assignment]", "options: [session, assignment]"),
    )
    assert not [p for p in problems_of(quiet) if "asks for nothing" in p.message]
