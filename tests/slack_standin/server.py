"""The stand-in's HTTP side: one aiohttp server on 127.0.0.1 (a free port) with

- `/api/{method}`: the Web API (point `AsyncWebClient(base_url=standin.api_base)` at it);
- `/link/`: the Socket Mode WebSocket (its URL comes from `apps.connections.open`);
- `/upload/v1/{file_id}`: where `files.getUploadURLExternal` sends the file's bytes;
- `/response/{id}`: the `response_url` of a slash command or an interaction.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from tests.slack_standin import methods_read, methods_write  # noqa: F401  (they register)
from tests.slack_standin.actors import Person
from tests.slack_standin.api import METHODS, ApiError, Call, bearer, read_args
from tests.slack_standin.faults import Faults
from tests.slack_standin.limits import ADVISED_TEXT, OverLimit, check_blocks, check_view
from tests.slack_standin.payloads import event_callback
from tests.slack_standin.socket_mode import SocketHub
from tests.slack_standin.workspace import (
    BOT_USER_ID,
    TEAM_ID,
    Message,
    Workspace,
    standard_workspace,
)

BOT_TOKEN = "xoxb-standin-bot-token"
APP_TOKEN = "xapp-1-standin-app-token"

log = logging.getLogger(__name__)


class SlackStandin:
    """A Slack workspace on loopback. `async with SlackStandin() as slack:` runs it."""

    def __init__(self, workspace: Workspace | None = None) -> None:
        self.workspace = workspace or standard_workspace()
        self.faults = Faults()
        self.calls: list[tuple[str, dict[str, Any]]] = []  # every Web API call, in order
        self.triggers: dict[str, str | None] = {}  # trigger_id: user id (None once used)
        self.response_urls: dict[str, dict[str, Any]] = {}  # id: what it answers for
        # What Slack refused for its size limits (``limits``): via, error, its [ERROR] lines.
        self.refused: list[dict[str, Any]] = []
        self.long_texts: list[dict[str, Any]] = []  # texts past the 4,000 Slack advises
        self.url = ""
        self.socket = SocketHub("")
        self._runner: web.AppRunner | None = None

    @property
    def api_base(self) -> str:
        """What `SLACK_API_BASE` is set to: the Web API's base URL, with its slash."""
        return f"{self.url}/api/"

    async def __aenter__(self) -> SlackStandin:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_get("/link/", self._socket)
        app.router.add_post("/upload/v1/{file_id}", self._upload)
        app.router.add_post("/response/{id}", self._response)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        self.socket.base_ws_url = f"ws://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def person(self, name: str) -> Person:
        """An actor: the workspace's user of that name, ready to post, command and click."""
        return Person(self, self.workspace.user_named(name))

    def count(self, method: str) -> int:
        """How many Web API calls of ``method`` the app has made so far."""
        return sum(1 for name, _ in self.calls if name == method)

    # Changes an admin makes, and the events Slack sends about them.
    async def set_usergroup(self, handle: str, members: list[str], *, tell: bool = True) -> None:
        """Make the group of ``handle`` hold the users named ``members``; with ``tell``,
        deliver ``subteam_members_changed`` (the app's ack awaited), as Slack does."""
        ws = self.workspace
        gid = next(g for g, (h, _) in ws.usergroups.items() if h == handle)
        before = set(ws.usergroups[gid][1])
        after = [ws.user_named(name).id for name in members]
        ws.usergroups[gid] = (handle, after)
        if tell:
            added, removed = sorted(set(after) - before), sorted(before - set(after))
            await self.deliver_event(
                {
                    "type": "subteam_members_changed",
                    "subteam_id": gid,
                    "team_id": TEAM_ID,
                    "added_users": added,
                    "added_users_count": str(len(added)),
                    "removed_users": removed,
                    "removed_users_count": str(len(removed)),
                }
            )

    async def change_user(self, name: str, *, tell: bool = True, **changes: Any) -> None:
        """Change a user (``is_admin=False``, ``real_name=…``); with ``tell``, deliver
        ``user_change`` with the new ``user`` object, as Slack does."""
        user = self.workspace.user_named(name)
        for attribute, value in changes.items():
            setattr(user, attribute, value)
        if tell:
            await self.deliver_event({"type": "user_change", "user": user.info()})

    # Called by the methods and actors.
    async def emit(self, event: dict[str, Any]) -> None:
        """Deliver an Events API event without waiting for its ack."""
        await self.socket.emit(self._callback(event))

    async def deliver_event(self, event: dict[str, Any]) -> dict[str, Any]:
        """Deliver an Events API event and return the app's ack."""
        return await self.socket.deliver(
            "events_api", self._callback(event), accepts_response_payload=False
        )

    def _callback(self, event: dict[str, Any]) -> dict[str, Any]:
        event_id = self.workspace.new_id("Ev")
        return event_callback(event, event_id, int(self.workspace.clock()))

    def new_trigger(self, user_id: str) -> str:
        trigger = f"{self.workspace.new_id('')}.{self.workspace.new_id('')}.standin"
        self.triggers[trigger] = user_id
        return trigger

    def new_response_url(
        self,
        user_id: str,
        channel: str,
        *,
        message_ts: str | None = None,
        ephemeral: dict[str, Any] | None = None,
    ) -> str:
        """A `response_url`; from a button, it can replace or delete the message pressed."""
        rid = self.workspace.new_id("R")
        self.response_urls[rid] = {
            "user": user_id,
            "channel": channel,
            "message_ts": message_ts,
            "ephemeral": ephemeral,
        }
        return f"{self.url}/response/{rid}"

    def show(self, answer: dict[str, Any], user_id: str, channel: str, via: str) -> None:
        """What Slack shows for a command's ack or a response_url post: to the user alone
        (`ephemeral`, the default), or in the channel as the app (`in_channel`)."""
        if not (answer.get("text") or answer.get("blocks")):
            return
        if answer.get("response_type") == "in_channel":
            msg = Message(self.workspace.next_ts(), BOT_USER_ID, str(answer.get("text") or ""))
            msg.blocks = answer.get("blocks")
            self.workspace.conversations[channel].messages.append(msg)
        else:
            self.workspace.ephemeral.append(
                {
                    "via": via,
                    "channel": channel,
                    "user": user_id,
                    "text": answer.get("text", ""),
                    "blocks": answer.get("blocks"),
                    "ts": self.workspace.next_ts(),
                }
            )

    def within_limits(self, answer: dict[str, Any], via: str) -> bool:
        """An ack's or a response_url's payload (its blocks, or the view a form's ack
        shows) within Slack's limits; else the refusal is recorded."""
        try:
            check_blocks(answer.get("blocks"))
            if answer.get("response_action") in ("update", "push"):
                check_view(answer.get("view") or {})
        except OverLimit as refusal:
            self.refused.append({"via": via, **refusal.body})
            return False
        if len(str(answer.get("text") or "")) > ADVISED_TEXT:
            self.long_texts.append({"via": via, "text": answer["text"]})
        return True

    # HTTP handlers.
    async def _api(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        try:
            args = await read_args(request)
            token = bearer(request, args)
            self.calls.append((name, dict(args)))
            spec = METHODS.get(name)
            if spec is None:
                raise ApiError("unknown_method")
            if token is None:
                raise ApiError("not_authed")
            if token not in (BOT_TOKEN, APP_TOKEN):
                raise ApiError("invalid_auth")
            if (token == APP_TOKEN) != (spec.token == "app"):
                raise ApiError("not_allowed_token_type")
            fault = self.faults.take(name)
            if fault is not None:
                return web.json_response(fault.body, status=fault.status, headers=fault.headers)
            call = Call(self, name, args)
            if spec.scope:
                call.require(spec.scope)
            body = {"ok": True, **await spec.handler(call)}
        except ApiError as e:
            body = e.body
            if isinstance(e, OverLimit):
                self.refused.append({"via": name, **body})
        log.debug("standin %s -> %s", name, body.get("error", "ok"))
        return web.json_response(body)

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        return await self.socket.handle(request)

    async def _upload(self, request: web.Request) -> web.Response:
        record = self.workspace.files.get(request.match_info["file_id"])
        if record is None:
            return web.Response(status=404, text="file not found")
        data = await request.read()
        record["content"] = data
        return web.Response(text=f"OK - {len(data)}", content_type="text/plain")

    async def _response(self, request: web.Request) -> web.Response:
        target = self.response_urls.get(request.match_info["id"])
        if target is None:
            return web.Response(status=404, text="no_such_response_url")
        answer = await request.json()
        if not self.within_limits(answer, "response_url"):
            return web.Response(status=400, text="invalid_blocks", content_type="text/plain")
        replace, delete = answer.get("replace_original"), answer.get("delete_original")
        text, blocks = str(answer.get("text") or ""), answer.get("blocks")
        if target["ephemeral"] is not None and (replace or delete):
            shown = target["ephemeral"]
            if delete and shown in self.workspace.ephemeral:
                self.workspace.ephemeral.remove(shown)
            elif replace:
                shown |= {"text": text, "blocks": blocks}
        elif target["message_ts"] is not None and (replace or delete):
            conv = self.workspace.conversations[target["channel"]]
            msg = conv.find(target["message_ts"])
            if msg is not None and delete:
                conv.messages = [m for m in conv.messages if m is not msg]
            elif msg is not None:
                msg.text, msg.blocks = text, blocks
        else:
            self.show(answer, target["user"], target["channel"], "response_url")
        return web.Response(text="ok", content_type="text/plain")
