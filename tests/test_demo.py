"""The offline demo: the real bot on SimCord plays a whole course and writes its report files."""

from __future__ import annotations

import asyncio
import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.app.demo import play
from bot.cli import main

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass
class DemoRun:
    text: str  # the transcript
    files: list[Path]
    out: Path


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> DemoRun:
    """One whole demo run, shared by the tests that read it (its own event loop: module-wide)."""
    out = tmp_path_factory.mktemp("demo-output")
    lines: list[str] = []
    files = asyncio.run(play("de-escalation", out, lines.append))
    return DemoRun("\n".join(lines), files, out)


def told(text: str, where: str, what: str) -> list[Any]:
    """The groups of ``what`` on the transcript's lines about ``where`` (both regexes)."""
    return re.findall(rf"^\[[^]]+\] {where} +{what}", text, re.MULTILINE)


def test_the_demo_posts_each_week_and_each_session_in_order(demo):
    assert told(demo.text, "#course-forum", r"Week (\d+):") == ["1", "2", "3", "4"]
    sessions = told(
        demo.text, "#announcements", r"(Live session|Reminder|Starting now): Live session (\d)"
    )
    for number in ("1", "2"):
        said = [kind for kind, session in sessions if session == number]
        assert said == ["Live session", "Reminder", "Reminder", "Starting now"]


def test_remind_me_presses_bring_reminder_dms_and_nudges_reach_learners_behind(demo):
    assert told(demo.text, r"DMs \(\d+\)", "(Reminder: Live session 1)")  # to those who pressed
    assert told(demo.text, r"DMs? [^\]]+?", r"(Hi \S+ A friendly note)")  # a nudge
    assert told(demo.text, "DM Ms Rivera", r"Demo cohort: Week 1 nudges: (\d+) sent")


def test_the_learner_with_closed_dms_is_skipped_and_counted_never_reached(demo):
    closed = re.search(r"(\w+) has closed DMs", demo.text)
    assert closed is not None
    name = closed[1]
    counted = r"reminder for Live session 1\b.*: \d+ sent, (1 skipped \(DMs closed\))"
    assert told(demo.text, "DM Ms Rivera", rf"Demo cohort: {counted}")  # privately
    assert f"DM {name} " not in demo.text
    assert not re.search(rf"^ +→ .*\b{name}\b", demo.text, re.MULTILINE)  # in no fan-out


def test_the_report_and_its_files_close_the_demo(demo):
    text, files, out = demo.text, demo.files, demo.out
    report = text.split("Participation report")[-1]
    assert re.findall(r"^Week (\d) — 12 learners", report, re.MULTILINE) == ["1", "2", "3", "4"]
    assert f"to {out.resolve()}" in text  # the folder is named

    (table,) = [f for f in files if f.suffix == ".csv"]
    (chart,) = [f for f in files if f.suffix == ".png"]
    assert sorted(out.iterdir()) == sorted(files)
    with table.open(encoding="utf-8-sig", newline="") as rows:
        reader = csv.reader(rows)
        header = next(reader)
        learners = list(reader)
    assert header[:5] == ["display_name", "user_id", "week1_posts", "week1_replies", "week1_status"]
    assert header[-3:] == ["completed", "certificate", "certificate_override"]
    assert len(learners) == 12
    assert chart.read_bytes().startswith(PNG_SIGNATURE)


def test_the_export_counts_what_the_simulated_learners_wrote(demo):
    """Counted without message content: the bot's totals are the learners' own tally."""
    (table,) = [f for f in demo.files if f.suffix == ".csv"]
    with table.open(encoding="utf-8-sig", newline="") as rows:
        learners = list(csv.DictReader(rows))
    tallies = re.findall(r"\(learners in week (\d): (\d+) posts, (\d+) replies", demo.text)
    assert [week for week, _, _ in tallies] == ["1", "2", "3", "4"]
    for week, posts, replies in tallies:
        assert sum(int(row[f"week{week}_posts"]) for row in learners) == int(posts)
        assert sum(int(row[f"week{week}_replies"]) for row in learners) == int(replies)


async def test_the_same_seed_plays_the_same_course_under_pytests_event_loop(demo, tmp_path):
    again: list[str] = []
    await play("de-escalation", tmp_path, again.append)
    story, _, _ = "\n".join(again).rpartition("\nWrote ")  # the last line names the folder
    assert story and demo.text.startswith(story + "\nWrote ")


def test_an_unknown_course_is_named_and_exits_2(tmp_path, capsys):
    assert main(["demo", "no-such-course", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no-such-course" in err and "de-escalation" in err  # and the courses there are
    assert not any(tmp_path.iterdir())
