"""Web API methods that change the workspace: messages, ephemeral replies, modals, files.

Each one records what the app did in the `Workspace`, and a message the app posts reaches
the app back as a `message` event (with its `bot_id`), as Slack delivers it."""

from __future__ import annotations

from typing import Any

from tests.slack_standin import payloads
from tests.slack_standin.api import ApiError, Call, method
from tests.slack_standin.limits import ADVISED_TEXT, check_blocks, check_view
from tests.slack_standin.workspace import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    TEAM_ID,
    Conversation,
    Message,
)

MAX_TEXT = 40_000  # Slack truncates longer text; the stand-in refuses it (msg_too_long)


def _target(call: Call) -> Conversation:
    """`channel` as chat.postMessage reads it: a user id means the app's DM with that user."""
    call.require("chat:write")
    channel = call.arg("channel")
    if channel.startswith(("U", "W")) and channel in call.ws.users:
        return call.ws.open_im(channel)
    return call.conversation(None)


def _content(call: Call) -> tuple[str, list[dict[str, Any]] | None]:
    text = str(call.args.get("text") or "")
    blocks = call.args.get("blocks") or None
    if not text and not blocks:
        raise ApiError("no_text")
    if len(text) > MAX_TEXT:
        raise ApiError("msg_too_long")
    check_blocks(blocks)
    if len(text) > ADVISED_TEXT:
        call.standin.long_texts.append({"via": call.name, "text": text})
    return text, blocks


def _metadata(call: Call) -> dict[str, Any] | None:
    meta = call.args.get("metadata")
    if meta is None:
        return None
    if not isinstance(meta, dict) or not isinstance(meta.get("event_type"), str):
        raise ApiError("invalid_metadata_format")
    return {"event_type": meta["event_type"], "event_payload": meta.get("event_payload", {})}


@method("chat.postMessage")
async def chat_post_message(call: Call) -> dict[str, Any]:
    conv = _target(call)
    if conv.is_archived:
        raise ApiError("is_archived")
    text, blocks = _content(call)
    parent = None
    if call.args.get("thread_ts"):
        parent = next((m for m in conv.messages if m.ts == call.args["thread_ts"]), None)
        if parent is None:  # Slack's answer is undocumented; the stand-in is strict
            raise ApiError("invalid_arguments")
    msg = Message(call.ws.next_ts(), BOT_USER_ID, text, blocks=blocks, metadata=_metadata(call))
    if parent is not None:
        msg.thread_ts = parent.ts
        parent.thread_ts = parent.ts
        parent.replies.append(msg)
    else:
        conv.messages.append(msg)
    await call.standin.emit(payloads.message_event(conv, msg, parent))
    return {"channel": conv.id, "ts": msg.ts, "message": msg.to_api(with_metadata=True)}


@method("chat.update", scope="chat:write")
async def chat_update(call: Call) -> dict[str, Any]:
    conv = call.conversation(None)
    msg = conv.find(call.arg("ts"))
    if msg is None:
        raise ApiError("message_not_found")
    if not msg.from_bot:
        raise ApiError("cant_update_message")
    if conv.is_archived:
        raise ApiError("is_archived")
    previous = msg.to_api()
    msg.text, msg.blocks = _content(call)
    if "metadata" in call.args:
        msg.metadata = _metadata(call)
    msg.edited_ts = call.ws.next_ts()
    await call.standin.emit(payloads.message_changed_event(conv, msg, previous, msg.edited_ts))
    return {"channel": conv.id, "ts": msg.ts, "text": msg.text, "message": msg.to_api()}


@method("chat.postEphemeral", scope="chat:write")
async def chat_post_ephemeral(call: Call) -> dict[str, Any]:
    conv = call.conversation(None)
    user = call.user()
    if user.id not in conv.members:
        raise ApiError("user_not_in_channel")
    text, blocks = _content(call)
    ts = call.ws.next_ts()
    call.ws.ephemeral.append(
        {
            "via": "chat.postEphemeral",
            "channel": conv.id,
            "user": user.id,
            "text": text,
            "blocks": blocks,
            "thread_ts": call.args.get("thread_ts"),
            "ts": ts,
        }
    )
    return {"message_ts": ts}


@method("views.open")
async def views_open(call: Call) -> dict[str, Any]:
    """A modal for the user whose interaction issued `trigger_id` (each trigger opens one)."""
    trigger = call.arg("trigger_id")
    if trigger not in call.standin.triggers:
        raise ApiError("invalid_trigger_id")
    user_id = call.standin.triggers[trigger]
    if user_id is None:
        raise ApiError("expired_trigger_id")
    call.standin.triggers[trigger] = None  # used
    view = call.args.get("view")
    if not isinstance(view, dict) or view.get("type") != "modal" or "title" not in view:
        raise ApiError("invalid_arguments")
    check_view(view)
    opened = view | {
        "id": call.ws.new_id("V"),
        "team_id": TEAM_ID,
        "state": {"values": {}},
        "hash": call.ws.new_id("h"),
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "app_id": APP_ID,
        "bot_id": BOT_ID,
        "previous_view_id": None,
    }
    opened["root_view_id"] = opened["id"]
    call.ws.views.append({"user": user_id, "view": opened})
    return {"view": opened}


