"""At INFO the log says what the bot did, one line each; libraries keep their chatter."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import discord
import pytest

from bot.app.client import CohortBot
from bot.app.launch import quiet_libraries
from bot.cohort import MAX_ATTEMPTS
from tests.helpers import START, WEEK_POSTS, World, cohort_id
from tests.scenarios import LIVE_1, WEEK_2_OPENS, session_command


@pytest.fixture
def library_levels():
    """quiet_libraries sets levels for the process: put them back afterwards."""
    logger = logging.getLogger("apscheduler")
    level = logger.level
    yield
    logger.setLevel(level)


def lines(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    return [(r.name, r.getMessage()) for r in caplog.records if r.levelno >= logging.INFO]


async def test_info_says_what_was_sent_and_nothing_of_the_scheduler(
    world: World, caplog, library_levels
):
    quiet_libraries("INFO")
    caplog.set_level(logging.INFO)
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START)
    cohort = await cohort_id(world)
    answer = await session_command(
        world, "add", title="Office hours", start="2026-10-23 12:00", duration="60m"
    )
    assert "Added" in answer.response.content
    await world.advance_to(WEEK_2_OPENS + timedelta(minutes=1))

    logged = lines(caplog)
    assert not [name for name, _ in logged if name.startswith("apscheduler")]
    sent = [m for n, m in logged if n == "bot.app.deliveries"]
    assert f"cohort {cohort}: sent module:1" in sent
    assert f"cohort {cohort}: sent module:2" in sent
    assert f"cohort {cohort}: sent announce:office-hours" in sent
    assert f"cohort {cohort}: sent nudge:1 (Week 1 nudges: 12 sent.)" in sent
    assert all(m.startswith(f"cohort {cohort}: sent ") for m in sent)
    assert len(logged) == len(sent)  # nothing else at INFO in this scenario


async def test_a_module_post_made_late_says_it_caught_up(world: World, caplog, library_levels):
    quiet_libraries("INFO")
    caplog.set_level(logging.INFO)
    await world.advance_to(datetime(2026, 10, 21, tzinfo=UTC))
    await world.create_cohort(start=START)  # two weeks' posts already due
    cohort = await cohort_id(world)
    sent = [m for n, m in lines(caplog) if n == "bot.app.deliveries"]
    assert f"cohort {cohort}: sent module:1 (late, caught up)" in sent
    assert f"cohort {cohort}: sent module:2 (late, caught up)" in sent


def test_debug_lets_the_scheduler_speak(library_levels):
    quiet_libraries("DEBUG")
    assert logging.getLogger("apscheduler").getEffectiveLevel() == logging.DEBUG
    quiet_libraries("INFO")
    assert logging.getLogger("apscheduler.scheduler").getEffectiveLevel() == logging.WARNING


def test_no_warning_about_voice_libraries_in_a_bot_without_voice(tmp_path, caplog, monkeypatch):
    # discord.py warns once per process, from the first client built: as if this were it.
    monkeypatch.setattr(discord.VoiceClient, "warn_nacl", True)
    monkeypatch.setattr(discord.VoiceClient, "warn_dave", True)
    caplog.set_level(logging.WARNING)
    CohortBot(database=tmp_path / "bot.sqlite3")
    assert "voice" not in caplog.text


async def test_each_failed_attempt_is_one_warning_and_giving_up_one_more(
    world: World, caplog, library_levels
):
    quiet_libraries("INFO")
    caplog.set_level(logging.INFO)
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START)
    cohort = await cohort_id(world)
    world.env.inject_error(
        "POST", f"/channels/{world.server.forum.id}/threads", status=500, times=None
    )
    await world.advance_to(WEEK_POSTS[0] + timedelta(hours=2))

    about_module_1 = [m for n, m in lines(caplog) if n == "bot.app.deliveries" and "module:1" in m]
    retries = [f"cohort {cohort}: could not send module:1 (attempt {n}): " for n in (1, 2, 3, 4)]
    assert [m[: len(r)] for m, r in zip(about_module_1, retries, strict=False)] == retries
    assert (
        "Discord had a server error (HTTP 500); retrying at 2026-10-13 16:00:30 UTC"
        in about_module_1[0]
    )
    assert about_module_1[4:] == [
        f"cohort {cohort}: gave up on module:1 after {MAX_ATTEMPTS} attempts:"
        " Discord had a server error (HTTP 500)"
    ]


async def test_a_reminder_whose_moment_passed_offline_is_logged_as_skipped(
    world: World, caplog, library_levels
):
    quiet_libraries("INFO")
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START)
    cohort = await cohort_id(world)
    await world.advance_to(LIVE_1 - timedelta(hours=2))
    world.bot.wakeups.shutdown()  # down across the 1-hour reminder and the start
    await world.advance_to(LIVE_1 + timedelta(minutes=80))
    caplog.set_level(logging.INFO)
    await world.restart()
    logged = [m for n, m in lines(caplog) if n == "bot.app.deliveries"]
    assert f"cohort {cohort}: skipped reminder:live-1:1h, its moment passed" in logged
    assert f"cohort {cohort}: skipped starting:live-1, its moment passed" in logged
