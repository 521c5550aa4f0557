"""Every ``cohortbot run`` is elected on PostgreSQL, not only Discord's (``bot.standby``):
a lock per platform, a process running both holds both (all or none); two real Slack-only
processes on the Slack stand-in and one PostgreSQL, the active one killed; one whose lock
session ends stops with status 5."""

from __future__ import annotations

import asyncio
import os
import signal
import time

from bot.cohort import PlatformName
from bot.shards import Shards
from bot.slack.launch import EXIT_LOST_LOCK
from bot.standby import RETRY, lock_key, lock_keys, served_text
from bot.store.election import AdvisoryLock, hold_lock
from tests.slack_standin import APP_TOKEN, BOT_TOKEN, SlackStandin
from tests.test_standby import GUARD, STARTUP, CountingStandIn, cohortbot_run, poll
from tests.test_startup import TOKEN

DISCORD, SLACK = PlatformName.DISCORD, PlatformName.SLACK
LOGINS = ("auth.test", "apps.connections.open")


def test_each_platform_has_a_lock_of_its_own_and_discord_keeps_its_key():
    for shards in (None, Shards(4, (1, 0)), Shards(2, (1,))):
        assert lock_key(shards, DISCORD) == lock_key(shards)  # as before Slack came
        assert lock_key(shards, SLACK) != lock_key(shards)
        assert lock_keys(shards, [SLACK, DISCORD]) == (lock_key(shards), lock_key(shards, SLACK))
    assert lock_key(Shards(4, (0, 1)), SLACK) == lock_key(Shards(4, (1, 0)), SLACK)
    assert lock_key(None, SLACK) != lock_key(Shards(2, (0,)), SLACK)
    assert served_text(None, [SLACK, DISCORD]) == "the whole bot (Discord and Slack)"


async def test_a_process_of_both_platforms_holds_both_locks_or_none(postgres_database):
    both = lock_keys(None, [DISCORD, SLACK])
    slack_alone = await AdvisoryLock.connect(postgres_database, lock_key(None, SLACK))
    two = await AdvisoryLock.connect(postgres_database, *both)
    discord_alone = await AdvisoryLock.connect(postgres_database, lock_key(None, DISCORD))
    try:
        assert await slack_alone.try_take()
        assert not await two.try_take()  # Slack's is taken: it gives Discord's back
        assert await discord_alone.try_take()  # so a Discord-only process is not blocked
        await discord_alone.close()
        await slack_alone.close()
        waited: list[bool] = []
        lock = await asyncio.wait_for(
            hold_lock(postgres_database, both, waiting=lambda: waited.append(True), retry=0.05),
            GUARD,
        )
        others = [await AdvisoryLock.connect(postgres_database, key) for key in both]
        assert [await other.try_take() for other in others] == [False, False]
        for other in others:
            await other.close()
        await lock.close()
    finally:
        for held in (slack_alone, two, discord_alone):
            await held.close()


def slack_only(slack: SlackStandin, url: str) -> dict[str, str]:
    return {
        "DISCORD_TOKEN": "",  # Slack alone
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_BASE": slack.api_base,
        "DATABASE_URL": url,
    }


async def test_a_slack_standby_connects_only_after_the_active_process_is_killed(
    tmp_path, postgres_database
):
    async with SlackStandin() as slack:
        settings = slack_only(slack, postgres_database)
        async with cohortbot_run(tmp_path, **settings) as active:
            await poll(lambda: slack.socket.opened == 1 and active.said("active for"), GUARD)
            async with cohortbot_run(tmp_path, **settings) as standby:
                await poll(lambda: standby.said("standby for the whole bot (Slack)"))
                await asyncio.sleep(3 * RETRY)  # it keeps trying, and keeps away from Slack
                assert slack.socket.opened == 1, standby.log
                assert [slack.count(m) for m in LOGINS] == [1, 1], standby.log
                assert standby.run.returncode is None and not standby.said("active for")

                os.kill(active.run.pid, signal.SIGKILL)
                killed = time.monotonic()
                await poll(lambda: slack.socket.opened == 2)
                took = time.monotonic() - killed
                assert standby.said("active for the whole bot (Slack)"), standby.log
                assert [slack.count(m) for m in LOGINS] == [2, 2]
                assert took < RETRY + STARTUP, f"took over after {took:.1f} s"
                assert await asyncio.wait_for(active.run.wait(), GUARD) == -signal.SIGKILL
        assert "Traceback" not in standby.log, standby.log


async def test_a_slack_process_whose_lock_session_ends_stops_with_status_5(
    tmp_path, postgres_database
):
    async with (
        SlackStandin() as slack,
        cohortbot_run(tmp_path, **slack_only(slack, postgres_database)) as active,
    ):
        await poll(lambda: slack.socket.opened == 1 and active.said("active for"))
        await end_lock_sessions(postgres_database, expected=1)
        status = await asyncio.wait_for(active.run.wait(), GUARD)
        assert status == EXIT_LOST_LOCK == 5, active.log
        await poll(lambda: not slack.socket.connections)  # it left Socket Mode
    lines = [line for line in active.lines if line.startswith("cohortbot:")]
    assert len(lines) == 1 and "standby lock" in lines[0] and "DATABASE_URL" in lines[0]
    assert "Traceback" not in active.log, active.log


async def test_a_both_platform_standby_takes_over_both_when_the_active_loses_its_lock(
    tmp_path, postgres_database
):
    """Discord and Slack in one process: the standby touches neither platform; the active
    one, its lock session ended, leaves both and stops with status 5; the standby takes
    both over."""
    async with SlackStandin() as slack, CountingStandIn(TOKEN) as discord_api:
        settings = slack_only(slack, postgres_database) | {
            "DISCORD_TOKEN": TOKEN,
            "DISCORD_API_BASE": discord_api.api_base,
            "DISCORD_GATEWAY_URL": discord_api.gateway_url,
        }
        both = "the whole bot (Discord and Slack)"
        async with cohortbot_run(tmp_path, **settings) as active:
            await poll(
                lambda: (
                    (slack.socket.opened, discord_api.connections) == (1, 1)
                    and active.said(f"active for {both}")
                ),
                shown=lambda: active.log,
            )
            async with cohortbot_run(tmp_path, **settings) as standby:
                await poll(lambda: standby.said(f"standby for {both}"), shown=lambda: standby.log)
                await asyncio.sleep(3 * RETRY)
                assert (slack.socket.opened, discord_api.connections) == (1, 1), standby.log
                assert [slack.count(m) for m in LOGINS] == [1, 1], standby.log

                await end_lock_sessions(postgres_database, expected=1)
                status = await asyncio.wait_for(active.run.wait(), GUARD)
                assert status == EXIT_LOST_LOCK, active.log
                await poll(
                    lambda: (
                        (slack.socket.opened, discord_api.connections) == (2, 2)
                        and standby.said(f"active for {both}")
                    ),
                    shown=lambda: standby.log,
                )
                assert standby.run.returncode is None
        for process in (active, standby):
            assert "Traceback" not in process.log, process.log


async def end_lock_sessions(url: str, expected: int) -> None:
    """As a database restart or a network cut does to the active process's lock session."""
    admin = await AdvisoryLock.connect(url, 0)
    try:
        ended = await admin.connection.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = 'cohortbot standby lock' AND pid <> pg_backend_pid()"
            " AND datname = current_database()"
            " AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = pg_stat_activity.pid"
            " AND l.locktype = 'advisory' AND l.granted)"
        )
    finally:
        await admin.close()
    assert ended == expected
