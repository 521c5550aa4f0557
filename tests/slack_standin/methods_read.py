"""Web API methods that read or open: auth, Socket Mode URL, conversations, users, groups."""

from __future__ import annotations

from typing import Any

from tests.slack_standin.api import ApiError, Call, method
from tests.slack_standin.workspace import (
    BOT_ID,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    Message,
    ts_key,
)


@method("auth.test")
async def auth_test(call: Call) -> dict[str, Any]:
    return {
        "url": f"https://{TEAM_DOMAIN}.slack.com/",
        "team": "Cohort School",
        "user": "cohortbot",
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


@method("apps.connections.open", token="app")
async def connections_open(call: Call) -> dict[str, Any]:
    return {"url": call.standin.socket.new_url()}


def _window(call: Call, messages: list[Message]) -> list[Message]:
    """The messages between `oldest` and `latest` (exclusive unless `inclusive`)."""
    inclusive = call.flag("inclusive")
    oldest = ts_key(str(call.args.get("oldest") or "0"))
    latest = call.args.get("latest")
    newest = ts_key(str(latest)) if latest else None

    def inside(m: Message) -> bool:
        k = ts_key(m.ts)
        after = k >= oldest if inclusive else k > oldest
        before = newest is None or (k <= newest if inclusive else k < newest)
        return after and before

    return [m for m in messages if inside(m)]


@method("conversations.history")
async def conversations_history(call: Call) -> dict[str, Any]:
    """Top-level messages (a thread's parent with its reply count), newest first."""
    conv = call.conversation("history")
    newest_first = sorted(_window(call, conv.messages), key=lambda m: ts_key(m.ts), reverse=True)
    page, cursor = call.page(newest_first)
    meta = call.flag("include_all_metadata")
    return {
        "messages": [m.to_api(with_metadata=meta) for m in page],
        "has_more": bool(cursor),
        "pin_count": 0,
        "response_metadata": {"next_cursor": cursor},
    }


@method("conversations.replies")
async def conversations_replies(call: Call) -> dict[str, Any]:
    """A thread, oldest first; its parent always comes first, on every page, whatever
    `oldest` says (as Slack does)."""
    conv = call.conversation("history")
    ts = call.arg("ts")
    parent = next((m for m in conv.messages if m.ts == ts), None)
    if parent is None:
        parent = next((m for m in conv.messages for r in m.replies if r.ts == ts), None)
    if parent is None:
        raise ApiError("thread_not_found")
    page, cursor = call.page(_window(call, parent.replies))
    meta = call.flag("include_all_metadata")
    return {
        "messages": [m.to_api(with_metadata=meta) for m in (parent, *page)],
        "has_more": bool(cursor),
        "response_metadata": {"next_cursor": cursor},
    }


@method("conversations.info")
async def conversations_info(call: Call) -> dict[str, Any]:
    conv = call.conversation("read", member=False)
    return {"channel": conv.info(BOT_USER_ID)}


@method("conversations.list")
async def conversations_list(call: Call) -> dict[str, Any]:
    """Channels of the `types` asked for; a private one only if the app is in it."""
    types = set(str(call.args.get("types") or "public_channel").split(","))
    if "private_channel" in types:
        call.require("groups:read")
    if "public_channel" in types:
        call.require("channels:read")
    found = [
        c
        for c in call.ws.conversations.values()
        if not c.is_im
        and ("private_channel" if c.is_private else "public_channel") in types
        and (not c.is_private or BOT_USER_ID in c.members)
        and not (c.is_archived and call.flag("exclude_archived"))
    ]
    page, cursor = call.page(found)
    return {
        "channels": [c.info(BOT_USER_ID) for c in page],
        "response_metadata": {"next_cursor": cursor},
    }


@method("conversations.members")
async def conversations_members(call: Call) -> dict[str, Any]:
    conv = call.conversation("read", member=False)
    page, cursor = call.page(sorted(conv.members))
    return {"members": page, "response_metadata": {"next_cursor": cursor}}


@method("conversations.open", scope="im:write")
async def conversations_open(call: Call) -> dict[str, Any]:
    """A DM with one user (`users`); several users (a group DM) are not modelled."""
    users = [u for u in call.arg("users").split(",") if u]
    if len(users) != 1:
        raise ApiError("invalid_arguments")  # group DMs: not modelled
    user = call.ws.users.get(users[0])
    if user is None:
        raise ApiError("user_not_found")
    if user.deleted:
        raise ApiError("user_disabled")
    if user.is_bot:
        raise ApiError("cannot_dm_bot")
    already = any(
        c.is_im and c.members == {BOT_USER_ID, user.id} for c in call.ws.conversations.values()
    )
    conv = call.ws.open_im(user.id)
    return {"no_op": already, "already_open": already, "channel": {"id": conv.id}}


@method("users.info", scope="users:read")
async def users_info(call: Call) -> dict[str, Any]:
    return {"user": call.user().info()}


@method("usergroups.users.list", scope="usergroups:read")
async def usergroups_users_list(call: Call) -> dict[str, Any]:
    group = call.ws.usergroups.get(call.arg("usergroup"))
    if group is None:
        raise ApiError("no_such_subteam")
    return {"users": list(group[1])}
