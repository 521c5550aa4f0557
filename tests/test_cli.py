"""The cohortbot command: check and schedule (run and demo start Discord; tested elsewhere)."""

from __future__ import annotations

import pytest

from bot.catalog import default_prompts_dir
from bot.cli import main, parser

SAMPLE = (default_prompts_dir() / "de-escalation.yaml").read_text()


def test_check_accepts_the_samples_with_a_summary_per_course(capsys):
    assert main(["check"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert any(line.startswith("de-escalation: ") and "OK (1 warning)" in line for line in out)
    assert any(line.startswith("safe-workplace: ") and line.endswith("— OK") for line in out)


def test_check_rejects_a_broken_file_with_file_and_line(tmp_path, capsys):
    broken = tmp_path / "broken.yaml"
    broken.write_text(SAMPLE.replace("timezone: America/Los_Angeles", "timezone: Moon/Base"))
    assert main(["check", str(broken)]) == 1
    out = capsys.readouterr().out
    assert f"{broken}:5: timezone 'Moon/Base' is not valid" in out
    assert "OK" not in out


def test_schedule_prints_the_2025_timetable_in_local_time_and_utc(capsys):
    assert main(["schedule", "de-escalation", "--start", "2025-10-14"]) == 0
    out = capsys.readouterr().out
    assert "Wed 2025-10-22 10:00 PDT  2025-10-22 17:00 UTC  Starting now: Live session 1" in out
    assert "Wed 2025-11-12 10:00 PST  2025-11-12 18:00 UTC  Starting now: Live session 2" in out
    assert "Tue 2025-10-14 09:00 PDT  2025-10-14 16:00 UTC  Week 1 module post" in out
    assert "2025-10-21 17:00 UTC  Reminder: Live session 1" in out
    for label in (
        "Nudges for week 1",
        "Instructor digest, week 4",
        "Wrap-up post",
        "Archive the cohort's posts",
        "Purge participation data",
    ):
        assert label in out


def test_schedule_in_another_zone_and_from_a_file(tmp_path, capsys):
    course = tmp_path / "c.yaml"
    course.write_text(SAMPLE)
    assert main(["schedule", str(course), "--start", "2025-10-14", "--tz", "Europe/Berlin"]) == 0
    assert (
        "Tue 2025-10-14 09:00 CEST  2025-10-14 07:00 UTC  Week 1 module post"
        in capsys.readouterr().out
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["schedule", "knitting", "--start", "2025-10-14"], "no course 'knitting'"),
        (["schedule", "de-escalation", "--start", "14/10/2025"], "is not a date"),
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


def test_help_lists_every_command():
    text = parser().format_help()
    assert all(name in text for name in ("run", "demo", "check", "schedule"))
