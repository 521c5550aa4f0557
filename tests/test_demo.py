"""The offline demo: the real bot on SimCord plays a whole course and writes its report files."""

from __future__ import annotations

import asyncio
import csv
import re
import sqlite3
from collections import Counter
from dataclasses import dataclass
from itertools import takewhile
from pathlib import Path
from typing import Any

import pypdf
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

    def row(self, name: str) -> dict[str, str]:
        (found,) = [row for row in self.csv_rows() if row["display_name"] == name]
        return found


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
    ours = sorted(f.name for f in demo.files if f.suffix != ".pdf")
    theirs = sorted(f.name for f in other_demo.files if f.suffix != ".pdf")
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


# -- the ways to meet a week, assignments and certificates (issue #14) --------------------


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


def test_learners_meet_a_week_by_different_ways_and_the_csv_says_which(demo):
    """De-escalation's week 2 offers the discussion, its live session (or the recording)
    and an assignment: one learner checks in, one watches, one hands in, the rest discuss."""
    watched = re.search(r"^(\w+): Watched it → .*counts as attending it", demo.text, re.M)
    reviewed = re.search(
        rf"^{INSTRUCTOR}: /assignment review .* member:(\w+) week:2 ", demo.text, re.M
    )
    assert watched and reviewed
    met_by = {row["display_name"]: row["week2_met_by"] for row in demo.csv_rows()}
    assert met_by[watched[1]] == "recording"
    assert met_by[reviewed[1]] == "assignment"
    live = re.search(r"(\w+) meets weeks with a live session by checking in", demo.text)
    assert live and met_by[live[1]] == "session"  # checked in, and did not discuss that week
    assert sum("discussion" in way for way in met_by.values()) >= 6  # the rest, mostly
    assert {"recording", "assignment", "session", "discussion"} <= set(met_by.values())
    # The report says so too, week by week.
    report = demo.text.split("Participation report")[-1]
    (counts,) = re.findall(r"^Met week 2 by: (.+)$", report, re.M)
    assert {"discussion", "live session", "recording", "assignment"} <= {
        re.sub(r" \d+$", "", part) for part in counts.split(", ")
    }
    week_2 = report.split("\nWeek 2 — ")[1].split("\nWeek 3 — ")[0]
    (line,) = [x for x in week_2.splitlines() if x.startswith(f"✅ @{watched[1]} — ")]
    assert line.endswith("(met by recording)")


def test_a_hand_in_is_reviewed_and_the_learner_gets_the_feedback_by_dm(demo):
    text = demo.text
    reviewed = re.search(
        rf"^{INSTRUCTOR}: /assignment review .* member:(\w+) week:(\d) feedback:(.+) → "
        r"Week \d of \w+ is marked reviewed, and DMed them\.$",
        text,
        re.M,
    )
    assert reviewed
    name, week = reviewed[1], int(reviewed[2])
    after = text[reviewed.end() :]
    dm = rf"(Your week {week} assignment for {COHORT} has been reviewed\.)"
    assert told(after, f"DM {name}", dm)  # the feedback DM, in the transcript
    user_id = int(demo.row(name)["user_id"])
    with sqlite3.connect(demo.database) as db:
        (row,) = db.execute(
            "SELECT late, reviewed_by, reviewed_at FROM submissions WHERE user_id = ? AND week = ?",
            (user_id, week),
        ).fetchall()
    assert row[0] == 0 and row[1] is not None and row[2] is not None


def test_a_late_hand_in_in_the_consultation_weeks_is_accepted_and_shown_late(demo):
    lines = demo.text.splitlines()
    wrap_up = next(n for n, line in enumerate(lines) if line.endswith("Course wrap-up"))
    ended = next(n for n, line in enumerate(lines) if line.endswith("Consultation period ended"))
    late = [
        (n, m[1], m[2])
        for n, line in enumerate(lines)
        if (m := re.match(r"(\w+): Submit assignment \(week (\d)\) → Handed in \(late", line))
    ]
    assert late and all(wrap_up < n < ended for n, _, _ in late)  # in the consultation weeks
    name = late[0][1]
    assert name in re.search(r"learners: (.+) fall behind", demo.text)[1]  # type: ignore[index]
    listed = [x for x in lines if re.match(rf" +• @{name} — .+, late, not reviewed$", x)]
    assert listed  # /assignment list shows it late
    row = demo.row(name)
    for _, _, week in late:
        assert row[f"week{week}_met_by"] == "assignment (late)"
    with sqlite3.connect(demo.database) as db:
        flags = db.execute(
            "SELECT late FROM submissions WHERE user_id = ?", (int(row["user_id"]),)
        ).fetchall()
    assert flags == [(1,)] * len(late)


