"""A standby that takes over (``bot.standby``, ``bot.store.election``): the lock key as
table tests, the lock on a real PostgreSQL, and two real ``cohortbot run`` processes on
one database and the loopback Discord stand-in, the active one killed with SIGKILL."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import WSMsgType, web

from bot.app.launch import EXIT_LOST_LOCK
from bot.catalog import default_prompts_dir
from bot.clock import SystemClock
from bot.cohort import DeliveryState, NewCohort
from bot.features.planning import plan_cohort
from bot.library import CourseLibrary
from bot.shards import Shards
from bot.standby import RETRY, dead_peer_bound, lock_key
from bot.store import Store
from bot.store.db import to_text
from bot.store.election import AdvisoryLock, hold_lock
from bot.timetable import ItemKind
from tests.test_proxy import APP_ID, BOT_USER, REST_PREFIX, ProxyStandIn, discord_json
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


async def active_and_waiting(
    database: str, key: int
) -> tuple[AdvisoryLock, asyncio.Task[AdvisoryLock], list[bool]]:
    """One process holds the lock; another waits for it, and has said once that it waits."""
    active = await AdvisoryLock.connect(database, key)
    assert await active.try_take()
    waited: list[bool] = []
    standby = asyncio.create_task(
        hold_lock(database, key, waiting=lambda: waited.append(True), retry=0.05)
    )
    await poll(lambda: waited == [True])
    return active, standby, waited


async def test_a_standby_waits_and_says_so_once(postgres_database):
    key = lock_key(None)
    active, standby, waited = await active_and_waiting(postgres_database, key)
    await asyncio.sleep(0.2)  # several more tries: still waiting, not told again
    assert not standby.done() and waited == [True]
    await active.close()
    lock = await asyncio.wait_for(standby, GUARD)
    assert await lock.still_held()
    await lock.close()


async def poll(
    condition: Callable[[], bool], guard: float = GUARD, shown: Callable[[], str] = str
) -> None:
    """Bounded polling of observable state (a failure guard, not a timing)."""
    deadline = time.monotonic() + guard
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for the state\n{shown()}")
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


GUILD = 81_000_000_000_000_000
FORUM = GUILD + 1
EVERYONE_MAY = (2**41 - 1) & ~(1 << 3) & ~(1 << 4)  # all but administrator, manage channels


class ServerStandIn(CountingStandIn):
    """One server with a forum the bot may post in (no tags to make); records the posts."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.next_id = GUILD + 1000
        self.posts: list[str] = []  # the forum posts' titles, in the order they arrived

    def new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    def ready(self) -> dict[str, object]:
        return {**super().ready(), "guilds": [{"id": str(GUILD), "unavailable": True}]}

    def guild(self) -> dict[str, object]:
        everyone = {"id": str(GUILD), "name": "@everyone", "permissions": str(EVERYONE_MAY),
                    "position": 0, "color": 0, "hoist": False, "managed": False,
                    "mentionable": False}  # fmt: skip
        forum = {"id": str(FORUM), "type": 15, "guild_id": str(GUILD), "name": "course",
                 "position": 0, "permission_overwrites": [], "available_tags": [], "flags": 0}  # fmt: skip
        me = {"user": BOT_USER, "roles": [], "joined_at": "2026-01-01T00:00:00+00:00",
              "deaf": False, "mute": False, "flags": 0}  # fmt: skip
        return {"id": str(GUILD), "name": "School", "owner_id": "1", "roles": [everyone],
                "channels": [forum], "members": [me], "member_count": 1, "threads": [],
                "features": [], "emojis": [], "stickers": [], "large": False,
                "unavailable": False}  # fmt: skip

    async def gateway(self, request: web.Request) -> web.WebSocketResponse:
        self.connections += 1
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 45_000}})
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                break
            payload = json.loads(message.data)
            if payload["op"] == 2:
                await ws.send_json({"op": 0, "s": 1, "t": "READY", "d": self.ready()})
                await ws.send_json({"op": 0, "s": 2, "t": "GUILD_CREATE", "d": self.guild()})
            elif payload["op"] == 1:
                await ws.send_json({"op": 11})
        return ws

    def message(self, channel: str, body: dict[str, object]) -> dict[str, object]:
        return {"id": self.new_id(), "channel_id": channel, "author": BOT_USER,
                "content": body.get("content") or "", "timestamp": "2026-01-01T00:00:00+00:00",
                "edited_timestamp": None, "tts": False, "mention_everyone": False,
                "mentions": [], "mention_roles": [], "attachments": [],
                "embeds": body.get("embeds") or [], "pinned": False, "type": 0}  # fmt: skip

    async def rest(self, request: web.Request) -> web.Response:
        path = request.path.removeprefix(REST_PREFIX)
        if request.method == "POST" and path == f"/channels/{FORUM}/threads":
            self.arrived.rest.append(f"POST {request.path}")
            body = await posted_json(request)
            thread = self.new_id()
            self.posts.append(str(body["name"]))
            message = self.message(thread, dict(body.get("message") or {}))
            return discord_json({"id": thread, "type": 11, "guild_id": str(GUILD),
                                 "parent_id": str(FORUM), "name": body["name"],
                                 "owner_id": APP_ID, "message_count": 1, "member_count": 1,
                                 "thread_metadata": {"archived": False, "locked": False,
                                                     "auto_archive_duration": 10080,
                                                     "archive_timestamp": "2026-01-01T00:00:00+00:00"},
                                 "message": message})  # fmt: skip
        if request.method == "POST" and path.endswith("/messages"):
            self.arrived.rest.append(f"POST {request.path}")
            channel = path.split("/")[2]
            return discord_json(self.message(channel, await posted_json(request)))
        return await super().rest(request)


