"""Slash commands are sent to Discord only when they changed (or when forced), proven
over loopback with the proxy stand-in: each start is the real bot logging in."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.app.client import EXTENSIONS, CohortBot
from bot.app.launch import point_at
from bot.store.state import StateQueries
from tests.test_proxy import APP_ID, REST_PREFIX, TOKEN, WAIT, ProxyStandIn

GLOBAL_SYNC = f"PUT {REST_PREFIX}/applications/{APP_ID}/commands"
GUILD_ID = 777
GUILD_SYNC = f"PUT {REST_PREFIX}/applications/{APP_ID}/guilds/{GUILD_ID}/commands"


class GuildProxy(ProxyStandIn):
    @staticmethod
    def rest_answer(method: str, path: str) -> object:
        if method == "PUT" and path == f"/applications/{APP_ID}/guilds/{GUILD_ID}/commands":
            return []
        return ProxyStandIn.rest_answer(method, path)


@pytest.fixture
async def proxy():
    base, gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    async with GuildProxy(TOKEN) as stand_in:
        point_at(stand_in.api_base, stand_in.gateway_url)
        yield stand_in
    Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


async def start_and_stop(database: Path, **options: object) -> None:
    """One whole process life: log in (setup_hook syncs), connect, be ready, close."""
    bot = CohortBot(database=database, **options)  # type: ignore[arg-type]
    try:
        await asyncio.wait_for(bot.login(TOKEN), WAIT)
        connection = asyncio.create_task(bot.connect(reconnect=False))
        await asyncio.wait_for(bot.wait_until_ready(), WAIT)
    finally:
        await asyncio.wait_for(bot.close(), WAIT)
    await asyncio.wait_for(connection, WAIT)


def syncs(proxy: ProxyStandIn, call: str = GLOBAL_SYNC) -> int:
    return proxy.arrived.rest.count(call)


async def test_a_second_start_with_the_same_commands_does_not_sync(proxy, tmp_path):
    database = tmp_path / "bot.sqlite3"
    await start_and_stop(database)
    assert syncs(proxy) == 1
    await start_and_stop(database)
    assert syncs(proxy) == 1
    assert proxy.arrived.unanswered == []


async def test_changed_commands_sync_again(proxy, tmp_path):
    database = tmp_path / "bot.sqlite3"
    await start_and_stop(database, extensions=EXTENSIONS[:-1])  # a version without /mydata
    await start_and_stop(database)  # the new version adds it
    assert syncs(proxy) == 2
    await start_and_stop(database)
    assert syncs(proxy) == 2


async def test_sync_commands_forces_a_sync(proxy, tmp_path):
    database = tmp_path / "bot.sqlite3"
    await start_and_stop(database)
    await start_and_stop(database, force_sync=True)
    assert syncs(proxy) == 2


async def test_the_dev_guild_and_global_scopes_are_remembered_apart(proxy, tmp_path):
    database = tmp_path / "bot.sqlite3"
    await start_and_stop(database, dev_guild_id=GUILD_ID)
    await start_and_stop(database, dev_guild_id=GUILD_ID)
    assert (syncs(proxy, GUILD_SYNC), syncs(proxy)) == (1, 0)  # global commands left alone
    await start_and_stop(database)
    assert (syncs(proxy, GUILD_SYNC), syncs(proxy)) == (1, 1)


async def test_a_crash_between_the_sync_and_its_record_syncs_again(proxy, tmp_path, monkeypatch):
    database = tmp_path / "bot.sqlite3"

    async def crash(self: StateQueries, scope: str, digest: str) -> None:
        raise RuntimeError("the process died here")

    with monkeypatch.context() as patch:
        patch.setattr(StateQueries, "record_synced_commands", crash)
        with pytest.raises(RuntimeError, match="died here"):
            await start_and_stop(database)
    assert syncs(proxy) == 1
    await start_and_stop(database)  # nothing recorded: this start cannot know, so it syncs
    assert syncs(proxy) == 2
    await start_and_stop(database)
    assert syncs(proxy) == 2
