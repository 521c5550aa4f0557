"""Course files: every problem found, each at its line; valid files load."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.catalog import default_prompts_dir, load_catalog
from bot.course_file import load_course, parse_course
from bot.localtime import zone
from bot.timetable import course_calendar, sessions_for

PROMPTS = default_prompts_dir()
SAMPLE = (PROMPTS / "de-escalation.yaml").read_text()
LA = zone("America/Los_Angeles")


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the nth line containing ``needle``."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[nth - 1]


def problems(text: str) -> list[str]:
    _, found = parse_course(text, Path("c.yaml"))
    return [str(p) for p in found]


def test_both_samples_load_and_only_the_late_session_is_warned():
    catalog = load_catalog(PROMPTS)
    assert sorted(catalog.courses) == ["de-escalation", "safe-workplace"]
    assert catalog.errors == []
    (warning,) = catalog.problems
    assert warning.severity == "warning" and "live-2" in warning.message
    assert warning.line == line_of(SAMPLE, "start: 2025-11-12 10:00")
    course = catalog.courses["de-escalation"]
    assert [w.number for w in course.weeks] == [1, 2, 3, 4]
    assert course.reminder_leads == (timedelta(hours=24), timedelta(hours=1))
    assert course.source == PROMPTS / "de-escalation.yaml"


def test_the_2025_sessions_fall_either_side_of_the_dst_end():
    course, _ = load_course(PROMPTS / "de-escalation.yaml")
    first, second = sessions_for(course, date(2025, 10, 14), LA)
    assert first.start == datetime(2025, 10, 22, 17, tzinfo=UTC)
    assert second.start == datetime(2025, 11, 12, 18, tzinfo=UTC)
    assert first.duration == timedelta(minutes=75) and second.duration == timedelta(hours=1)


def test_weekly_posts_keep_nine_oclock_local_across_the_dst_end():
    course, _ = load_course(PROMPTS / "de-escalation.yaml")
    calendar = course_calendar(course, date(2025, 10, 14), LA)
    assert [w.opens.hour for w in calendar.weeks] == [16, 16, 16, 17]
    assert calendar.ends == datetime(2025, 11, 11, 17, tzinfo=UTC)


def test_a_cohort_a_year_later_keeps_the_sessions_local_time():
    course, _ = load_course(PROMPTS / "de-escalation.yaml")
    first, second = sessions_for(course, date(2026, 10, 13), LA)
    assert first.start == datetime(2026, 10, 21, 17, tzinfo=UTC)
    assert second.start == datetime(2026, 11, 11, 18, tzinfo=UTC)


BROKEN = [
    # (what to replace, with what, the line it is reported at, a phrase of the message)
    (
        "timezone: America/Los_Angeles",
        "timezone: Pacific/Atlantis",
        "timezone:",
        "unknown time zone",
    ),
    (
        "start: 2025-10-14",
        "start: 2025-02-30",
        "start: 2025-02-30",
        "start '2025-02-30' is not valid",
    ),
    ("weekly_post: Tuesday 09:00", "weekly_post: Someday 09:00", "weekly_post", "weekly_post"),
    ("weekly_post: Tuesday 09:00", "weekly_post: Tuesday 9am", "weekly_post", "24-hour time"),
    ("  - week: 3", "  - week: 2", ("  - week: 2", 2), "week 2 appears twice (first at line"),
    ("  - week: 3", "  - week: 5", "  - week: 5", "weeks 3, 4 are missing"),
    (
        "url: https://example.org/live/de-escalation-2",
        "url: http://example.org/x",
        "url: http:",
        "is not an https link",
    ),
    (
        "start: 2025-10-22 10:00",
        "start: 2025-10-22 25:00",
        "start: 2025-10-22 25:00",
        "YYYY-MM-DD HH:MM",
    ),
    ("duration: 75m", "duration: long", "duration: long", "is not a duration"),
    (
        "    title: Making Sure People Feel Heard",
        "    title: " + "x" * 95,
        "    title: xxx",
        "100-character thread title",
    ),
    ("lead_times: [24h, 1h]", "lead_times: [24h, 1h, 24h]", "lead_times", "listed twice"),
    ("  replies: 2", "  replies: two", "  replies: two", "whole number"),
    ("  dm: opted_in", "  dm: sometimes", "  dm: sometimes", "opted_in or everyone"),
    (
        "instructor: Becky Russell",
        "instrutor: Becky Russell",
        "instrutor",
        "unknown key 'instrutor'",
    ),
    ("  - id: live-2", "  - id: live-1", ("  - id: live-1", 2), "used twice"),
    ("  - id: live-2", "  - id: Live Two", "  - id: Live Two", "lower-case letters"),
]


@pytest.mark.parametrize(("old", "new", "at", "phrase"), BROKEN, ids=[b[3] for b in BROKEN])
def test_each_mistake_is_reported_at_its_line(old, new, at, phrase):
    assert old in SAMPLE
    text = SAMPLE.replace(old, new, 1)
    course, found = parse_course(text, Path("c.yaml"))
    errors = [p for p in found if p.severity == "error"]
    assert course is None
    needle, nth = at if isinstance(at, tuple) else (at, 1)
    expected_line = line_of(text, needle, nth)
    assert any(phrase in p.message and p.line == expected_line for p in errors), [
        str(p) for p in errors
    ]


def test_weeks_out_of_order_and_missing_fields():
    text = SAMPLE.replace("  - week: 3", "  - week: 9", 1).replace("  - week: 4", "  - week: 3", 1)
    messages = problems(text)
    assert any("weeks 3, 4, 5, 6, 7, 8 are missing" in m for m in messages)
    assert any("week 3 comes after week 9: list weeks in order" in m for m in messages)
    no_prompts = SAMPLE.replace(
        "    prompts:\n      - |\n        Think", "    promps:\n      - |\n        Think", 1
    )
    assert any("unknown key 'promps'" in m for m in problems(no_prompts))


def test_a_session_in_the_spring_forward_gap_does_not_exist():
    text = SAMPLE.replace("start: 2025-10-22 10:00", "start: 2025-03-09 02:30")
    (error,) = [m for m in problems(text) if "does not exist" in m]
    assert error.startswith(f"c.yaml:{line_of(text, '2025-03-09 02:30')}:")
    assert "daylight saving" in error


def test_yaml_syntax_errors_and_empty_files_are_located():
    assert problems("title: [unclosed\nweeks: 1\n")[0].startswith("c.yaml:")
    assert problems("") == ["c.yaml:1: the file is empty: a course needs a title, weeks, …"]
    assert "mapping" in problems("- just\n- a list\n")[0]


def test_long_prompts_are_accepted_with_a_warning_that_they_will_be_split():
    long_prompt = "        " + "Describe what helped. " * 250 + "\n"
    text = SAMPLE.replace(
        "      - |\n        Think of a recent",
        "      - |\n" + long_prompt + "        Think of a recent",
        1,
    )
    course, found = parse_course(text, Path("c.yaml"))
    assert course is not None
    assert any(p.severity == "warning" and "will be split" in p.message for p in found)


def test_values_are_read_as_text_not_yaml_types():
    text = SAMPLE.replace("title: De-escalation in the Library", "title: no")
    course, _ = parse_course(text, Path("c.yaml"))
    assert course is not None and course.title == "no"


def test_nudge_off_and_defaults_when_sections_are_absent():
    text = SAMPLE.replace("  nudge: 2d", "  nudge: off")
    course, _ = parse_course(text, Path("c.yaml"))
    assert course is not None and course.nudge_before is None
    head, rest = SAMPLE.split("participation:")
    cut = head + "weeks:" + rest.split("\nweeks:")[1].split("sessions:")[0]
    minimal, _ = parse_course(cut, Path("c.yaml"))
    assert minimal is not None and minimal.sessions == () and minimal.requirement.replies == 2


def test_a_broken_file_in_a_folder_does_not_hide_the_good_ones(tmp_path):
    (tmp_path / "good.yaml").write_text(SAMPLE)
    (tmp_path / "bad.yaml").write_text(
        SAMPLE.replace("timezone: America/Los_Angeles", "timezone: Nowhere")
    )
    catalog = load_catalog(tmp_path)
    assert list(catalog.courses) == ["good"]
    assert [p.path.name for p in catalog.errors] == ["bad.yaml"]