async def posted_json(request: web.Request) -> dict[str, object]:
    """A JSON body, or the payload_json part of a multipart one."""
    if request.content_type == "application/json":
        return dict(await request.json())
    reader = await request.multipart()
    async for part in reader:
        if getattr(part, "name", None) == "payload_json":
            return dict(json.loads(await part.text()))  # type: ignore[union-attr]
    return {}


async def a_cohort_with_two_module_posts(url: str) -> tuple[int, dict[str, str]]:
    """A cohort made in the database directly: week 1's post due now, week 2's in a day
    (every other item skipped); the two posts' keys, and the weeks they name."""
    now = datetime.now(UTC)
    store = await Store.open(url)
    try:
        cohort = await store.cohorts.create(
            NewCohort(
                GUILD,
                "Standby",
                "de-escalation",
                now.date(),
                "UTC",
                FORUM,
                learner_role_id=GUILD + 2,
                instructor_role_id=None,
                announcements_channel_id=None,
                created_by=1,
            ),
            [],
            now,
        )
        library = CourseLibrary(default_prompts_dir())
        library.reload()
        await plan_cohort(store, library, SystemClock(), cohort)
        rows = await store.deliveries.for_cohort(cohort.id)
        modules = sorted((r for r in rows if r.kind == ItemKind.MODULE), key=lambda r: r.due)
        first, second = modules[0].key, modules[1].key
        await set_due(store, cohort.id, first, now - timedelta(seconds=1))
        await set_due(store, cohort.id, second, now + timedelta(days=1))
        await store.db.execute(
            "UPDATE deliveries SET state = ? WHERE cohort_id = ? AND item_key NOT IN (?, ?)",
            (DeliveryState.SKIPPED.value, cohort.id, first, second),
        )
        await store.db.commit()
        return cohort.id, {r.key: f"Week {r.week}" for r in modules[:2]}
    finally:
        await store.close()


async def set_due(store: Store, cohort_id: int, key: str, due: datetime) -> None:
    await store.db.execute(
        "UPDATE deliveries SET due_at = ? WHERE cohort_id = ? AND item_key = ?",
        (to_text(due), cohort_id, key),
    )
    await store.db.commit()


async def test_after_a_kill_the_standby_sends_what_falls_due_and_nothing_twice(
    tmp_path, postgres_database
):
    cohort_id, titles = await a_cohort_with_two_module_posts(postgres_database)
    first, second = titles
    async with ServerStandIn(TOKEN) as discord_api:  # records the forum posts
        settings = {
            "DATABASE_URL": postgres_database,
            "DISCORD_API_BASE": discord_api.api_base,
            "DISCORD_GATEWAY_URL": discord_api.gateway_url,
        }
        async with cohortbot_run(tmp_path, **settings) as active:
            await poll(lambda: len(discord_api.posts) == 1, shown=lambda: active.log)
            async with cohortbot_run(tmp_path, **settings) as standby:
                await poll(lambda: standby.said("standby for the whole bot"))
                # Week 2 falls due while the active process is about to die; it does not
                # look again before it does (its timer says tomorrow).
                store = await Store.open(postgres_database)
                try:
                    await set_due(store, cohort_id, second, datetime.now(UTC))
                finally:
                    await store.close()
                assert len(discord_api.posts) == 1
                os.kill(active.run.pid, signal.SIGKILL)
                await poll(lambda: len(discord_api.posts) == 2, shown=lambda: standby.log)
                await asyncio.sleep(3 * RETRY)  # nothing more comes: no second copy
        assert discord_api.connections == 2
    weeks = [title.split(":")[0] for title in discord_api.posts]
    assert weeks == [titles[first], titles[second]] == ["Week 1", "Week 2"], standby.log
    store = await Store.open(postgres_database)
    try:
        rows = {r.key: r for r in await store.deliveries.for_cohort(cohort_id)}
    finally:
        await store.close()
    assert rows[first].state == rows[second].state == DeliveryState.DONE
    assert "Traceback" not in active.log + standby.log


async def test_a_standby_whose_connection_is_cut_while_waiting_connects_again(postgres_database):
    key = lock_key(None)
    active, standby, _waited = await active_and_waiting(postgres_database, key)
    ended = await active.connection.fetchval(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
        " WHERE application_name = 'cohortbot standby lock' AND pid <> pg_backend_pid()"
        " AND datname = current_database()"
    )
    assert ended == 1  # the standby's session, as a server restart would end it
    await asyncio.sleep(0.2)  # it tries again, on a new connection, and still waits
    assert not standby.done()
    await active.close()
    lock = await asyncio.wait_for(standby, GUARD)
    assert await lock.still_held()
    await lock.close()
