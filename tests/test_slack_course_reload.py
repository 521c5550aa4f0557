"""``/course reload`` on Slack: the workspace's running cohorts follow their course file;
what was posted about a session the file moved is corrected; only staff may reload."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from tests.slack_helpers import LIVE_1, SlackWorld, announced, snapshot

PROMPTS = Path(__file__).resolve().parent.parent / "prompts"


def own_course_files(sworld: SlackWorld, tmp_path: Path) -> Path:
    """The bot reads a copy of the course files, which the test may edit."""
    copy = tmp_path / "prompts"
    shutil.copytree(PROMPTS, copy)
    sworld.bot.library.directory = copy
    return copy / "de-escalation.yaml"


async def test_a_reload_moves_a_session_and_corrects_its_announcement(
    sworld: SlackWorld, tmp_path: Path
):
    course_file = own_course_files(sworld, tmp_path)
    announcement = await announced(sworld)
    text = course_file.read_text()
    assert "start: 2025-10-22 10:00" in text
    course_file.write_text(text.replace("start: 2025-10-22 10:00", "start: 2025-10-22 12:00"))
    answer = await sworld.slack.person("instructor").command("/course", "reload")
    assert "Loaded" in answer["text"] and "Re-planned 1 running cohorts" in answer["text"], answer
    later = LIVE_1 + timedelta(hours=2)
    section = " ".join(b["text"]["text"] for b in announcement.blocks if b["type"] == "section")
    assert f"<!date^{int(later.timestamp())}^" in section
    (_moved,) = [m for m in sworld.posts() if m.metadata and "moved:live-1" in str(m.metadata)]
    cohort = await sworld.cohort()
    reminder = await sworld.bot.store.deliveries.get(cohort.id, "reminder:live-1:1h")
    assert reminder.due == later - timedelta(hours=1)
    ws = sworld.slack.workspace
    told = [m.text for m in ws.dms(ws.user_named("instructor"))]
    assert any("The course file `de-escalation` changed" in t for t in told), told


async def test_a_broken_file_is_refused_and_only_staff_may_reload(
    sworld: SlackWorld, tmp_path: Path
):
    course_file = own_course_files(sworld, tmp_path)
    await sworld.create_cohort()
    course_file.write_text("title: [unclosed\n")
    before = await snapshot(sworld)
    for who in ("learner1", "outsider"):
        refused = await sworld.slack.person(who).command("/course", "reload")
        assert refused["text"] == "Only course staff can do that."
    assert await snapshot(sworld) == before
    answer = await sworld.slack.person("instructor").command("/course", "reload")
    assert "Refused (the previous version stays in force)" in answer["text"], answer
    assert "de-escalation" in sworld.bot.library.ids()
