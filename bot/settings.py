"""Settings, built once from the environment after ``load_dotenv()``."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from dotenv import find_dotenv, load_dotenv

from bot.catalog import COURSE_SUFFIXES, course_files
from bot.errors import UserError
from bot.shards import Shards


class SettingsError(UserError):
    """A setting is missing or malformed; the message names it."""


class StartFailed(Exception):
    """One platform of ``cohortbot run`` could not start, for a reason the operator can fix:
    the one line to print and the exit status (the platform's launcher decides both)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class SlackSettings:
    """A Slack app's two tokens (never printed, never logged) and where its Web API is."""

    bot_token: str = field(repr=False)  # xoxb-: the Web API
    app_token: str = field(repr=False)  # xapp-: Socket Mode (apps.connections.open)
    api_base: str | None = None  # SLACK_API_BASE: GovSlack, a proxy, a loopback test


@dataclass(frozen=True)
class Settings:
    token: str = field(repr=False)  # never printed, never logged
    database: Path = Path("cohortbot.sqlite3")
    database_url: str | None = field(default=None, repr=False)  # PostgreSQL; may hold a password
    prompts_dir: Path | None = None  # None: the prompts/ folder shipped with the bot
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    api_base: str | None = None
    gateway_url: str | None = None
    shards: Shards | None = None  # None: one process, discord.py's plain Bot, as before
    slack: SlackSettings | None = None  # set when SLACK_BOT_TOKEN and SLACK_APP_TOKEN are set

    @classmethod
    def load(cls, *, require_token: bool = True) -> Settings:
        """What every ``cohortbot`` command reads: the environment, then the ``.env`` beside
        the operator (the working folder; a bare ``load_dotenv()`` would search upward from
        this module, i.e. the install folder). The environment wins over ``.env``."""
        load_dotenv(find_dotenv(usecwd=True))
        return cls.from_env(os.environ, require_token=require_token)

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, require_token: bool = True) -> Settings:
        token = env.get("DISCORD_TOKEN", "").strip()
        slack = slack_from_env(env)
        if require_token and not token and slack is None:
            raise SettingsError(
                "DISCORD_TOKEN is not set: copy .env.example to .env and put your bot's token there"
                " (or SLACK_BOT_TOKEN and SLACK_APP_TOKEN for Slack; or run `cohortbot demo` to try"
                " the bot offline)"
            )
        level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
        if not isinstance(logging.getLevelName(level), int):
            raise SettingsError(
                f"LOG_LEVEL={level!r} is not a level: use DEBUG, INFO, WARNING or ERROR"
            )
        prompts = env.get("PROMPTS_DIR", "").strip()
        return cls(
            token=token,
            database=Path(env.get("DATABASE_PATH", "").strip() or "cohortbot.sqlite3"),
            database_url=_optional_database_url(env),
            prompts_dir=Path(prompts) if prompts else None,
            dev_guild_id=_optional_id(env, "DEV_GUILD_ID"),
            log_level=level,
            api_base=_optional_url(env, "DISCORD_API_BASE", ("http", "https")),
            gateway_url=_optional_url(env, "DISCORD_GATEWAY_URL", ("ws", "wss")),
            shards=_shards(env),
            slack=slack,
        )

    @property
    def store_target(self) -> Path | str:
        """What the store opens: DATABASE_URL (PostgreSQL) when set, else DATABASE_PATH."""
        return self.database_url or self.database


def _optional_database_url(env: Mapping[str, str]) -> str | None:
    value = env.get("DATABASE_URL", "").strip()
    if not value:
        return None
    shown = shown_url(value)
    try:
        parsed = urlparse(value)
        parsed.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError as error:
        raise SettingsError(f"DATABASE_URL={shown} is malformed ({error})") from error
    if parsed.scheme not in ("postgresql", "postgres") or not parsed.hostname:
        raise SettingsError(
            f"DATABASE_URL={shown} must be a postgresql:// URL with a host, e.g."
            " postgresql://cohortbot:PASSWORD@localhost:5432/cohortbot (or unset it for SQLite)"
        )
    if not parsed.path.strip("/"):
        raise SettingsError(f"DATABASE_URL={shown} names no database: end it with /DATABASE")
    return value


def shown_url(url: str) -> str:
    """The URL as it may be printed: any password replaced by ***."""
    parsed = urlparse(url)
    if parsed.password is None:
        return url
    netloc = parsed.netloc.replace(f":{parsed.password}@", ":***@", 1)
    return parsed._replace(netloc=netloc).geturl()


