"""The offline demo: the real bot on SimCord plays a whole course and writes its report files."""

from __future__ import annotations

import asyncio
import csv
import re
import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.app.demo import play
from bot.cli import main

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


INSTRUCTOR = "Becky Russell"  # as the course file names her
COHORT = "De-escalation in the Library"  # the demo names the cohort after its course


@dataclass
class DemoRun:
    text: str  # the transcript
    files: list[Path]
    out: Path
    database: Path  # the bot's database as the demo left it

    def csv_rows(self) -> list[dict[str, str]]:
        (table,) = [f for f in self.files if f.suffix == ".csv"]
        with table.open(encoding="utf-8-sig", newline="") as rows:
            return list(csv.DictReader(rows))


def play_once(tmp_path_factory, course: str) -> DemoRun:
    """One whole demo run (its own event loop, so a module-wide fixture can share it)."""
    out = tmp_path_factory.mktemp("demo-output")
    database = tmp_path_factory.mktemp("demo-db") / "demo.sqlite3"
    lines: list[str] = []
    files = asyncio.run(play(course, out, lines.append, database))
    return DemoRun("\n".join(lines), files, out, database)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> DemoRun:
    return play_once(tmp_path_factory, "de-escalation")


@pytest.fixture(scope="module")
def other_demo(tmp_path_factory) -> DemoRun:
    return play_once(tmp_path_factory, "safe-workplace")


def told(text: str, where: str, what: str) -> list[Any]:
    """The groups of ``what`` on the transcript's lines about ``where`` (both regexes)."""
    return re.findall(rf"^\[[^]]+\] {where} +{what}", text, re.MULTILINE)


def fan_out(text: str, what: str) -> list[list[str]]:
    """The recipients of each DM fan-out whose line says ``what``."""
    found = re.findall(
        rf"^\[[^]]+\] DMs? ([^(\n]+?|\(\d+\)) +{what}.*(?:\n +→ (.+))?$", text, re.MULTILINE
    )
    return [names.split(", ") if names else [one.strip()] for one, names in found]


def test_the_demo_posts_each_week_and_each_session_in_order(demo):
    assert told(demo.text, "#course-forum", r"Week (\d+):") == ["1", "2", "3", "4"]
    sessions = told(demo.text, "#announcements", r"(Reminder: |Starting now: |)Live session (\d):")
    for number in ("1", "2"):
        said = [kind for kind, session in sessions if session == number]
        assert said == ["", "Reminder: ", "Reminder: ", "Starting now: "]
    assert told(demo.text, "#announcements", "(Live session 1: Listening Under Pressure)$")
    assert "Live session: Live session" not in demo.text  # the title already says it


def test_the_instructor_is_the_one_the_course_file_names(demo, other_demo):
    assert f"an instructor ({INSTRUCTOR})" in demo.text
    assert f"{INSTRUCTOR}: /cohort create course:de-escalation" in demo.text
    assert "an instructor (Catherine Hakala-Ausperk)" in other_demo.text
    assert "Ms Rivera" not in demo.text + other_demo.text


def test_remind_me_presses_bring_reminder_dms_and_nudges_reach_learners_behind(demo):
    assert told(demo.text, r"DMs \(\d+\)", "(Reminder: Live session 1)")  # to those who pressed
    assert told(demo.text, r"DMs? [^\]]+?", r"(Hi \S+ A friendly note)")  # a nudge
    assert told(demo.text, f"DM {INSTRUCTOR}", rf"{COHORT}: Week 1 nudges: (\d+) sent")


def test_the_learner_with_closed_dms_is_skipped_and_counted_never_reached(demo):
    closed = re.search(r"(\w+) has closed DMs", demo.text)
    assert closed is not None
    name = closed[1]
    counted = r"reminder for Live session 1\b.*: \d+ sent, (1 skipped \(DMs closed\))"
    assert told(demo.text, f"DM {INSTRUCTOR}", rf"{COHORT}: {counted}")  # privately
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


def test_learners_who_checked_in_are_counted_in_the_export_and_no_one_else(demo):
    """The check-ins the transcript tells of are the CSV's sessions_attended, learner by learner."""
    check_ins = re.findall(r"^ +\(at (.+), (\d+) checked in: (.+)\)$", demo.text, re.MULTILINE)
    assert [session for session, _, _ in check_ins] == [
        "Live session 1: Listening Under Pressure",
        "Live session 2: Putting It Into Practice",
    ]
    attended: Counter[str] = Counter()
    for _, count, names in check_ins:
        assert len(names.split(", ")) == int(count) > 0
        attended.update(names.split(", "))
    rows = demo.csv_rows()
    assert {row["display_name"]: int(row["sessions_attended"]) for row in rows} == {
        row["display_name"]: attended[row["display_name"]] for row in rows
    }
    assert set(attended) < {row["display_name"] for row in rows}  # and some never came: 0


