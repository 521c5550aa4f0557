"""The words the bot posts, checked without Discord."""

from __future__ import annotations

import re
from datetime import date, time
from zoneinfo import ZoneInfo

import pytest

from bot.course import Course, Requirement, Week
from bot.render import (
    EMBED_LIMIT,
    MESSAGE_LIMIT,
    module_post,
    plural,
    requirement_text,
    split_text,
)
from bot.timetable import course_calendar

LA = ZoneInfo("America/Los_Angeles")


def course(prompt: str = "What does a calm voice sound like?", **changes) -> Course:
    weeks = tuple(
        Week(n, f"Topic {n}", ("Name one thing", "Try another"), (prompt,)) for n in range(1, 3)
    )
    fields = dict(
        id="c",
        title="Course",
        instructor="Sam",
        timezone="America/Los_Angeles",
        start=date(2025, 10, 14),
        post_weekday=1,
        post_time=time(9),
        weeks=weeks,
    )
    fields.update(changes)
    return Course(**fields)


def test_requirement_text_reads_naturally():
    assert requirement_text(Requirement(1, 2)) == (
        "To complete this week, start **1** discussion post of your own and reply to **2** classmates."
    )
    assert requirement_text(Requirement(0, 1)) == "To complete this week, reply to **1** classmate."
    assert "nothing is required" in requirement_text(Requirement(0, 0))


def test_module_post_has_title_objectives_prompt_close_time_and_rule():
    c = course()
    calendar = course_calendar(c, c.start, LA)
    post = module_post(c, calendar, 2)
    closes = int(calendar.week(2).closes.timestamp())
    assert post.title == "Week 2: Topic 2"
    assert "• Name one thing" in post.body
    assert "What does a calm voice sound like?" in post.body
    assert f"<t:{closes}:F>" in post.body and f"<t:{closes}:R>" in post.body
    assert "reply to **2** classmates" in post.body
    assert post.more == []
    late = module_post(c, calendar, 2, late_since=calendar.week(2).opens)
    assert "Posted late" in late.body


def test_a_long_prompt_is_split_within_discord_limits_and_loses_nothing():
    paragraph = "Describe a moment when a patron was upset and what helped. " * 20
    prompt = "\n\n".join([paragraph] * 8)  # about 9,600 characters
    c = course(prompt)
    post = module_post(c, course_calendar(c, c.start, LA), 1)
    assert len(post.body) <= EMBED_LIMIT
    assert post.more and all(len(chunk) <= MESSAGE_LIMIT for chunk in post.more)
    joined = " ".join([post.body, *post.more])
    assert joined.count("Describe a moment") == 20 * 8


def test_split_text_cuts_at_breaks_and_keeps_every_word():
    text = "\n".join(f"line {i} " + "word " * 30 for i in range(40))
    chunks = split_text(text, 500, 300)
    assert len(chunks[0]) <= 500 and all(len(c) <= 300 for c in chunks[1:])
    assert all(c.startswith("line") for c in chunks)
    assert " ".join(chunks).split() == text.split()
    assert split_text("x" * 50, 10) == ["x" * 10] * 5


ENTITY = re.compile(r"&amp;|<[^<>]*>")


@pytest.mark.parametrize(
    ("text", "limit", "whole", "chunks"),
    [
        ("ab&amp;cd", 5, ENTITY, ["ab", "&amp;", "cd"]),  # not "ab&am", "p;cd"
        ("a <!date^1^{x} {y}|1> b", 20, ENTITY, ["a", "<!date^1^{x} {y}|1>", "b"]),
        # the last space is inside the date and the line break too early: before the date
        (
            "line one\nQ&amp;A<!date^1^{d} {t}|1>",
            30,
            ENTITY,
            ["line one\nQ&amp;A", "<!date^1^{d} {t}|1>"],
        ),
        (
            "line one\nQ&amp;A<!date^1^{d} {t}|1>",
            30,
            None,
            ["line one\nQ&amp;A<!date^1^{d}", "{t}|1>"],
        ),
    ],
)
def test_split_text_never_cuts_inside_what_is_whole(text, limit, whole, chunks):
    assert split_text(text, limit, whole=whole) == chunks


@pytest.mark.parametrize(
    ("count", "words", "text"),
    [
        (1, ("week",), "1 week"),
        (0, ("week",), "0 weeks"),
        (2, ("live session",), "2 live sessions"),
        (1, ("reply", "replies"), "1 reply"),
        (3, ("reply", "replies"), "3 replies"),
    ],
)
def test_plural(count, words, text):
    assert plural(count, *words) == text
