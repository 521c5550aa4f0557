"""Payloads as Slack sends them to an app: Events API callbacks, slash commands, interactions.

Shapes follow api.slack.com (Events API `event_callback`, the `message` event and its
`message_changed` / `message_deleted` subtypes, slash command payloads, `block_actions`,
`view_submission`); fields an app cannot rely on are left out rather than invented.
"""

from __future__ import annotations

from typing import Any

from tests.slack_standin.workspace import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    Conversation,
    Message,
    User,
)

VERIFICATION_TOKEN = "standin-verification-token"  # deprecated by Slack, still sent


def channel_type(conv: Conversation) -> str:
    return "im" if conv.is_im else "group" if conv.is_private else "channel"


def event_callback(event: dict[str, Any], event_id: str, event_time: int) -> dict[str, Any]:
    """The outer payload of every Events API delivery."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "context_team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{event_id}",
    }


def message_event(conv: Conversation, msg: Message, parent: Message | None) -> dict[str, Any]:
    """`message`: a new top-level message or thread reply, text included (Slack always sends it)."""
    event = msg.to_api()
    event |= {"channel": conv.id, "event_ts": msg.ts, "channel_type": channel_type(conv)}
    if parent is not None:
        event["parent_user_id"] = parent.user
    if msg.from_bot:
        event["bot_profile"] = {"id": BOT_ID, "app_id": APP_ID, "name": "cohortbot"}
    else:
        event["client_msg_id"] = f"{msg.ts.replace('.', '')}-client"
    return event


def message_changed_event(
    conv: Conversation, msg: Message, previous: dict[str, Any], event_ts: str
) -> dict[str, Any]:
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": conv.id,
        "ts": event_ts,
        "event_ts": event_ts,
        "channel_type": channel_type(conv),
        "message": msg.to_api(),
        "previous_message": previous,
    }


def message_deleted_event(conv: Conversation, msg: Message, event_ts: str) -> dict[str, Any]:
    return {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "channel": conv.id,
        "ts": event_ts,
        "deleted_ts": msg.ts,
        "event_ts": event_ts,
        "channel_type": channel_type(conv),
        "previous_message": msg.to_api(),
    }


def slash_command(
    user: User, conv: Conversation, command: str, text: str, response_url: str, trigger_id: str
) -> dict[str, Any]:
    """A slash command's payload: every value a string, as Slack form-encodes it."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "team_domain": TEAM_DOMAIN,
        "channel_id": conv.id,
        "channel_name": "directmessage" if conv.is_im else conv.name,
        "user_id": user.id,
        "user_name": user.name,
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def _interaction(kind: str, user: User, trigger_id: str) -> dict[str, Any]:
    return {
        "type": kind,
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "user": user.ref(),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "enterprise": None,
        "is_enterprise_install": False,
    }


def block_actions(
    user: User,
    conv: Conversation,
    msg: Message | dict[str, Any],
    action: dict[str, Any],
    block_id: str,
    trigger_id: str,
    response_url: str,
    action_ts: str,
) -> dict[str, Any]:
    """A press of a button in a message the app posted, or in an ephemeral message
    (a dict from `Workspace.ephemeral`: Slack then sends no `message`, only its ts)."""
    ephemeral = isinstance(msg, dict)
    payload = _interaction("block_actions", user, trigger_id)
    payload |= {
        "container": {
            "type": "message",
            "message_ts": msg["ts"] if isinstance(msg, dict) else msg.ts,
            "channel_id": conv.id,
            "is_ephemeral": ephemeral,
        },
        "channel": {"id": conv.id, "name": "directmessage" if conv.is_im else conv.name},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action["action_id"],
                "block_id": block_id,
                "text": action.get("text"),
                "value": action.get("value"),
                "type": action["type"],
                "action_ts": action_ts,
            }
        ],
    }
    if isinstance(msg, Message):
        payload["message"] = msg.to_api()
    return payload


def view_submission(
    user: User, view: dict[str, Any], values: dict[str, dict[str, Any]], trigger_id: str
) -> dict[str, Any]:
    """A modal's submission; `values` is `{block_id: {action_id: {"type": …, <value>}}}`."""
    payload = _interaction("view_submission", user, trigger_id)
    payload |= {
        "view": view | {"state": {"values": values}},
        "response_urls": [],
    }
    return payload
