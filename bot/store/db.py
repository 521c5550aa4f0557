"""The SQLite connection, its settings, and the numbered migrations.

Migrations are the files ``migrations/NNNN_name.sql``, applied in order at
start-up inside one transaction each, and recorded in ``schema_version``.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import aiosqlite

_MIGRATION_NAME = re.compile(r"(\d{4})_[a-z0-9_]+\.sql")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    """Every migration shipped with the package, in order of their numbers (which are unique)."""
    found = []
    for entry in resources.files("bot.store").joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.fullmatch(entry.name)
        if match:
            found.append(Migration(int(match[1]), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a number: {[m.name for m in found]}")
    return found


def cannot_write(path: Path | str) -> str | None:
    """Why SQLite cannot open ``path`` for writing (None: it can), asked synchronously.

    Used before anything starts: a failed ``aiosqlite.connect`` leaves its worker
    thread to report to an event loop that may be gone by then.
    """
    try:
        with closing(sqlite3.connect(path)) as db:
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("BEGIN IMMEDIATE")  # takes the write lock: a read-only file fails here
            db.rollback()
    except sqlite3.Error as error:
        return str(error)
    return None


async def connect(path: Path | str) -> aiosqlite.Connection:
    db = await aiosqlite.connect(path)
    db.row_factory = aiosqlite.Row
    try:
        for pragma in (
            "journal_mode = WAL",  # readers never block the writer
            "foreign_keys = ON",
            "busy_timeout = 5000",  # a second process waits for the lock instead of failing
            "synchronous = NORMAL",  # safe with WAL, and far fewer fsyncs
            "secure_delete = ON",  # what is deleted (e.g. by /forgetme) is overwritten on disk
        ):
            async with db.execute(f"PRAGMA {pragma}"):
                pass  # close each cursor: an open one blocks the next commit
    except BaseException:
        await db.close()  # its worker thread would otherwise keep the process alive
        raise
    return db


async def applied_versions(db: aiosqlite.Connection) -> set[int]:
    async with db.execute(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TEXT NOT NULL)"
    ):
        pass
    async with db.execute("SELECT version FROM schema_version") as cursor:
        return {int(row[0]) for row in await cursor.fetchall()}


class NewerSchema(Exception):
    """The file holds migrations this version of the bot does not know (a downgrade)."""


async def migrate(db: aiosqlite.Connection, *, up_to: int | None = None) -> int:
    """Apply every migration not yet recorded (up to ``up_to``, for tests of older files).

    Returns the highest version now applied. Raises ``NewerSchema`` for a file that a
    newer version of the bot has migrated: this one would misread its tables.
    """
    applied = await applied_versions(db)
    await db.commit()
    if unknown := applied - {m.version for m in migrations()}:
        raise NewerSchema(
            f"a newer cohortbot has written it (migrations {sorted(unknown)} are unknown to"
            " this version): upgrade the bot, or name another file"
        )
    for migration in migrations():
        if migration.version in applied or (up_to is not None and migration.version > up_to):
            continue
        # executescript would commit on its own; run statements in one explicit transaction.
        await db.execute("BEGIN IMMEDIATE")
        try:
            for statement in split_statements(migration.sql):
                await db.execute(statement)
            await db.execute(
                "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                (migration.version, to_text(datetime.now(UTC))),
            )
            await db.commit()
        except BaseException:
            await db.rollback()
            raise
        applied.add(migration.version)
    return max(applied, default=0)


def split_statements(sql: str) -> list[str]:
    """Split a migration into statements (no triggers in our migrations, so ';' ends one)."""
    lines = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def to_text(instant: datetime) -> str:
    """A UTC instant as sortable text."""
    if instant.tzinfo is None:
        raise ValueError("store times must be timezone-aware")
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_text(text: str) -> datetime:
    """What ``to_text`` wrote. ``fromisoformat`` (which reads the "Z" since Python 3.11) is
    fifty times faster than ``strptime``, and a start-up reads every pending row's instant."""
    if not text.endswith("Z"):
        raise ValueError(f"not a UTC store time: {text!r}")
    return datetime.fromisoformat(text)


def maybe_time(text: str | None) -> datetime | None:
    return from_text(text) if text is not None else None
