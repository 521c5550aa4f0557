"""Course files: what meets a week (``meets``, ``options``, ``recording``), per course and
per week, validated at their lines; files without them keep the discussion rule."""

from __future__ import annotations

import pytest

from bot.course import Meets, Option, WeekRule
from bot.course_file import parse_course
from tests.test_course_file import FILE, SAMPLE, edited, line_of, problems_of

D, S, A = Option.DISCUSSION, Option.SESSION, Option.ASSIGNMENT
RULE_LINES = "  meets: any\n  options: [discussion, session, assignment]\n  recording: yes\n"
WEEK_3 = "  - week: 3\n"


def without_rule(text: str = SAMPLE) -> str:
    assert RULE_LINES in text
    return text.replace(RULE_LINES, "")


def test_a_file_without_the_new_keys_keeps_the_discussion_rule():
    course, found = parse_course(without_rule(), FILE)
    assert course is not None and [p.severity for p in found] == ["warning"]
    assert course.rule == WeekRule(Meets.ANY, (D,), recording=False)
    assert all(course.rule_of(w.number) == WeekRule() for w in course.weeks)
    assert not course.recordings_count


def test_the_sample_offers_every_option_and_recordings():
    course, _ = parse_course(SAMPLE, FILE)
    assert course is not None
    assert course.rule == WeekRule(Meets.ANY, (D, S, A), recording=True)
    assert course.recordings_count


def test_a_week_overrides_the_courses_rule_and_inherits_what_it_leaves_out():
    text = edited(
        (
            WEEK_3,
            WEEK_3 + "    participation:\n      meets: all\n      options: [discussion, session]\n",
        )
    )
    course, found = parse_course(text, FILE)
    assert course is not None, [str(p) for p in found]
    assert course.rule_of(3) == WeekRule(Meets.ALL, (D, S), recording=True)
    assert course.rule_of(2) == course.rule


ERRORS = [
    pytest.param("  meets: any\n", "  meets: most\n", "meets: most",
                 "meets 'most' is not valid: write any (one option is enough) or all", id="meets"),
    pytest.param("  options: [discussion, session, assignment]\n", "  options: [discussion, quiz]\n",
                 "options: [discussion, quiz]",
                 "an entry of options 'quiz' is not valid: write discussion, session, assignment",
                 id="unknown option"),
    pytest.param("  options: [discussion, session, assignment]\n",
                 "  options: [session, session]\n", "options: [session, session]",
                 "'session' is listed twice in options", id="option twice"),
    pytest.param("  options: [discussion, session, assignment]\n", "  options: []\n",
                 "options: []", "options must be a list with at least one item", id="no option"),
    pytest.param("  recording: yes\n", "  recording: maybe\n", "recording: maybe",
                 "recording 'maybe' is not valid: write yes or no", id="recording"),
    pytest.param(WEEK_3, WEEK_3 + "    participation:\n      meet: all\n", "meet: all",
                 "unknown key 'meet' in week 3's participation; allowed: meets, options",
                 id="unknown week key"),
    pytest.param(WEEK_3, WEEK_3 + "    participation: all\n", "participation: all",
                 "week 3's participation must be a mapping", id="week rule not a mapping"),
    pytest.param("  - week: 1\n", "  - week: 1\n    participation:\n      options: [assignment]\n",
                 "options: [assignment]",
                 "week 1 lists the option 'assignment' but has no assignment", id="no assignment"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "at", "phrase"), ERRORS)
def test_each_mistake_in_the_rule_is_an_error_at_its_line(old, new, at, phrase):
    text = edited((old, new))
    course, found = parse_course(text, FILE)
    assert course is None
    errors = [p for p in found if p.severity == "error"]
    hit = line_of(text, at.splitlines()[0].strip())
    assert any(phrase in p.message and p.line == hit for p in errors), [str(p) for p in errors]


def test_a_week_that_only_a_missing_session_could_meet_is_warned():
    text = edited(("  - week: 1\n", "  - week: 1\n    participation:\n      options: [session]\n"))
    course, _ = parse_course(text, FILE)
    assert course is not None  # a session can still be added by hand
    warnings = [p for p in problems_of(text) if p.severity == "warning"]
    assert any(
        "week 1 can be met only by session, which it does not offer" in p.message
        and p.line == line_of(text, "options: [session]")
        for p in warnings
    ), [str(p) for p in warnings]


def test_hand_ins_are_private_unless_the_course_shares_them():
    course, _ = parse_course(SAMPLE, FILE)
    assert course is not None and not course.assignments_shared
    shared, _ = parse_course(SAMPLE + "\nassignments:\n  shared: yes\n", FILE)
    assert shared is not None and shared.assignments_shared
    text = SAMPLE + "\nassignments:\n  shared: often\n"
    (error,) = [p for p in problems_of(text) if p.severity == "error"]
    assert error.line == line_of(text, "shared: often") and "write yes or no" in error.message
