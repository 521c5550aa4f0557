"""The cohortbot command: check and schedule (run and demo start Discord; tested elsewhere)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.catalog import default_prompts_dir
from bot.cli import main, parser

PROMPTS = default_prompts_dir()
SAMPLE = (PROMPTS / "de-escalation.yaml").read_text()


def test_check_accepts_the_samples_with_a_summary_per_course(capsys):
    assert main(["check"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{PROMPTS / 'de-escalation.yaml'}:97: warning: session 'live-2' starts after the course "
        "ends (2025-11-11 09:00): it is kept, and announced with the last week",
        'de-escalation: "De-escalation in the Library", 4 weeks, 2 live sessions, '
        "15 course hours, America/Los_Angeles — OK (1 warning)",
        'safe-workplace: "Creating a Safe and Welcoming Workplace", 4 weeks, 0 live sessions, '
        "10 course hours, America/New_York — OK",
    ]


def test_check_rejects_a_broken_file_with_file_and_line(tmp_path, capsys):
    broken = tmp_path / "broken.yaml"
    broken.write_text(SAMPLE.replace("timezone: America/Los_Angeles", "timezone: Moon/Base"))
    assert main(["check", str(broken)]) == 1
    out = capsys.readouterr().out
    assert f"{broken}:5: timezone 'Moon/Base' is not valid" in out
    assert "OK" not in out


def test_check_of_a_folder_with_warnings_only_succeeds(tmp_path, capsys):
    (tmp_path / "calm.yaml").write_text(SAMPLE)
    assert main(["check", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{tmp_path / 'calm.yaml'}:97: warning: ")
    assert out[1].startswith('calm: "De-escalation in the Library"')


def test_check_of_a_folder_without_course_files_says_so(tmp_path, capsys):
    assert main(["check", str(tmp_path)]) == 2
    assert (
        capsys.readouterr().err == f"cohortbot: no course files (*.yaml or *.yml) in {tmp_path}\n"
    )


def test_schedule_prints_the_2025_timetable_in_local_time_and_utc(capsys):
    assert main(["schedule", "de-escalation", "--start", "2025-10-14"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for expected in (
        "Tue 2025-10-14 09:00 PDT  2025-10-14 16:00 UTC  "
        "Week 1 module post: Making Sure People Feel Heard",
        "Wed 2025-10-22 10:00 PDT  2025-10-22 17:00 UTC  "
        "Starting now: Live session 1: Listening Under Pressure",
        "Tue 2025-11-04 09:00 PST  2025-11-04 17:00 UTC  "
        "Week 4 module post: De-escalation Strategies and Staying Safe",
        "Wed 2025-11-12 10:00 PST  2025-11-12 18:00 UTC  "
        "Starting now: Live session 2: Putting It Into Practice",
    ):
        assert expected in lines
    text = "\n".join(lines)
    for phrase in (
        "2025-10-21 17:00 UTC  Reminder: Live session 1",
        "Nudges for week 1",
        "Instructor digest, week 4",
        "Wrap-up post",
        "End of consultation",
        "Certificates of completion",
        "Archive the cohort's posts",
        "Purge participation data",
    ):
        assert phrase in text


def test_schedule_in_another_zone_and_from_a_file(tmp_path, capsys):
    course = tmp_path / "c.yaml"
    course.write_text(SAMPLE)
    assert main(["schedule", str(course), "--start", "2025-10-14", "--tz", "Europe/Berlin"]) == 0
    assert (
        "Tue 2025-10-14 09:00 CEST  2025-10-14 07:00 UTC  Week 1 module post"
        in capsys.readouterr().out
    )


def test_schedule_from_another_prompts_folder(tmp_path, capsys):
    (tmp_path / "calm.yaml").write_text(SAMPLE)
    assert main(["schedule", "calm", "--start", "2026-10-13", "--prompts", str(tmp_path)]) == 0
    assert "Wed 2026-10-21 10:00 PDT  2026-10-21 17:00 UTC  Starting now" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["schedule", "knitting", "--start", "2025-10-14"], "no course 'knitting'"),
        (["schedule", "de-escalation", "--start", "14/10/2025"], "is not a date"),
        (["schedule", "de-escalation", "--start", "9999-12-01"], "too far in the future"),
        (
            ["schedule", "de-escalation", "--start", "2025-10-14", "--tz", "Nowhere"],
            "unknown time zone",
        ),
    ],
)
def test_schedule_refuses_bad_input_with_one_clear_line(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_schedule_of_a_broken_file_lists_its_errors(tmp_path, capsys):
    broken = tmp_path / "broken.yaml"
    broken.write_text(SAMPLE.replace("duration: 75m", "duration: long"))
    assert main(["schedule", str(broken), "--start", "2025-10-14"]) == 2
    assert f"{broken}:" in capsys.readouterr().err


def test_help_lists_every_command():
    text = parser().format_help()
    assert all(name in text for name in ("run", "demo", "check", "schedule"))


def test_help_says_run_starts_slack_too():
    """``cohortbot run`` serves Discord, Slack or both: its help names every token it reads."""
    text = " ".join(parser().format_help().split())
    assert all(token in text for token in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"))


def test_a_reader_that_stops_early_gets_no_traceback():
    """``cohortbot schedule … | head``: the reader has gone before the timetable is printed."""
    arguments = ["schedule", "de-escalation", "--start", "2025-10-14"]
    command = [sys.executable, "-m", "bot.cli", *arguments]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as run:
        assert run.stdout is not None and run.stderr is not None
        run.stdout.close()  # before anything is written: every write finds the pipe closed
        errors = run.stderr.read().decode()
        status = run.wait(timeout=60)
    assert errors == ""
    assert status == 1


@pytest.fixture
def settings_from(tmp_path, monkeypatch):
    """A working folder with nothing in the environment; returns the folder for a .env."""
    monkeypatch.setattr(os, "environ", {})
    monkeypatch.chdir(tmp_path)
    return tmp_path


def a_broken_prompts_folder(parent: Path) -> Path:
    folder = parent / "courses"
    folder.mkdir()
    (folder / "calm.yaml").write_text(SAMPLE.replace("duration: 75m", "duration: long"))
    return folder


def test_check_validates_the_prompts_dir_from_the_environment(settings_from, capsys):
    folder = a_broken_prompts_folder(settings_from)
    os.environ["PROMPTS_DIR"] = str(folder)
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert f"{folder / 'calm.yaml'}:" in out and "OK" not in out


def test_check_validates_the_prompts_dir_from_env_file(settings_from, capsys):
    folder = a_broken_prompts_folder(settings_from)
    (settings_from / ".env").write_text(f"PROMPTS_DIR={folder}\n")
    assert main(["check"]) == 1
    assert f"{folder / 'calm.yaml'}:" in capsys.readouterr().out


def test_schedule_finds_courses_in_the_prompts_dir_from_env_file(settings_from, capsys):
    (settings_from / "mine").mkdir()
    (settings_from / "mine" / "calm.yaml").write_text(SAMPLE)
    (settings_from / ".env").write_text("PROMPTS_DIR=mine\n")
    assert main(["schedule", "calm", "--start", "2026-10-13"]) == 0
    assert "Starting now" in capsys.readouterr().out
    assert main(["schedule", "de-escalation", "--start", "2026-10-13"]) == 2  # not in that folder
    assert "no course 'de-escalation' in mine (courses: calm)" in capsys.readouterr().err


def test_demo_plays_a_course_of_the_prompts_dir_from_env_file(settings_from, capsys):
    (settings_from / "mine").mkdir()
    shutil.copy(PROMPTS / "safe-workplace.yaml", settings_from / "mine" / "our-course.yaml")
    (settings_from / ".env").write_text("PROMPTS_DIR=mine\n")
    assert main(["demo", "our-course", "--out", "out"]) == 0
    assert "Week 4: Your Customers" in capsys.readouterr().out
    assert main(["demo", "de-escalation", "--out", "out"]) == 2  # not in that folder
    assert "known courses: our-course" in capsys.readouterr().err


def test_demo_out_that_is_a_file_fails_at_once_in_one_line(settings_from, capsys):
    (settings_from / "report.csv").write_text("")
    started = time.monotonic()
    assert main(["demo", "--out", "report.csv"]) == 2
    assert capsys.readouterr().err == (
        "cohortbot: --out report.csv is a file: name a folder (it is made if missing)\n"
    )
    assert time.monotonic() - started < 5  # refused before the course plays


def test_demo_out_that_cannot_be_made_fails_at_once_in_one_line(settings_from, capsys):
    (settings_from / "report.csv").write_text("")
    assert main(["demo", "--out", "report.csv/charts"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cohortbot: --out report.csv/charts: cannot make the folder (")
    assert err.count("\n") == 1


def test_run_sync_commands_forces_the_sync(monkeypatch):
    called: list[bool] = []

    def run_bot(*, force_sync: bool) -> int:
        called.append(force_sync)
        return 0

    monkeypatch.setattr("bot.app.launch.run_bot", run_bot)
    assert main(["run"]) == main(["run", "--sync-commands"]) == 0
    assert called == [False, True]


def test_schedule_and_demo_of_a_course_whose_file_has_errors_say_so(settings_from, capsys):
    """Not "no course called 'calm'": the file is there, and its first error is named."""
    folder = a_broken_prompts_folder(settings_from)
    (settings_from / ".env").write_text(f"PROMPTS_DIR={folder}\n")
    wrong = f"{folder / 'calm.yaml'}:{SAMPLE.splitlines().index('    duration: 75m') + 1}:"
    assert main(["schedule", "calm", "--start", "2026-10-13"]) == 2
    err = capsys.readouterr().err
    assert "no course" not in err and f"{wrong} duration: 'long' is not a duration" in err
    assert main(["demo", "calm", "--out", "out"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "cohortbot: course 'calm' is not loaded: its file has errors (`cohortbot check` lists"
        f" them all), first {wrong} duration: 'long' is not a duration"
    ), err
