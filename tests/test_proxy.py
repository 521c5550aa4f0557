"""DISCORD_API_BASE and DISCORD_GATEWAY_URL, proven over loopback.

A tiny aiohttp server stands in for a REST proxy and a gateway proxy: it
answers the login and the gateway's hello / identify / ready, and records
what arrived. The real CohortBot logs in through it.
"""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
import yarl
from aiohttp import WSMsgType, web
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.app.client import CohortBot, required_intents
from bot.app.launch import point_at, run_bot

TOKEN = "proxy.test.token-not-for-logs"
BOT_USER = {
    "id": "4242",
    "username": "cohortbot",
    "discriminator": "0",
    "avatar": None,
    "bot": True,
}


def discord_json(body: object, status: int = 200) -> web.Response:
    # discord.py parses a body only when Content-Type is exactly application/json.
    response = web.Response(text=json.dumps(body), status=status)
    response.headers["Content-Type"] = "application/json"
    return response


class Proxy:
    def __init__(self) -> None:
        self.rest: list[str] = []
        self.identify: dict | None = None
        self.tokens: set[str] = set()
        self.app = web.Application()
        self.app.router.add_route("*", "/gateway", self.gateway)
        self.app.router.add_route("*", "/api/{tail:.*}", self.api)
        self.runner = web.AppRunner(self.app)
        self.port = 0

    async def start(self) -> None:
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        await self.runner.cleanup()

    async def api(self, request: web.Request) -> web.Response:
        self.rest.append(f"{request.method} {request.path}")
        self.tokens.add(request.headers.get("Authorization", ""))
        path = request.path.removeprefix("/api/v10")
        if path == "/users/@me":
            return discord_json(BOT_USER)
        if path == "/oauth2/applications/@me":
            return discord_json(
                {"id": "4242", "name": "cohortbot", "icon": None, "description": "", "bot_public": True,
                 "bot_require_code_grant": False, "verify_key": "x", "flags": 0, "owner": BOT_USER}
            )  # fmt: skip
        if path.startswith("/applications/") and path.endswith("/commands"):
            return discord_json([])
        return discord_json({"message": "Unknown", "code": 0}, status=404)

    async def gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 45000}}))
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                break
            payload = json.loads(message.data)
            if payload["op"] == 2:
                self.identify = payload["d"]
                ready = {
                    "v": 10,
                    "user": BOT_USER,
                    "guilds": [],
                    "session_id": "session",
                    "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gateway",
                    "application": {"id": "4242", "flags": 0},
                }
                await ws.send_str(json.dumps({"op": 0, "s": 1, "t": "READY", "d": ready}))
            elif payload["op"] == 1:
                await ws.send_str(json.dumps({"op": 11}))
        return ws


@pytest.fixture
def restore_endpoints():
    base, gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    yield
    Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


async def test_the_bot_logs_in_and_identifies_through_the_proxies(
    tmp_path, restore_endpoints, caplog
):
    caplog.set_level(logging.DEBUG)
    proxy = Proxy()
    await proxy.start()
    point_at(f"http://127.0.0.1:{proxy.port}/api/v10", f"ws://127.0.0.1:{proxy.port}/gateway")
    pointed_at = DiscordWebSocket.DEFAULT_GATEWAY
    assert pointed_at == yarl.URL(f"ws://127.0.0.1:{proxy.port}/gateway")
    bot = CohortBot(database=tmp_path / "db.sqlite3")
    connection: asyncio.Task[None] = asyncio.create_task(asyncio.sleep(0))
    try:
        await asyncio.wait_for(bot.login(TOKEN), 10)
        connection = asyncio.create_task(bot.connect(reconnect=False))
        await asyncio.wait_for(bot.wait_until_ready(), 10)
    finally:
        await asyncio.wait_for(bot.close(), 10)
        connection.cancel()  # reconnect=False: nothing left to do once closed
        await asyncio.wait([connection], timeout=5)
        await asyncio.wait_for(proxy.stop(), 5)

    assert "GET /api/v10/users/@me" in proxy.rest
    assert "PUT /api/v10/applications/4242/commands" in proxy.rest  # the command sync
    assert proxy.identify is not None and proxy.identify["token"] == TOKEN
    assert proxy.identify["intents"] == required_intents().value  # no message content
    assert proxy.tokens == {f"Bot {TOKEN}"}
    assert TOKEN not in caplog.text


def test_run_without_a_token_exits_2_naming_the_setting_and_env_example(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert run_bot() == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "DISCORD_TOKEN" in err and ".env.example" in err