def test_a_recording_is_posted_under_its_announcement_and_in_its_week_and_dmed(demo):
    text = demo.text
    added = re.search(rf"^{INSTRUCTOR}: /recording add .*session:live-1 .*→ (.+)$", text, re.M)
    assert added and "Recording posted in #announcements and #Week 2" in added[1]
    recording = r"🎬 Recording of Live session 1: Listening Under Pressure \(.+\): (https://\S+)"
    (link,) = told(text, "#announcements", recording)
    assert told(text, r"#course-forum › Week 2: [^\n]+?", recording) == [link]
    # DMed to those who pressed "Remind me": the same people the reminders reached.
    dmed = fan_out(text, "Recording: Live session 1")
    reminded = fan_out(text, "Reminder: Live session 1")
    assert dmed and dmed == reminded[:1]
    skipped = r"\d+ sent, (1 skipped \(DMs closed\))"
    assert re.search(rf"^{INSTRUCTOR}: /recording add .*: {skipped}\.$", text, re.M)


def rows_about(database: Path, user_id: int) -> dict[str, int]:
    """By table: how many rows hold ``user_id`` in any column.

    Read with sqlite3 directly, SQLite-only on purpose: the demo keeps its data in a
    SQLite file by design (a temporary one, or the file it is given), whatever DATABASE_URL says.
    """
    found = {}
    with sqlite3.connect(database) as db:
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            columns = [row[1] for row in db.execute(f'PRAGMA table_info("{table}")')]
            for column in columns:
                (n,) = db.execute(
                    f'SELECT COUNT(*) FROM "{table}" WHERE "{column}" = ?', (user_id,)
                ).fetchone()
                if n:
                    found[table] = found.get(table, 0) + n
    return found


def test_a_learner_sees_their_data_then_erases_it_and_nothing_of_them_is_left(demo):
    shown = re.search(r"^(\w+): /mydata → my-data\.json \((\d+) records\)$", demo.text, re.M)
    assert shown
    name, records = shown[1], int(shown[2])
    after = demo.text[shown.end() :]
    assert re.match(r"\n    • \d+ × messages you wrote", after)  # what the file holds, in words
    assert f"\n{name}: /forgetme → Erase my data → Done: {records} records about you" in after
    assert f"\n{name}: /mydata → I keep nothing about you." in after
    (row,) = [row for row in demo.csv_rows() if row["display_name"] == name]
    assert int(row["week1_posts"]) and int(row["sessions_attended"])  # there was data to erase
    assert rows_about(demo.database, int(row["user_id"])) == {}
    others = [r for r in demo.csv_rows() if r["display_name"] != name and int(r["week1_posts"])]
    assert rows_about(demo.database, int(others[0]["user_id"]))["activity"] > 0


def test_the_demo_ends_with_the_course_posts_archived_and_locked(demo):
    lines = demo.text.splitlines()
    *_, archived = lines
    consultation = [n for n, line in enumerate(lines) if line.endswith("Consultation period ended")]
    assert len(consultation) == 1 and consultation[0] < len(lines) - 1
    assert re.match(r"\[[^]]+\] #course-forum +Archived and locked: ", archived)
    assert re.findall(r"Week (\d):", archived) == ["1", "2", "3", "4"]
    with sqlite3.connect(demo.database) as db:
        (state,) = db.execute("SELECT state FROM deliveries WHERE item_key = 'archive'").fetchone()
    assert state == "done"


def test_each_course_writes_its_own_files(demo, other_demo):
    ours = sorted(f.name for f in demo.files)
    theirs = sorted(f.name for f in other_demo.files)
    assert ours == [
        "participation-de-escalation-in-the-library.csv",
        "participation-de-escalation-in-the-library.png",
    ]
    assert theirs == [
        "participation-creating-a-safe-and-welcoming-workplace.csv",
        "participation-creating-a-safe-and-welcoming-workplace.png",
    ]
    # A course without live sessions: nobody checked in, no recording, still archived.
    assert {row["sessions_attended"] for row in other_demo.csv_rows()} == {"0"}
    assert "checked in" not in other_demo.text and "/recording" not in other_demo.text
    assert "Archived and locked: Week 1: Yourself" in other_demo.text


async def test_the_same_seed_plays_the_same_course_under_pytests_event_loop(demo, tmp_path):
    again: list[str] = []
    await play("de-escalation", tmp_path, again.append)
    folder = str(tmp_path.resolve())
    assert "\n".join(again).replace(folder, "OUT") == demo.text.replace(
        str(demo.out.resolve()), "OUT"
    )


def test_an_unknown_course_is_named_and_exits_2(tmp_path, capsys):
    assert main(["demo", "no-such-course", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no-such-course" in err and "de-escalation" in err  # and the courses there are
    assert not any(tmp_path.iterdir())
