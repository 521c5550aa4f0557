"""Settings, built once from the environment after ``load_dotenv()``."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from dotenv import find_dotenv, load_dotenv

from bot.errors import UserError


class SettingsError(UserError):
    """A setting is missing or malformed; the message names it."""


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
        if require_token and not token:
            raise SettingsError(
                "DISCORD_TOKEN is not set: copy .env.example to .env and put your bot's token there"
                " (or run `cohortbot demo` to try the bot offline)"
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


def _optional_id(env: Mapping[str, str], name: str) -> int | None:
    value = env.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise SettingsError(
            f"{name}={value!r} is not a Discord id (a number such as 123456789012345678)"
        )
    return int(value)


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
