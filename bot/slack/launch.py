"""``cohortbot run`` with Slack tokens: the Slack app, and the Discord bot beside it when
``DISCORD_TOKEN`` is set too (one process, one database, one event loop, one scheduler,
one course library and reload).

The start fails as the Discord one does: one line on stderr naming the setting, and the
same exit statuses (2 settings, 3 refused, 4 unreachable). On PostgreSQL it is elected as
a Discord-only process is (``bot.standby``): it waits as a standby until it holds the lock
of its shards on each platform it runs, and stops with status 5 if that lock's session
ends.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable

import aiohttp
from slack_sdk.errors import SlackApiError

from bot.cohort import PlatformName
from bot.features.course_files import Courses
from bot.features.scheduler import WakeUps
from bot.settings import Settings, StartFailed
from bot.shards import team_shard
from bot.slack.app import DEFAULT_API_BASE, SlackBot
from bot.standby import lock_keys, served_text
from bot.store.election import lost_lock_message, run_elected

EXIT_LOGIN_REFUSED = 3
EXIT_UNREACHABLE = 4
EXIT_LOST_LOCK = 5  # as bot.app.launch: the standby lock's PostgreSQL session ended
# Slack's libraries log whole payloads (with what people wrote) at DEBUG: never below WARNING.
CHATTY = ("slack_bolt", "slack_sdk")


def quiet_slack_libraries() -> None:
    for name in CHATTY:
        logging.getLogger(name).setLevel(logging.WARNING)


async def serve(
    settings: Settings,
    alongside: Callable[[], Awaitable[None]] | None,
    beside: WakeUps | None = None,
    courses: Courses | None = None,
    stopped: asyncio.Event | None = None,
) -> None:
    """The Slack app, and ``alongside`` (the Discord bot) until it returns; alone, until
    ``stopped`` is set (or the process is stopped)."""
    assert settings.slack is not None
    slack = SlackBot(
        settings.slack,
        database=settings.store_target,
        prompts_dir=settings.prompts_dir,
        beside=beside,
        courses=courses,
    )
    if settings.shards is not None:  # the workspace is one shard's, by its team id
        team = (await slack.client.auth_test())["team_id"]
        if not settings.shards.owns_team(team):
            logging.getLogger(__name__).warning(
                "Slack workspace %s is shard %d's; this process runs %s: Slack is not served here",
                team,
                team_shard(team, settings.shards.count),
                settings.shards,
            )
            if alongside is not None:
                await alongside()
            return
    try:
        await slack.start()
        if alongside is not None:
            await alongside()
        else:
            await (stopped or asyncio.Event()).wait()
    finally:
        await slack.close()


async def serve_elected(
    settings: Settings,
    alongside: Callable[[], Awaitable[None]] | None = None,
    beside: WakeUps | None = None,
    courses: Courses | None = None,
    stop_alongside: Callable[[], Awaitable[None]] | None = None,
) -> int:
    """``serve``; on PostgreSQL only once elected, for Slack and (``alongside``) Discord."""
    if settings.database_url is None:  # SQLite: no advisory locks, no standby
        await serve(settings, alongside, beside, courses)
        return 0
    platforms = (PlatformName.DISCORD, PlatformName.SLACK) if alongside else (PlatformName.SLACK,)
    served = served_text(settings.shards, platforms)
    stopped = asyncio.Event()

    async def stop() -> None:
        stopped.set()
        if stop_alongside is not None:
            await stop_alongside()  # the Discord bot closes: ``alongside`` returns

    async def run() -> None:
        await serve(settings, alongside, beside, courses, stopped)

    keys = lock_keys(settings.shards, platforms)
    if await run_elected(settings.database_url, keys, served, run, stop):
        return fail(lost_lock_message(served), EXIT_LOST_LOCK)
    return 0


def run_slack(
    settings: Settings,
    alongside: Callable[[], Awaitable[None]] | None = None,
    beside: WakeUps | None = None,
    courses: Courses | None = None,
    stop_alongside: Callable[[], Awaitable[None]] | None = None,
) -> int:
    assert settings.slack is not None
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=settings.log_level, format="%(asctime)s %(levelname)-8s %(name)s %(message)s"
        )
    quiet_slack_libraries()
    try:
        return asyncio.run(serve_elected(settings, alongside, beside, courses, stop_alongside))
    except StartFailed as failure:  # the Discord bot beside it (``alongside``)
        return fail(failure.message, failure.status)
    except SlackApiError as error:
        if error.response.get("error") in ("invalid_auth", "not_authed", "account_inactive"):
            return fail(
                "Slack refused SLACK_BOT_TOKEN (invalid_auth): copy the Bot User OAuth Token"
                " from your app's OAuth & Permissions page into .env",
                EXIT_LOGIN_REFUSED,
            )
        if error.response.get("error") == "not_allowed_token_type":
            return fail(
                "Slack refused SLACK_APP_TOKEN: it must be an app-level token (xapp-)",
                EXIT_LOGIN_REFUSED,
            )
        raise
    except (aiohttp.ClientConnectionError, OSError) as error:
        base = settings.slack.api_base or DEFAULT_API_BASE
        return fail(
            f"cannot reach Slack at {base}: {error}; check the network or SLACK_API_BASE",
            EXIT_UNREACHABLE,
        )
    except KeyboardInterrupt:
        return 0


def fail(message: str, status: int) -> int:
    print(f"cohortbot: {message}", file=sys.stderr)
    return status