@pytest.mark.parametrize("which", ["demo", "other_demo"])
def test_certificates_named_through_the_form_are_written_beside_the_csv(which, request):
    run: DemoRun = request.getfixturevalue(which)
    printed = dict(
        re.findall(r"DM (\w+) +Saved: your certificates will read (.+)\. Here it is:", run.text)
    )
    fetched = re.search(
        r"^(\w+): /certificate get → Set the name for my certificate → "
        r"Saved: your certificates will read (.+)\. Here it is: \(privately\)$",
        run.text,
        re.M,
    )
    assert fetched  # the learner with closed DMs fetched theirs in the server
    assert fetched[1] in re.search(r"(\w+) has closed DMs", run.text)[0]  # type: ignore[index]
    printed[fetched[1]] = fetched[2]

    completed = {row["display_name"]: row for row in run.csv_rows() if row["completed"] == "yes"}
    assert completed and set(printed) == set(completed)
    assert all(row["certificate"] for row in completed.values())
    pdfs = [f for f in run.files if f.suffix == ".pdf"]
    assert sorted(f.name for f in pdfs) == sorted(
        f"certificate-{row['certificate']}.pdf" for row in completed.values()
    )
    assert sorted(run.out.iterdir()) == sorted(run.files)
    for name, row in completed.items():
        text = pdf_text(run.out / f"certificate-{row['certificate']}.pdf")
        assert printed[name] in text and printed[name] != name  # the name they gave, not Discord's
        assert row["certificate"] in text
        others = [p for n, p in printed.items() if n != name]
        assert not any(other in text for other in others)
    hours = {"demo": "15 course hours", "other_demo": "10 course hours"}[which]
    assert hours in pdf_text(pdfs[0])
    count = len(completed)
    assert f"and {count} certificates of completion (certificate-*.pdf) to " in run.text
    assert "/certificates list cohort:" in run.text and f"→ {count} certificates" in run.text


def test_the_safe_workplace_demo_takes_the_assignments_path(other_demo):
    """Every week sets a part of the Workplace Audit and Action Plan, and only handing it in
    meets the week: most hand in each week, one only discusses (and so does not complete),
    and one who fell behind catches up in the consultation weeks."""
    rows = other_demo.csv_rows()
    for week in range(1, 5):
        ways = [row[f"week{week}_met_by"] for row in rows]
        assert sum("assignment" in way for way in ways) >= 8
        assert "discussion" not in ways
    talker = re.search(r"(\w+) only discusses", other_demo.text)
    assert talker is not None
    (row,) = [row for row in rows if row["display_name"] == talker[1]]
    assert int(row["week1_replies"]) > 0 and row["completed"] == "no"
    handed = re.findall(r"\(learners in week (\d): .*, (\d+) handed in \(", other_demo.text)
    assert [week for week, _ in handed] == ["1", "2", "3", "4"]
    assert all(int(n) >= 8 for _, n in handed)
    late = re.findall(
        r"^(\w+): Submit assignment \(week (\d)\) → Handed in \(late", other_demo.text, re.M
    )
    assert [week for _, week in late] == ["1", "2", "3", "4"]
    (name,) = {who for who, _ in late}
    caught_up = next(row for row in rows if row["display_name"] == name)
    assert [caught_up[f"week{w}_met_by"] for w in range(1, 5)] == ["assignment (late)"] * 4
    assert caught_up["completed"] == "yes" and caught_up["certificate"]
    # Each week's feedback reaches the one whose hand-ins are reviewed.
    reviews = re.findall(r"/assignment review .* member:(\w+) week:(\d) ", other_demo.text)
    assert [week for _, week in reviews] == ["1", "2", "3", "4"]


@pytest.mark.parametrize("run", ["demo", "other_demo"])
def test_the_assignment_list_excerpt_says_that_it_is_one(run, request):
    """The demo shows only the late learner's line of ``/assignment list``: the count above
    it ("2 handed in") must not read as a list of one."""
    lines = request.getfixturevalue(run).text.splitlines()
    asked = next(n for n, line in enumerate(lines) if "/assignment list cohort:" in line)
    counted = re.match(r" +Week \d+: (\d+) handed in, (\d+) not yet\.$", lines[asked + 1])
    assert counted is not None
    listed = list(takewhile(lambda line: line.startswith("    • "), lines[asked + 2 :]))
    assert len(listed) < int(counted[1])  # an excerpt …
    after = lines[asked + 2 + len(listed)]
    assert re.fullmatch(r"    … \(\d+ more lines? of the list\)", after), after  # … says so
