"""Socket Mode: the WebSocket that `apps.connections.open` hands out.

On connect the stand-in sends `hello`; every delivery is an envelope
`{"envelope_id", "type", "payload", "accepts_response_payload", …}`; the app acks with
`{"envelope_id", "payload"?}`; `disconnect` asks the app to fetch a new URL and reconnect.
Slack's redelivery of unacked events (`retry_attempt`) is not modelled: a delivery that is
not acked in time fails the test that awaits it.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from aiohttp import WSMsgType, web

from tests.slack_standin.workspace import APP_ID

ACK_TIMEOUT = 5.0  # a failure guard only; acks come at once


class SocketHub:
    def __init__(self, base_ws_url: str) -> None:
        self.base_ws_url = base_ws_url
        self.tickets: set[str] = set()
        self.connections: list[web.WebSocketResponse] = []
        self.opened = 0  # connections ever accepted
        self.acks: dict[str, dict[str, Any]] = {}  # envelope_id: the ack (with "payload" if any)
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._changed = asyncio.Condition()

    def new_url(self) -> str:
        ticket = uuid.uuid4().hex
        self.tickets.add(ticket)
        return f"{self.base_ws_url}/link/?ticket={ticket}&app_id={APP_ID}"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self.tickets:  # each URL is good for one connection
            raise web.HTTPUnauthorized(text="invalid ticket")
        self.tickets.discard(ticket)
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self.connections) + 1,
                "debug_info": {"host": "standin", "approximate_connection_time": 18060},
                "connection_info": {"app_id": APP_ID},
            }
        )
        async with self._changed:
            self.connections.append(ws)
            self.opened += 1
            self._changed.notify_all()
        try:
            async for frame in ws:
                if frame.type == WSMsgType.TEXT:
                    self._ack(json.loads(frame.data))
        finally:
            async with self._changed:
                self.connections.remove(ws)
                self._changed.notify_all()
        return ws

    def _ack(self, ack: dict[str, Any]) -> None:
        envelope_id = ack.get("envelope_id", "")
        self.acks[envelope_id] = ack
        waiter = self._waiting.pop(envelope_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(ack)

    async def wait_connections(self, opened: int, timeout: float = ACK_TIMEOUT) -> None:
        """Until `opened` connections have been accepted in all and one is open."""
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: self.opened >= opened and bool(self.connections)),
                timeout,
            )

    async def deliver(
        self, kind: str, payload: dict[str, Any], *, accepts_response_payload: bool
    ) -> dict[str, Any]:
        """Send an envelope on the newest connection and return the app's ack."""
        await self.wait_connections(1)
        envelope_id = str(uuid.uuid4())
        waiter = asyncio.get_running_loop().create_future()
        self._waiting[envelope_id] = waiter
        envelope = {
            "envelope_id": envelope_id,
            "payload": payload,
            "type": kind,
            "accepts_response_payload": accepts_response_payload,
        }
        if kind == "events_api":
            envelope |= {"retry_attempt": 0, "retry_reason": ""}
        await self.connections[-1].send_json(envelope)
        try:
            return await asyncio.wait_for(waiter, ACK_TIMEOUT)
        finally:
            self._waiting.pop(envelope_id, None)

    async def emit(self, payload: dict[str, Any]) -> None:
        """An Events API delivery nobody waits for (the app's own messages)."""
        if self.connections:
            envelope = {
                "envelope_id": str(uuid.uuid4()),
                "payload": payload,
                "type": "events_api",
                "accepts_response_payload": False,
                "retry_attempt": 0,
                "retry_reason": "",
            }
            await self.connections[-1].send_json(envelope)

    async def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the app to reconnect, as Slack does every few hours (`warning` comes first)."""
        await self.connections[-1].send_json(
            {"type": "disconnect", "reason": reason, "debug_info": {"host": "standin"}}
        )

    async def close(self) -> None:
        for ws in list(self.connections):
            await ws.close()
