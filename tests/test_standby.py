"""A standby that takes over (``bot.standby``, ``bot.store.election``): the lock key as
table tests, the lock on a real PostgreSQL, and two real ``cohortbot run`` processes on
one database and the loopback Discord stand-in, the active one killed with SIGKILL."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp import web

from bot.app.launch import EXIT_LOST_LOCK
from bot.shards import Shards
from bot.standby import RETRY, dead_peer_bound, lock_key
from bot.store.election import AdvisoryLock, hold_lock
from tests.test_proxy import REST_PREFIX, ProxyStandIn
from tests.test_startup import COHORTBOT, TOKEN

GUARD = 60  # seconds: a failure guard on every wait, never a timing
STARTUP = 15  # seconds a standby may take, once it holds the lock, to be connected


@pytest.mark.parametrize(
    ("one", "other", "same"),
    [
        (None, None, True),
        (None, Shards.every(1), True),  # unsharded is the whole bot: one shard of one
        (Shards(4, (0, 1)), Shards(4, (1, 0)), True),  # the order SHARD_IDS names them
        (Shards(4, (0, 1)), Shards(4, (0, 1, 2)), False),
        (Shards(4, (0, 1)), Shards(8, (0, 1)), False),  # another count is another split
        (Shards(4, (2, 3)), Shards(4, (0, 1)), False),
        (Shards.every(2), Shards(2, (0, 1)), True),
    ],
)
def test_the_lock_key_is_the_shard_set(one, other, same):
    assert (lock_key(one) == lock_key(other)) is same


def test_the_lock_key_is_a_stable_bigint():
    keys = {lock_key(Shards(count, (i,))) for count in range(1, 40) for i in range(count)}
    assert len(keys) == sum(range(1, 40))  # no two shard sets share a key
    assert all(-(2**63) <= key < 2**63 for key in keys)
    assert lock_key(None) == -3559675457014294434  # the same in every process and version


def test_a_vanished_machine_is_dropped_within_the_keepalive_bound():
    assert dead_peer_bound() == 25.0


async def test_one_holder_per_shard_set_and_the_lock_ends_with_its_session(postgres_database):
    key = lock_key(Shards(2, (0,)))
    first = await AdvisoryLock.connect(postgres_database, key)
    second = await AdvisoryLock.connect(postgres_database, key)
    elsewhere = await AdvisoryLock.connect(postgres_database, lock_key(Shards(2, (1,))))
    try:
        assert await first.try_take()
        assert not await second.try_take()
        assert await elsewhere.try_take()  # other shards have a lock of their own
        assert await first.still_held()
        first.connection.terminate()  # as a killed process: no unlock, the socket closes
        assert not await first.still_held()
        waited: list[bool] = []
        third = await asyncio.wait_for(
            hold_lock(postgres_database, key, waiting=lambda: waited.append(True), retry=0.05),
            GUARD,
        )
        await third.close()
        assert waited == []  # free at once: the server ended the session and its lock
    finally:
        for lock in (second, elsewhere):
            await lock.close()


async def test_a_standby_waits_and_says_so_once(postgres_database):
    key = lock_key(None)
    active = await AdvisoryLock.connect(postgres_database, key)
    assert await active.try_take()
    waited: list[bool] = []
    standby = asyncio.create_task(
        hold_lock(postgres_database, key, waiting=lambda: waited.append(True), retry=0.05)
    )
    await poll(lambda: waited == [True])
    await asyncio.sleep(0.2)  # several more tries: still waiting, not told again
    assert not standby.done() and waited == [True]
    await active.close()
    lock = await asyncio.wait_for(standby, GUARD)
    assert await lock.still_held()
    await lock.close()


async def poll(condition: Callable[[], bool], guard: float = GUARD) -> None:
    """Bounded polling of observable state (a failure guard, not a timing)."""
    deadline = time.monotonic() + guard
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the state")
        await asyncio.sleep(0.05)


class CountingStandIn(ProxyStandIn):
    """The stand-in, counting gateway connections as they open."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.connections = 0

    async def gateway(self, request: web.Request) -> web.WebSocketResponse:
        self.connections += 1
        return await super().gateway(request)


