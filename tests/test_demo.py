"""The offline demo plays a whole course on SimCord and writes its report files."""

from __future__ import annotations

import csv
import re

from bot.app.demo import play


async def test_the_demo_plays_the_whole_course_and_writes_the_export_and_chart(tmp_path):
    lines: list[str] = []
    files = await play("de-escalation", tmp_path, lines.append)
    text = "\n".join(lines)

    weeks = re.findall(r"#course-forum › Week (\d):", text)
    assert weeks == ["1", "2", "3", "4"]  # each posted once, in order
    assert text.count("#announcements") >= 8  # announcements, reminders, starting now
    assert "Reminder: Live session 1" in text and "Starting now: Live session 2" in text
    assert re.search(r"DM to \w+ +Hi \w+! A friendly note", text)  # nudges
    assert "skipped (DMs closed)" in text  # the learner with closed DMs, counted
    assert "**Week 4** — 12 learners" in text  # the participation report

    rows = list(csv.DictReader(files["participation.csv"].open()))
    assert len(rows) == 12 and "week4_status" in rows[0]
    assert files["participation.png"].read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