@method("views.update")
async def views_update(call: Call) -> dict[str, Any]:
    """Replaces an open view's content (by `view_id`); its id and who sees it stay."""
    view_id = call.arg("view_id")
    found = next((v for v in call.ws.views if v["view"]["id"] == view_id), None)
    if found is None:
        raise ApiError("not_found")
    view = call.args.get("view")
    if not isinstance(view, dict) or view.get("type") != "modal" or "title" not in view:
        raise ApiError("invalid_arguments")
    check_view(view)
    found["view"] = found["view"] | view | {"hash": call.ws.new_id("h")}
    return {"view": found["view"]}


@method("files.getUploadURLExternal", scope="files:write")
async def files_get_upload_url(call: Call) -> dict[str, Any]:
    filename = call.arg("filename")
    length = int(call.arg("length"))
    file_id = call.ws.new_id("F")
    call.ws.files[file_id] = {
        "id": file_id,
        "name": filename,
        "length": length,
        "content": None,
        "title": filename,
        "channels": [],
        "thread_ts": None,
        "initial_comment": None,
    }
    return {"upload_url": f"{call.standin.url}/upload/v1/{file_id}", "file_id": file_id}


@method("files.completeUploadExternal", scope="files:write")
async def files_complete_upload(call: Call) -> dict[str, Any]:
    """Completes uploaded files; with `channel_id`, shares them there in one message."""
    entries = call.args.get("files")
    if not isinstance(entries, list) or not entries:
        raise ApiError("invalid_arguments")
    records = []
    for entry in entries:
        record = call.ws.files.get(entry.get("id"))
        if record is None or record["content"] is None:  # unknown, or never uploaded
            raise ApiError("file_not_found")
        record["title"] = entry.get("title") or record["name"]
        records.append(record)
    shared = [{"id": r["id"], "name": r["name"], "title": r["title"]} for r in records]
    if call.args.get("channel_id"):
        call.args["channel"] = call.args["channel_id"]
        conv = _target(call)
        parent = None
        if call.args.get("thread_ts"):
            parent = next((m for m in conv.messages if m.ts == call.args["thread_ts"]), None)
            if parent is None:
                raise ApiError("invalid_arguments")
        comment = str(call.args.get("initial_comment") or "")
        msg = Message(call.ws.next_ts(), BOT_USER_ID, comment, files=shared)
        if parent is not None:
            msg.thread_ts = parent.thread_ts = parent.ts
            parent.replies.append(msg)
        else:
            conv.messages.append(msg)
        for r in records:
            r |= {"channels": [conv.id], "thread_ts": msg.thread_ts, "initial_comment": comment}
        await call.standin.emit(payloads.message_event(conv, msg, parent))
    return {"files": shared}


# -- channels the app makes: conversations.create, .invite, .archive ----------------------

NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-_")


def _manage(call: Call, conv: Conversation) -> None:
    """Changing a channel takes `groups:write` for a private one, `channels:manage` else."""
    call.require("groups:write" if conv.is_private else "channels:manage")


@method("conversations.create")
async def conversations_create(call: Call) -> dict[str, Any]:
    """A channel made by the app, which is its creator and only member."""
    name = call.arg("name")
    private = call.flag("is_private")
    call.require("groups:write" if private else "channels:manage")
    if len(name) > 80:
        raise ApiError("invalid_name_maxlength")
    if not set(name) <= NAME_CHARS:
        raise ApiError("invalid_name_specials")
    if any(c.name == name and not c.is_im for c in call.ws.conversations.values()):
        raise ApiError("name_taken")
    conv = call.ws.add_channel(name, [], private=private)
    return {"channel": conv.info(BOT_USER_ID)}


@method("conversations.invite")
async def conversations_invite(call: Call) -> dict[str, Any]:
    """Adds `users` (comma-separated); someone already in it is `already_in_channel`."""
    conv = call.conversation(None)
    _manage(call, conv)
    if conv.is_archived:
        raise ApiError("is_archived")
    users = [u for u in call.arg("users").split(",") if u]
    for user_id in users:
        if user_id == BOT_USER_ID:
            raise ApiError("cant_invite_self")
        if user_id not in call.ws.users:
            raise ApiError("user_not_found")
        if user_id in conv.members:
            raise ApiError("already_in_channel")
    conv.members.update(users)
    return {"channel": conv.info(BOT_USER_ID)}


@method("conversations.archive")
async def conversations_archive(call: Call) -> dict[str, Any]:
    conv = call.conversation(None)
    _manage(call, conv)
    if conv.is_archived:
        raise ApiError("already_archived")
    conv.is_archived = True
    return {}