class Process:
    """A real ``cohortbot run``, its log lines gathered as they come."""

    def __init__(self, run: asyncio.subprocess.Process) -> None:
        self.run = run
        self.lines: list[str] = []
        self.reader = asyncio.create_task(self.read())

    async def read(self) -> None:
        assert self.run.stderr is not None
        async for line in self.run.stderr:
            self.lines.append(line.decode(errors="replace"))

    def said(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    @property
    def log(self) -> str:
        return "".join(self.lines)


@asynccontextmanager
async def cohortbot_run(cwd: Path, **settings: str) -> AsyncIterator[Process]:
    env = {"PATH": os.environ.get("PATH", ""), "DISCORD_TOKEN": TOKEN, "LOG_LEVEL": "INFO"}
    run = await asyncio.create_subprocess_exec(
        str(COHORTBOT),
        "run",
        cwd=cwd,
        env={**env, **settings},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    process = Process(run)
    try:
        yield process
    finally:
        if run.returncode is None:
            run.kill()
        await asyncio.wait_for(run.wait(), GUARD)
        await asyncio.wait_for(process.reader, GUARD)


async def test_the_standby_connects_only_after_the_active_process_is_killed(
    tmp_path, postgres_database
):
    async with CountingStandIn(TOKEN) as discord_api:
        settings = {
            "DATABASE_URL": postgres_database,
            "DISCORD_API_BASE": discord_api.api_base,
            "DISCORD_GATEWAY_URL": discord_api.gateway_url,
        }
        logins = f"GET {REST_PREFIX}/users/@me"
        async with cohortbot_run(tmp_path, **settings) as active:
            await poll(lambda: discord_api.connections == 1 and active.said("active for"))
            async with cohortbot_run(tmp_path, **settings) as standby:
                await poll(lambda: standby.said("standby for the whole bot"))
                await asyncio.sleep(3 * RETRY)  # it keeps trying, and keeps away from Discord
                assert discord_api.connections == 1, standby.log
                assert discord_api.arrived.rest.count(logins) == 1, standby.log
                assert standby.run.returncode is None and not standby.said("active for")

                os.kill(active.run.pid, signal.SIGKILL)
                killed = time.monotonic()
                await poll(lambda: discord_api.connections == 2)
                took = time.monotonic() - killed
                assert standby.said("active for the whole bot"), standby.log
                assert discord_api.arrived.rest.count(logins) == 2
                assert took < RETRY + STARTUP, f"took over after {took:.1f} s"
                assert await asyncio.wait_for(active.run.wait(), GUARD) == -signal.SIGKILL
        assert "Traceback" not in standby.log, standby.log


async def test_an_active_process_whose_lock_session_ends_stops_with_status_5(
    tmp_path, postgres_database
):
    """Its lock may be a standby's by now: it must not run beside it."""
    async with (
        CountingStandIn(TOKEN) as discord_api,
        cohortbot_run(
            tmp_path,
            DATABASE_URL=postgres_database,
            DISCORD_API_BASE=discord_api.api_base,
            DISCORD_GATEWAY_URL=discord_api.gateway_url,
        ) as active,
    ):
        await poll(lambda: discord_api.connections == 1 and active.said("active for"))
        admin = await AdvisoryLock.connect(postgres_database, 0)
        try:
            ended = await admin.connection.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE application_name = 'cohortbot standby lock' AND pid <> pg_backend_pid()"
                " AND datname = current_database()"
            )
        finally:
            await admin.close()
        assert ended == 1
        status = await asyncio.wait_for(active.run.wait(), GUARD)
        assert status == EXIT_LOST_LOCK == 5, active.log
    lines = [line for line in active.lines if line.startswith("cohortbot:")]
    assert len(lines) == 1 and "standby lock" in lines[0] and "DATABASE_URL" in lines[0]
    assert "Traceback" not in active.log, active.log
