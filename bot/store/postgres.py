"""PostgreSQL through asyncpg, behind the few calls the query classes make of aiosqlite.

The query classes are written once, with ``?`` parameters, against what an
``aiosqlite.Connection`` offers (``execute`` awaited or used as ``async with``,
``fetchall``/``fetchone``, ``rowcount``, ``executemany``, ``commit``,
``rollback``). ``PostgresConnection`` offers the same on one asyncpg
connection, so no query is written twice:

- ``?`` becomes ``$1, $2, …`` (outside quotes), once per SQL text;
- like Python's sqlite3, a write opens a transaction that lasts until
  ``commit()`` or ``rollback()``; a read outside one runs on its own;
- a statement that fails inside a transaction rolls the whole transaction
  back at once (PostgreSQL refuses every later statement of an aborted
  transaction, where SQLite would go on), then raises;
- ``rowcount`` is read from the command status (``"UPDATE 1"``);
- a unique or foreign-key violation raises ``IntegrityError``, which the
  callers catch together with SQLite's (``bot.store.db.INTEGRITY_ERRORS``).

Like the SQLite store, one connection is shared by the whole process; calls
are taken one at a time (an asyncpg connection runs one at a time).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Awaitable, Callable, Generator, Iterable, Sequence
from functools import lru_cache
from typing import Any

import asyncpg

DIALECT = "postgres"
URL_SCHEMES = ("postgresql://", "postgres://")

# What says the connection itself is gone or unusable (not a statement's own error): it is
# dropped, and the next statement opens a new one.
_BROKEN = (
    asyncpg.InterfaceError,  # ConnectionDoesNotExistError: closed in the middle of an operation
    asyncpg.InternalClientError,  # protocol state lost with the connection
    asyncpg.PostgresConnectionError,
    asyncpg.AdminShutdownError,  # pg_terminate_backend, a server shutdown
    asyncpg.CrashShutdownError,
    OSError,
)

# A statement that writes: opens the implicit transaction (as Python's sqlite3 does).
_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


class IntegrityError(Exception):
    """A constraint refused a write (unique, foreign key, check) on PostgreSQL."""


def is_postgres_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(URL_SCHEMES)


@lru_cache(maxsize=1024)
def numbered(sql: str) -> str:
    """``?`` parameters as ``$1, $2, …``; ``?`` inside quotes or identifiers stays."""
    out: list[str] = []
    number = 0
    quote: str | None = None
    for char in sql:
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "?":
            number += 1
            out.append(f"${number}")
            continue
        out.append(char)
    return "".join(out)


def rowcount(status: str) -> int:
    """Rows a command touched, from its status (``"INSERT 0 3"``, ``"DELETE 2"``); -1 if none."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else -1


class Cursor:
    """What a statement gave: its rows (all read at once) and how many rows it touched."""

    def __init__(self, rows: list[asyncpg.Record], count: int) -> None:
        self._rows = rows
        self.rowcount = count
        self.lastrowid = None  # PostgreSQL has none: the store uses INSERT … RETURNING
        self.row_factory: object = None  # set by callers for SQLite's sake: rows are records here

    async def fetchall(self) -> list[asyncpg.Record]:
        return self._rows

    async def fetchone(self) -> asyncpg.Record | None:
        return self._rows[0] if self._rows else None

    async def close(self) -> None:
        pass


class _Statement:
    """``await db.execute(…)`` and ``async with db.execute(…) as cursor`` both work."""

    def __init__(self, run: Any) -> None:
        self._run = run
        self._cursor: Cursor | None = None

    def __await__(self) -> Generator[Any, None, Cursor]:
        return self._run.__await__()

    async def __aenter__(self) -> Cursor:
        self._cursor = await self._run
        return self._cursor

    async def __aexit__(self, *exc: object) -> None:
        pass