def slack_from_env(env: Mapping[str, str]) -> SlackSettings | None:
    """Slack's settings, when its tokens are set; None when neither is."""
    bot = env.get("SLACK_BOT_TOKEN", "").strip()
    app = env.get("SLACK_APP_TOKEN", "").strip()
    base = _optional_url(env, "SLACK_API_BASE", ("http", "https"))
    if not bot and not app:
        if base:
            raise SettingsError("SLACK_API_BASE is set but SLACK_BOT_TOKEN is not")
        return None
    for name, value, prefix, where in (
        ("SLACK_BOT_TOKEN", bot, "xoxb-", "OAuth & Permissions > Bot User OAuth Token"),
        (
            "SLACK_APP_TOKEN",
            app,
            "xapp-",
            "Basic Information > App-Level Tokens (connections:write)",
        ),
    ):
        if not value:
            raise SettingsError(f"{name} is not set: copy it from your Slack app's {where}")
        if not value.startswith(prefix):
            raise SettingsError(f"{name} must start with {prefix}: copy it from {where}")
    return SlackSettings(bot_token=bot, app_token=app, api_base=base)


def _optional_id(env: Mapping[str, str], name: str) -> int | None:
    value = env.get(name, "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and int(value) > 0):
        raise SettingsError(
            f"{name}={value!r} is not a Discord id (a number such as 123456789012345678)"
        )
    return int(value)


def _shards(env: Mapping[str, str]) -> Shards | None:
    """``SHARD_COUNT`` and ``SHARD_IDS`` (``0,1``; default: every shard of the count)."""
    count_text = env.get("SHARD_COUNT", "").strip()
    ids_text = env.get("SHARD_IDS", "").strip()
    if not count_text and not ids_text:
        return None
    if not count_text:
        raise SettingsError(
            f"SHARD_IDS={ids_text!r} needs SHARD_COUNT, the number of shards of all processes"
            " together (e.g. SHARD_COUNT=4)"
        )
    if not count_text.isdigit() or int(count_text) < 1:
        raise SettingsError(
            f"SHARD_COUNT={count_text!r} is not a number of shards (a whole number, 1 or more)"
        )
    count = int(count_text)
    if not ids_text:
        return Shards.every(count)
    parts = [part.strip() for part in ids_text.split(",")]
    if not all(part.isdigit() for part in parts):
        raise SettingsError(
            f"SHARD_IDS={ids_text!r} is not a list of shard numbers: write them with commas,"
            f" e.g. SHARD_IDS=0,1 (each from 0 to {count - 1})"
        )
    try:
        return Shards(count, tuple(int(part) for part in parts))
    except ValueError as error:
        raise SettingsError(f"SHARD_IDS={ids_text!r}: {error} (SHARD_COUNT={count})") from None


def _optional_url(env: Mapping[str, str], name: str, schemes: tuple[str, ...]) -> str | None:
    value = env.get(name, "").strip().rstrip("/")
    if not value:
        return None
    parsed = urlparse(value)
    if parsed.scheme not in schemes or not parsed.netloc:
        raise SettingsError(f"{name}={value!r} must be a {' or '.join(schemes)} URL with a host")
    return value


def database_problem(path: Path) -> str | None:
    """Why SQLite could not keep its file at ``path`` (None: it looks usable).

    Checked before logging in, so a bad DATABASE_PATH is named in one line, not found
    as a traceback later. SQLite writes a journal beside the file, so the folder must
    be writable too.
    """
    folder = path.parent
    if path.is_dir():
        return "is a folder, not a file: name a file in it, e.g. cohortbot.sqlite3"
    if not folder.exists():
        return f"the folder {folder} does not exist: create it, or name another file"
    if not folder.is_dir():
        return f"{folder} is a file, not a folder"
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        return "the file is read-only to this user: make it writable, or name another file"
    if not os.access(folder, os.W_OK | os.X_OK):
        return (
            f"the folder {folder} is read-only to this user (SQLite writes its journal"
            " beside the file): make it writable, or name another folder"
        )
    return None


def prompts_problem(folder: Path) -> str | None:
    """Why the bot would find no course in ``folder`` (None: it holds course files).

    Checked before logging in: a bot with no courses fails every running cohort's posts.
    """
    if not folder.exists():
        return "the folder does not exist: create it, or name the folder of your course files"
    if not folder.is_dir():
        return "is a file, not a folder of course files"
    if not course_files(folder):
        wanted = " or ".join(f"*{suffix}" for suffix in COURSE_SUFFIXES)
        return f"holds no course files ({wanted})"
    return None
