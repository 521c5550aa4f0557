"""The advisory lock that makes one process of a shard set active (``bot.standby``).

The lock lives on a connection of its own, apart from the store's: it is held
for as long as that session lasts, and released by PostgreSQL when the session
ends, however the process ended.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import asyncpg

from bot.standby import KEEPALIVE, RETRY

log = logging.getLogger(__name__)

# The server is gone, restarting or not reachable: a standby tries again at the next round.
_UNREACHABLE = (
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    asyncpg.PostgresConnectionError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
    OSError,
    TimeoutError,
)


class AdvisoryLock:
    """One session-level advisory lock on a dedicated connection."""

    def __init__(self, connection: asyncpg.Connection, key: int) -> None:
        self.connection = connection
        self.key = key

    @classmethod
    async def connect(cls, url: str, key: int) -> AdvisoryLock:
        idle, interval, count = KEEPALIVE
        connection = await asyncpg.connect(
            url,
            server_settings={
                "application_name": "cohortbot standby lock",
                "tcp_keepalives_idle": str(idle),
                "tcp_keepalives_interval": str(interval),
                "tcp_keepalives_count": str(count),
            },
        )
        return cls(connection, key)

    async def try_take(self) -> bool:
        """True if this session now holds the lock (or already did)."""
        return bool(await self.connection.fetchval("SELECT pg_try_advisory_lock($1)", self.key))

    async def still_held(self) -> bool:
        """The session is alive, so it still holds the lock (a session-level lock ends only
        with its session, or an unlock this code never makes)."""
        try:
            await self.connection.fetchval("SELECT 1", timeout=RETRY * 5)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError):
            return False
        return True

    async def close(self) -> None:
        """End the session, which releases the lock."""
        if self.connection.is_closed():
            return
        try:
            await self.connection.close(timeout=5)
        except (*_UNREACHABLE, asyncpg.PostgresError):
            self.connection.terminate()  # the session is gone or going anyway


async def hold_lock(
    url: str, key: int, *, waiting: Callable[[], None], retry: float = RETRY
) -> AdvisoryLock:
    """Wait until this process holds the lock ``key``; ``waiting`` is called once, at the
    first try that finds another process holding it. A connection that breaks while
    waiting (the server restarting) is opened again at the next try."""
    lock: AdvisoryLock | None = None
    told = False
    try:
        while True:
            try:
                lock = lock or await AdvisoryLock.connect(url, key)
                if await lock.try_take():
                    return lock
            except _UNREACHABLE as error:
                log.warning(
                    "standby: cannot reach PostgreSQL for the lock (%s); trying again", error
                )
                if lock is not None:
                    lock.connection.terminate()
                lock = None
            else:
                if not told:
                    waiting()
                    told = True
            await asyncio.sleep(retry)
    except BaseException:
        if lock is not None:
            await lock.close()
        raise
