"""The connection (SQLite, or PostgreSQL by URL), its settings, and the numbered migrations.

Migrations are the files ``migrations/NNNN_name.sql``, applied in order at
start-up inside one transaction each, and recorded in ``schema_version``. On
PostgreSQL a file ``migrations/postgres/NNNN_name.sql`` with the same number
takes the place of the SQLite one where the two dialects differ (each says why).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Collection
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import aiosqlite

from bot.store.postgres import IntegrityError as PostgresIntegrityError
from bot.store.postgres import PostgresConnection, is_postgres_url

# What a refused write (unique name, taken code) raises, whichever the backend.
INTEGRITY_ERRORS = (sqlite3.IntegrityError, PostgresIntegrityError)
# Two processes migrating one PostgreSQL database at once: the second waits for this lock.
_MIGRATION_LOCK = 0x636F686F7274  # "cohort"


class Connection(Protocol):
    """What the query classes use of a connection: aiosqlite's, or ``PostgresConnection``."""

    def execute(self, sql: str, parameters: Any = None, /) -> Any: ...

    async def executemany(self, sql: str, parameters: Any, /) -> Any: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...

    async def close(self) -> None: ...


# A row as the query classes read it: aiosqlite.Row or asyncpg.Record, both of which
# take row["name"], row[0], dict(row) and unpacking.
Row = Any


def is_postgres(db: object) -> bool:
    """Which SQL to run where the dialects differ (the one place that asks)."""
    return isinstance(db, PostgresConnection)


_MIGRATION_NAME = re.compile(r"(\d{4})_[a-z0-9_]+\.sql")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations(dialect: str = "sqlite") -> list[Migration]:
    """Every migration shipped with the package, in order of their numbers (which are unique).

    For ``"postgres"``, a file of the same number in ``migrations/postgres/`` replaces
    the shared one.
    """
    found = _migrations_in("migrations")
    if dialect == "postgres":
        own = {m.version: m for m in _migrations_in("migrations/postgres")}
        found = [own.pop(m.version, m) for m in found] + list(own.values())
        found.sort(key=lambda m: m.version)
    return found


def _migrations_in(folder: str) -> list[Migration]:
    found = []
    for entry in resources.files("bot.store").joinpath(folder).iterdir():
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


async def open_connection(target: Path | str) -> Connection:
    """A PostgreSQL URL (``postgresql://…``) or a SQLite file's path."""
    if is_postgres_url(target):
        return await PostgresConnection.connect(str(target))
    return await connect(target)


async def applied_versions(db: Connection) -> set[int]:
    async with db.execute(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TEXT NOT NULL)"
    ):
        pass
    async with db.execute("SELECT version FROM schema_version") as cursor:
        return {int(row[0]) for row in await cursor.fetchall()}


class NewerSchema(Exception):
    """The file holds migrations this version of the bot does not know (a downgrade)."""


async def migrate(db: Connection, *, up_to: int | None = None) -> int:
    """Apply every migration not yet recorded (up to ``up_to``, for tests of older files).

    Returns the highest version now applied. Raises ``NewerSchema`` for a file that a
    newer version of the bot has migrated: this one would misread its tables.
    """
    postgres = is_postgres(db)
    if isinstance(db, PostgresConnection):  # two processes starting at once: one creates the table
        await db.begin(_MIGRATION_LOCK)
    applied = await applied_versions(db)
    await db.commit()
    if unknown := applied - {m.version for m in migrations()}:
        raise NewerSchema(
            f"a newer cohortbot has written it (migrations {sorted(unknown)} are unknown to"
            " this version): upgrade the bot, or name another file"
        )
    for migration in migrations("postgres" if postgres else "sqlite"):
        if migration.version in applied or (up_to is not None and migration.version > up_to):
            continue
        # executescript would commit on its own; run statements in one explicit transaction,
        # holding the write lock (SQLite) or the migration lock (PostgreSQL) from the start.
        if isinstance(db, PostgresConnection):
            await db.begin(_MIGRATION_LOCK)
        else:
            await db.execute("BEGIN IMMEDIATE")
        try:
            if migration.version in await applied_versions(db):
                await db.rollback()  # another process applied it meanwhile
                applied.add(migration.version)
                continue
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


def in_list(column: str, values: Collection[Any], *, negate: bool = False) -> tuple[str, list[Any]]:
    """``column IN (?, …)`` (or ``NOT IN``) and its parameters, in SQL both dialects take.

    An empty list is ``IN ()`` to SQLite but a syntax error to PostgreSQL: it is
    written as what it means (nothing is in it; everything is outside it).
    """
    if not values:
        return ("1 = 1" if negate else "1 = 0"), []
    marks = ", ".join("?" * len(values))
    return f"{column} {'NOT IN' if negate else 'IN'} ({marks})", list(values)


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
