"""`cohortbot run` for a bot whose Server Members intent is not switched on in the Developer
Portal (the first thing a self-hoster forgets): Discord closes the gateway with 4014, and
the command says what to switch on, in one line, instead of a traceback."""

from __future__ import annotations

import json

from aiohttp import WSMsgType, web

from bot.app.launch import EXIT_LOGIN_REFUSED
from tests.test_proxy import ProxyStandIn
from tests.test_startup import TOKEN, cohortbot, one_line


class MembersIntentOff(ProxyStandIn):
    """Discord, for an application whose privileged intents are all switched off."""

    async def gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 45_000}})  # HELLO
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                break
            if json.loads(message.data)["op"] == 2:  # IDENTIFY asks for members
                await ws.close(code=4014, message=b"Disallowed intent(s).")
                break
        return ws


async def test_the_members_intent_switched_off_is_one_line_and_status_3(tmp_path):
    async with MembersIntentOff(TOKEN) as discord_api:
        status, err = await cohortbot(
            "run",
            cwd=tmp_path,
            DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
            DISCORD_API_BASE=discord_api.api_base,
            DISCORD_GATEWAY_URL=discord_api.gateway_url,
        )
    assert status == EXIT_LOGIN_REFUSED == 3
    assert one_line(err) == (
        "cohortbot: Discord refused the Server Members intent: switch it on in the Developer"
        " Portal (your application > Bot > Privileged Gateway Intents > Server Members Intent)"
    )
    assert TOKEN not in err
