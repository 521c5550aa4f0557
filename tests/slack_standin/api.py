"""The Web API's frame: arguments from query, form or JSON body; bearer-token auth; scopes;
Slack's error shape; cursors. The methods themselves live in `methods_*.py`."""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.slack_standin.workspace import BOT_USER_ID, Conversation, User

if TYPE_CHECKING:
    from tests.slack_standin.server import SlackStandin

# Arguments that Slack takes as JSON, in a form-encoded call as a JSON string.
JSON_ARGS = ("blocks", "attachments", "metadata", "view", "files")


class ApiError(Exception):
    """An `{"ok": false, "error": …}` answer (HTTP 200, as Slack sends them)."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.body = {"ok": False, "error": error, **extra}


Handler = Callable[["Call"], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Method:
    token: str  # "bot" (xoxb-) or "app" (xapp-)
    scope: str | None
    handler: Handler


METHODS: dict[str, Method] = {}


def method(name: str, *, token: str = "bot", scope: str | None = None):
    def register(handler: Handler) -> Handler:
        METHODS[name] = Method(token, scope, handler)
        return handler

    return register


async def read_args(request: web.Request) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            args |= await request.json()
        else:
            args |= dict(await request.post())
    for name in JSON_ARGS:
        if isinstance(args.get(name), str):
            try:
                args[name] = json.loads(args[name])
            except ValueError as e:
                raise ApiError("invalid_arguments") from e
    return args


def bearer(request: web.Request, args: dict[str, Any]) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header.removeprefix("Bearer ").strip()
    token = args.pop("token", None)
    return str(token) if token else None


@dataclass
class Call:
    standin: SlackStandin
    name: str
    args: dict[str, Any]

    @property
    def ws(self):
        return self.standin.workspace

    def require(self, scope: str) -> None:
        self.ws.scopes_asked.add(scope)
        if scope not in self.ws.bot_scopes:
            provided = ",".join(sorted(self.ws.bot_scopes))
            raise ApiError("missing_scope", needed=scope, provided=provided)

    def arg(self, name: str) -> str:
        value = self.args.get(name)
        if value in (None, ""):
            raise ApiError(
                "invalid_arguments",
                response_metadata={"messages": [f"[ERROR] missing required field: {name}"]},
            )
        return str(value)

    def flag(self, name: str) -> bool:
        return str(self.args.get(name, "")).lower() in ("1", "true")

    def user(self, name: str = "user") -> User:
        user = self.ws.users.get(self.arg(name))
        if user is None:
            raise ApiError("user_not_found")
        return user

    def conversation(self, scope: str | None, *, member: bool = True) -> Conversation:
        """The conversation in `channel`, checked as Slack checks a bot's access to it:
        a reading method's scope by its kind (`channels:`, `groups:`, `im:` + `scope`;
        writing methods pass None, their `chat:write` is checked by name); a private
        channel or DM the bot is not in does not exist for it; a public one answers
        `not_in_channel` where the method needs membership."""
        conv = self.ws.conversations.get(self.arg("channel"))
        if conv is None or ((conv.is_private or conv.is_im) and BOT_USER_ID not in conv.members):
            raise ApiError("channel_not_found")
        if scope is not None:
            self.require(f"{conv.kind}:{scope}")
        if member and BOT_USER_ID not in conv.members:
            raise ApiError("not_in_channel")
        return conv

    def page(self, items: list[Any], default_limit: int = 100) -> tuple[list[Any], str]:
        """One page of `items` from `cursor`, and the next cursor ("" at the end)."""
        cursor = str(self.args.get("cursor") or "")
        try:
            start = int(base64.b64decode(cursor).decode().removeprefix("offset:")) if cursor else 0
        except ValueError as e:
            raise ApiError("invalid_cursor") from e
        limit = int(self.args.get("limit") or default_limit)
        end = start + max(1, min(limit, 999))
        after = base64.b64encode(f"offset:{end}".encode()).decode() if end < len(items) else ""
        return items[start:end], after