class PostgresConnection:
    dialect = DIALECT

    def __init__(self, connection: asyncpg.Connection, url: str) -> None:
        self.raw = connection
        self.url = url
        self._lock = asyncio.Lock()
        self._open = False  # a transaction we began on ``raw`` and have not ended

    @classmethod
    async def connect(cls, url: str) -> PostgresConnection:
        connection = await asyncpg.connect(url)
        return cls(connection, url)

    def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> _Statement:
        return _Statement(self._execute(sql, tuple(parameters or ())))

    async def _execute(self, sql: str, parameters: Sequence[Any]) -> Cursor:
        text = numbered(sql)

        async def run() -> Cursor:
            if _WRITES.match(sql) and "RETURNING" not in sql.upper():
                return Cursor([], rowcount(await self.raw.execute(text, *parameters)))
            rows = await self.raw.fetch(text, *parameters)
            return Cursor(rows, len(rows))  # a SELECT, or a write … RETURNING

        return await self._run(sql, run)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Cursor:
        rows = [tuple(row) for row in rows]
        if not rows:
            return Cursor([], 0)

        async def run() -> Cursor:
            await self.raw.executemany(numbered(sql), rows)
            return Cursor([], -1)

        return await self._run(sql, run)

    async def _run(self, sql: str, work: Callable[[], Awaitable[Cursor]]) -> Cursor:
        """One statement, under the lock, in the implicit transaction if it writes.

        The server gone (restarted, the connection killed): with no transaction of
        ours open, nothing was committed or can be half done, so the statement is run
        again once on a new connection; inside one, its earlier writes are lost, and
        the caller is told (an error), never a silent commit of half of them.
        """
        async with self._lock:
            await self._ensure_connected()
            had_open = self._open
            for attempt in (1, 2):
                try:
                    if _WRITES.match(sql) and not self.raw.is_in_transaction():
                        await self.raw.execute("BEGIN")
                        self._open = True
                    return await work()
                except BaseException as error:
                    lost = self.raw.is_closed() or isinstance(error, _BROKEN)
                    if lost:
                        self.raw.terminate()
                    await self._abandon()
                    if lost and attempt == 1 and not had_open:
                        await self._ensure_connected()
                        continue
                    _raise_translated(error)
                    raise
            raise AssertionError("unreachable")

    async def _ensure_connected(self) -> None:
        if not self.raw.is_closed():
            return
        lost_writes, self._open = self._open, False
        self.raw = await asyncpg.connect(self.url)
        if lost_writes:
            raise ConnectionLost(
                "the connection to PostgreSQL was lost inside a transaction: its writes were"
                " rolled back"
            )

    async def script(self, sql: str) -> None:
        """Run statements as they are (no parameters, no implicit transaction): ANALYZE, DDL."""
        async with self._lock:
            await self._ensure_connected()
            await self.raw.execute(sql)

    async def vacuum(self, tables: Iterable[str]) -> None:
        """VACUUM these tables on a connection of its own: VACUUM cannot run inside a
        transaction, which another coroutine may have opened on the shared connection
        meanwhile, and the shared connection stays free for the rest of the bot."""
        names = ", ".join(f'"{table}"' for table in tables)  # names from the schema itself
        if not names:
            return
        own = await asyncpg.connect(self.url)
        try:
            await own.execute(f"VACUUM {names}")
        finally:
            await own.close()

    async def _abandon(self) -> None:
        self._open = False
        if not self.raw.is_closed() and self.raw.is_in_transaction():
            with contextlib.suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                await self.raw.execute("ROLLBACK")

    async def begin(self, lock_key: int | None = None) -> None:
        """Open a transaction now (for migrations), first taking an advisory lock if given."""
        async with self._lock:
            await self._ensure_connected()
            await self.raw.execute("BEGIN")
            self._open = True
            if lock_key is not None:
                await self.raw.execute("SELECT pg_advisory_xact_lock($1)", lock_key)

    async def commit(self) -> None:
        async with self._lock:
            await self._ensure_connected()  # raises if our transaction went with the connection
            if self.raw.is_in_transaction():
                try:
                    await self.raw.execute("COMMIT")
                except _BROKEN:
                    self.raw.terminate()  # whether it committed is unknown: the caller is told
                    raise
                finally:
                    self._open = False

    async def rollback(self) -> None:
        async with self._lock:
            self._open = False  # lost or rolled back: either way nothing of it remains
            if not self.raw.is_closed() and self.raw.is_in_transaction():
                await self.raw.execute("ROLLBACK")

    async def close(self) -> None:
        async with self._lock:
            if not self.raw.is_closed():
                await self.raw.close()


class ConnectionLost(Exception):
    """PostgreSQL went away inside one of our transactions: its writes were not committed."""


def _raise_translated(error: BaseException) -> None:
    """A constraint violation as ``IntegrityError``; anything else is re-raised by the caller."""
    if isinstance(error, asyncpg.IntegrityConstraintViolationError):
        raise IntegrityError(str(error)) from error
