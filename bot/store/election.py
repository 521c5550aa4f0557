"""The advisory locks that make one process of a shard set active (``bot.standby``), and
``run_elected``, which every ``cohortbot run`` on PostgreSQL goes through.

The locks live on a connection of their own, apart from the store's: they are held
for as long as that session lasts, and released by PostgreSQL when the session
ends, however the process ended.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

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
    """Session-level advisory locks (one per platform the process runs) on a dedicated
    connection."""

    def __init__(self, connection: asyncpg.Connection, *keys: int) -> None:
        self.connection = connection
        self.keys = keys

    @classmethod
    async def connect(cls, url: str, *keys: int) -> AdvisoryLock:
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
        return cls(connection, *keys)

    async def try_take(self) -> bool:
        """True if this session now holds every lock. Taken in order; at the first that
        another session holds, those taken in this try are given back: a process never
        sits on one platform's lock while it waits for another's."""
        taken: list[int] = []
        for key in self.keys:
            if not await self.connection.fetchval("SELECT pg_try_advisory_lock($1)", key):
                for held in reversed(taken):
                    await self.connection.fetchval("SELECT pg_advisory_unlock($1)", held)
                return False
            taken.append(key)
        return True

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
    url: str, key: int | Sequence[int], *, waiting: Callable[[], None], retry: float = RETRY
) -> AdvisoryLock:
    """Wait until this process holds the lock ``key`` (or every one of several keys);
    ``waiting`` is called once, at the first try that finds another process holding one.
    A connection that breaks while waiting (the server restarting) is opened again at the
    next try."""
    keys = (key,) if isinstance(key, int) else tuple(key)
    lock: AdvisoryLock | None = None
    told = False
    try:
        while True:
            try:
                lock = lock or await AdvisoryLock.connect(url, *keys)
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


async def run_elected(
    url: str,
    keys: Sequence[int],
    served: str,
    run: Callable[[], Awaitable[None]],
    stop: Callable[[], Awaitable[None]],
) -> bool:
    """Wait for the locks ``keys`` (``served`` names what they guard, for the log), then
    ``run`` the process's platforms while holding them; True if the locks' session ended
    meanwhile (``stop`` was called: the caller exits with status 5). A standby makes no
    call to any platform until it holds the locks: ``run`` has not started."""

    def waiting() -> None:
        log.info(
            "standby for %s: another process is active; trying for its lock every %g s",
            served,
            RETRY,
        )

    lock = await hold_lock(url, keys, waiting=waiting)
    log.info("active for %s: holding the standby lock", served)
    lost = asyncio.Event()
    try:
        watch = asyncio.create_task(watch_lock(lock, stop, lost))
        try:
            await run()
        finally:
            if lost.is_set():
                await watch  # it is stopping the platforms: let it finish
            else:
                watch.cancel()
    finally:
        await lock.close()
    return lost.is_set()


async def watch_lock(
    lock: AdvisoryLock, stop: Callable[[], Awaitable[None]], lost: asyncio.Event
) -> None:
    """Every RETRY seconds: is the locks' session alive? When it is not, a standby may
    hold them already: ``stop`` (``lost`` set) rather than run beside it."""
    while await lock.still_held():
        await asyncio.sleep(RETRY)
    log.error("the standby lock's PostgreSQL session ended: stopping")
    lost.set()
    await stop()


def lost_lock_message(served: str) -> str:
    return (
        f"the connection holding the standby lock of {served} ended (DATABASE_URL):"
        " stopped, so that a standby can take over"
    )
