"""DISCORD_API_BASE and DISCORD_GATEWAY_URL, proven over loopback.

A tiny aiohttp server on 127.0.0.1 stands in for a REST rate-limit proxy and a
gateway proxy: it answers the login, the command sync and the gateway's
hello / identify / ready, and records what arrived. The real CohortBot logs in
through it; a guard on the process's sockets shows nothing went anywhere else.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import WSMsgType, web
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.app.client import CohortBot, required_intents
from bot.app.launch import point_at, run_bot
from bot.settings import Settings

TOKEN = "proxy-test-token.not-for-logs"  # the stand-in records only whether it arrived
APP_ID = "4242"
BOT_USER = {
    "id": APP_ID,
    "username": "cohortbot",
    "discriminator": "0",
    "avatar": None,
    "bot": True,
}
APPLICATION = {
    "id": APP_ID, "name": "cohortbot", "icon": None, "description": "", "bot_public": True,
    "bot_require_code_grant": False, "verify_key": "0" * 64, "flags": 0, "owner": BOT_USER,
}  # fmt: skip
# Distinct paths, so the test shows the whole base URL is used, not only the host.
REST_PREFIX = "/rest-proxy/api/v10"
GATEWAY_PATH = "/gateway-proxy"
WAIT = 10  # seconds: every wait on the bot is bounded


def discord_json(body: object, status: int = 200) -> web.Response:
    # discord.py parses a body only when its Content-Type is exactly application/json
    # (aiohttp's content_type= would add "; charset=utf-8").
    response = web.Response(text=json.dumps(body), status=status)
    response.headers["Content-Type"] = "application/json"
    return response


@dataclass
class Arrivals:
    """What reached the stand-in. Tokens are compared, never kept, so no failure prints one."""

    rest: list[str] = field(default_factory=list)  # "GET /rest-proxy/api/v10/users/@me"
    unanswered: list[str] = field(default_factory=list)  # calls the stand-in knows nothing of
    rest_authorized: list[bool] = field(default_factory=list)  # each call carried "Bot <token>"
    identify_intents: int | None = None
    identify_had_token: bool = False


class ProxyStandIn:
    """REST and gateway proxies on one loopback port; stops by itself when the block ends."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.arrived = Arrivals()
        app = web.Application()
        app.router.add_get(GATEWAY_PATH, self.gateway)
        app.router.add_route("*", "/{path:.*}", self.rest)
        self.runner = web.AppRunner(app, shutdown_timeout=1)
        self.port = 0  # chosen by the system when the server starts

    async def __aenter__(self) -> ProxyStandIn:
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()  # port 0: any free port
        self.port = int(self.runner.addresses[0][1])
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await asyncio.wait_for(self.runner.cleanup(), WAIT)

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{REST_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{GATEWAY_PATH}"

    async def rest(self, request: web.Request) -> web.Response:
        call = f"{request.method} {request.path}"
        self.arrived.rest.append(call)
        self.arrived.rest_authorized.append(
            request.headers.get("Authorization") == f"Bot {self.token}"
        )
        answer = self.rest_answer(request.method, request.path.removeprefix(REST_PREFIX))
        if answer is None:
            self.arrived.unanswered.append(call)
            return discord_json({"message": "Unknown", "code": 0}, status=404)
        return discord_json(answer)

    @staticmethod
    def rest_answer(method: str, path: str) -> Any:
        """What discord.py's login (user, application) and the bot's command sync ask for."""
        if (method, path) == ("GET", "/users/@me"):
            return BOT_USER
        if (method, path) == ("GET", "/oauth2/applications/@me"):
            return APPLICATION
        if method == "PUT" and path == f"/applications/{APP_ID}/commands":
            return []  # the synced commands; the bot reads nothing from them
        return None

    async def gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 45_000}})  # HELLO
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                break
            payload = json.loads(message.data)
            if payload["op"] == 2:  # IDENTIFY
                self.arrived.identify_intents = payload["d"].get("intents")
                self.arrived.identify_had_token = payload["d"].get("token") == self.token
                await ws.send_json({"op": 0, "s": 1, "t": "READY", "d": self.ready()})
            elif payload["op"] == 1:  # heartbeat
                await ws.send_json({"op": 11})
        return ws

    def ready(self) -> dict[str, Any]:
        return {
            "v": 10,
            "user": BOT_USER,
            "guilds": [],
            "session_id": "proxy-test-session",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": APP_ID, "flags": 0},
        }


