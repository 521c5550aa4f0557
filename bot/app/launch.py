"""``cohortbot run``: settings from the environment and ``.env``, then the bot, for real.

Each way the start can fail for a reason the operator can fix ends with one line on
stderr that names the cause and the setting, and an exit status of its own (below).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import asyncpg
import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.app.client import CohortBot, make_bot
from bot.cohort import PlatformName
from bot.settings import (
    Settings,
    SettingsError,
    StartFailed,
    database_problem,
    prompts_problem,
    shown_url,
)
from bot.standby import lock_keys, served_text
from bot.store import Store
from bot.store.db import NewerSchema, cannot_write
from bot.store.election import lost_lock_message
from bot.store.election import run_elected as elect

log = logging.getLogger(__name__)

EXIT_SETTINGS = 2  # a setting is missing, malformed or unusable (DATABASE_PATH, DATABASE_URL)
EXIT_LOGIN_REFUSED = 3  # Discord refused DISCORD_TOKEN, or the members intent (switched off)
EXIT_UNREACHABLE = 4  # Discord (or DISCORD_API_BASE) could not be reached
EXIT_LOST_LOCK = 5  # the active process lost its standby lock (its PostgreSQL session ended)
POSTGRES_WAIT = 15.0  # seconds for DATABASE_URL's server to answer before start-up gives up


def point_at(api_base: str | None, gateway_url: str | None) -> None:
    """Send REST calls and the gateway through proxies, when the settings name them.

    discord.py reads these two class attributes for every request and every
    connection; nothing else in the bot knows about proxies.
    """
    if api_base:
        Route.BASE = api_base
    if gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def configure_logging(level: str) -> None:
    """discord.py's log format at ``level``; APScheduler only when something goes wrong.

    APScheduler logs every job it adds, runs and removes at INFO (one per pending
    delivery, rebuilt after each change): at INFO the bot's own lines say what it did.
    """
    discord.utils.setup_logging(level=logging.getLevelName(level))
    quiet_libraries(level)


def quiet_libraries(level: str) -> None:
    logging.getLogger("apscheduler").setLevel(
        logging.DEBUG if level == "DEBUG" else logging.WARNING
    )


async def check_database(path: Path, url: str | None = None) -> None:
    """Open the database (creating and migrating it) once, before logging in."""
    if url is not None:
        await check_postgres(url)
        return
    problem = database_problem(path)
    if problem is None and (error := cannot_write(path)) is not None:
        problem = f"SQLite cannot use it ({error})"
    if problem is None:
        try:
            store = await Store.open(path)
        except sqlite3.Error as error:
            problem = f"SQLite cannot use it ({error})"
        except NewerSchema as error:
            problem = str(error)
        else:
            await store.close()
    if problem is not None:
        raise SettingsError(f"DATABASE_PATH={path}: {problem}")


async def check_postgres(url: str) -> None:
    """DATABASE_URL: the server answers, lets us in, and the schema migrates."""
    try:
        store = await asyncio.wait_for(Store.open(url), POSTGRES_WAIT)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        cause = reason(error) if isinstance(error, OSError) else str(error) or "no answer"
        if isinstance(error, TimeoutError):
            cause = f"no answer within {POSTGRES_WAIT:.0f} s"
        raise SettingsError(
            f"DATABASE_URL={shown_url(url)}: PostgreSQL cannot be used ({cause.splitlines()[0]})"
        ) from error
    await store.close()


def run_bot(*, force_sync: bool = False) -> int:
    try:
        settings = Settings.load()
        if settings.prompts_dir and (problem := prompts_problem(settings.prompts_dir)):
            raise SettingsError(f"PROMPTS_DIR={settings.prompts_dir}: {problem}")
        asyncio.run(check_database(settings.database, settings.database_url))
    except SettingsError as error:
        return fail(str(error), EXIT_SETTINGS)
    configure_logging(settings.log_level)
    if settings.shards is not None:
        logging.getLogger(__name__).info("this process serves %s", settings.shards)
    bot = discord_bot(settings, force_sync=force_sync)
    try:
        if settings.database_url is None:
            bot.run(settings.token, log_handler=None)  # logging is already set up
        else:
            try:
                return asyncio.run(run_elected(bot, settings, settings.database_url))
            except KeyboardInterrupt:
                return 0
    except LOGIN_FAILURES as error:
        failure = login_failure(error, settings)
        return fail(failure.message, failure.status)
    return 0


# What can go wrong once the bot logs in that the operator can fix (``login_failure``).
LOGIN_FAILURES = (
    SettingsError,
    discord.LoginFailure,
    discord.PrivilegedIntentsRequired,  # the gateway's 4014: the members intent is off
    aiohttp.ClientConnectionError,
)


def login_failure(error: BaseException, settings: Settings) -> StartFailed:
    """The line and status for an error of ``LOGIN_FAILURES``."""
    if isinstance(error, SettingsError):  # found only once logged in (DEV_GUILD_ID)
        return StartFailed(str(error), EXIT_SETTINGS)
    if isinstance(error, discord.LoginFailure):
        return StartFailed(
            "Discord refused DISCORD_TOKEN (401 Unauthorized): copy the bot's token from the"
            " Developer Portal (Bot > Reset Token) into .env",
            EXIT_LOGIN_REFUSED,
        )
    if isinstance(error, discord.PrivilegedIntentsRequired):
        return StartFailed(
            "Discord refused the Server Members intent: switch it on in the Developer Portal"
            " (your application > Bot > Privileged Gateway Intents > Server Members Intent)",
            EXIT_LOGIN_REFUSED,
        )
    setting = ", or DISCORD_API_BASE" if settings.api_base else ""
    return StartFailed(
        f"cannot reach Discord at {Route.BASE}: {reason(error)}; check the network{setting}",
        EXIT_UNREACHABLE,
    )


async def run_elected(bot: CohortBot, settings: Settings, url: str) -> int:
    """On PostgreSQL: wait for the standby lock of this process's shards on Discord, then
    run the bot while holding it (``bot.standby``). A standby makes no gateway connection,
    nor any call to Discord, until it holds the lock."""
    served = served_text(settings.shards, (PlatformName.DISCORD,))

    async def run() -> None:
        async with bot:
            await bot.start(settings.token)

    keys = lock_keys(settings.shards, (PlatformName.DISCORD,))
    if await elect(url, keys, served, run, bot.close):
        return fail(lost_lock_message(served), EXIT_LOST_LOCK)
    return 0


def discord_bot(settings: Settings, *, force_sync: bool = False) -> CohortBot:
    """The bot the settings describe: its store, courses, shards; pointed at the proxies."""
    point_at(settings.api_base, settings.gateway_url)
    return make_bot(
        database=settings.store_target,
        prompts_dir=settings.prompts_dir,
        dev_guild_id=settings.dev_guild_id,
        force_sync=force_sync,
        served=settings.shards,
    )


def discord_service(
    settings: Settings, *, force_sync: bool = False
) -> tuple[CohortBot, Callable[[], Awaitable[None]]]:
    """The Discord bot, and a coroutine that runs it beside another platform (``cohortbot
    run`` with Slack tokens too): same database, same event loop, its scheduler shared.
    A start that fails as ``run_bot``'s can raises ``StartFailed`` with its line and status."""
    bot = discord_bot(settings, force_sync=force_sync)

    async def run() -> None:
        try:
            async with bot:
                await bot.start(settings.token)
        except LOGIN_FAILURES as error:
            raise login_failure(error, settings) from error

    return bot, run


def reason(error: BaseException) -> str:
    """ "Connection refused", "Name or service not known", …: the system's words."""
    cause = getattr(error, "os_error", None) or error
    number = getattr(cause, "errno", None)
    if isinstance(number, int) and number > 0:
        return os.strerror(number)
    return str(cause) or type(error).__name__


def fail(message: str, status: int) -> int:
    print(f"cohortbot: {message}", file=sys.stderr)
    return status