@pytest.fixture
def restore_endpoints() -> Iterator[None]:
    """point_at changes discord.py class attributes: put Discord's own back afterwards."""
    base, gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    yield
    Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


@pytest.fixture
def outbound(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every host name this process looks up and every address it connects a socket to."""
    seen: list[object] = []
    real_connect, real_lookup = socket.socket.connect, socket.getaddrinfo

    def connect(sock: socket.socket, address: Any) -> None:
        seen.append(address)
        real_connect(sock, address)

    def lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(host)
        return real_lookup(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    return seen


async def test_the_bot_logs_in_and_identifies_through_the_proxies(
    tmp_path, restore_endpoints, outbound, caplog
):
    caplog.set_level(logging.DEBUG)  # the most talkative the bot and discord.py get
    async with ProxyStandIn(TOKEN) as proxy:
        settings = Settings.from_env(
            {
                "DISCORD_TOKEN": TOKEN,
                "DISCORD_API_BASE": proxy.api_base,
                "DISCORD_GATEWAY_URL": proxy.gateway_url,
            }
        )
        point_at(settings.api_base, settings.gateway_url)
        bot = CohortBot(database=tmp_path / "cohortbot.sqlite3")
        try:
            await asyncio.wait_for(bot.login(settings.token), WAIT)
            connection = asyncio.create_task(bot.connect(reconnect=False))
            await asyncio.wait_for(bot.wait_until_ready(), WAIT)
        finally:
            await asyncio.wait_for(bot.close(), WAIT)
        await asyncio.wait_for(connection, WAIT)  # a clean close ends connect() by itself

    arrived = proxy.arrived
    assert f"GET {REST_PREFIX}/users/@me" in arrived.rest  # the login
    assert f"PUT {REST_PREFIX}/applications/{APP_ID}/commands" in arrived.rest  # the sync
    assert arrived.unanswered == []
    assert arrived.rest_authorized and all(arrived.rest_authorized)
    assert arrived.identify_had_token
    assert arrived.identify_intents == required_intents().value  # no message content
    assert outbound, "the socket guard saw nothing: it is not watching"
    assert all(address in ("127.0.0.1", ("127.0.0.1", proxy.port)) for address in outbound)
    assert "logging in using static token" in caplog.text  # the logs were captured
    assert TOKEN not in caplog.text


@pytest.fixture
def bare_environment(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No settings in the environment, and a working folder with no .env above it."""
    monkeypatch.setattr(os, "environ", {})
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def root_logging() -> Iterator[None]:
    """run_bot sets up logging for the process; give the root logger back as it was."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:], root.level = handlers, level


def test_run_reads_the_proxy_settings_from_env_file_before_it_logs_in(
    tmp_path, bare_environment, restore_endpoints, root_logging, monkeypatch
):
    (tmp_path / ".env").write_text(
        f"DISCORD_TOKEN={TOKEN}\n"
        f"DATABASE_PATH={tmp_path / 'cohortbot.sqlite3'}\n"
        "DISCORD_API_BASE=http://127.0.0.1:8080/api/v10\n"
        "DISCORD_GATEWAY_URL=ws://127.0.0.1:7878\n"
    )
    at_login: dict[str, str] = {}

    def run(bot: CohortBot, token: str, **options: object) -> None:
        # Where discord.py would send the login and the gateway connection, at that moment.
        at_login.update(api=Route.BASE, gateway=str(DiscordWebSocket.DEFAULT_GATEWAY))

    monkeypatch.setattr(CohortBot, "run", run)
    assert run_bot() == 0
    assert at_login == {"api": "http://127.0.0.1:8080/api/v10", "gateway": "ws://127.0.0.1:7878"}


def test_run_without_a_token_exits_2_naming_the_setting_and_env_example(bare_environment, capsys):
    assert run_bot() == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1  # one line
    assert "DISCORD_TOKEN" in err and ".env.example" in err
