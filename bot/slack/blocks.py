"""Block Kit: a rendered ``Post`` as blocks, buttons with stable action ids and values.

A button's ``action_id`` names what it does and its ``value`` what it is about
(``"7:live-1"``), so any old post's buttons work after a restart: Bolt routes by
``action_id`` and nothing is kept in memory.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from bot.errors import InvalidInput
from bot.features.platform import Action, Buttons
from bot.render import Post

TEXT_LIMIT = 3000  # characters in one section's text
LABELS = {
    Action.SUBMIT: "Submit assignment",
    Action.REMIND: "Remind me",
    Action.ICS: "Add to calendar",
    Action.CHECKIN: "Check in",
    Action.WATCHED: "Watched it",
}
EVENT_TYPE = "cohortbot_post"  # the metadata event type every post and DM carries


# Discord's backslash escapes (``bot.render.plain``) as Slack reads them: Slack has no escapes,
# so ``<``, ``>`` become entities (no link, mention or ping) and the rest are shown as typed;
# ``\*``, ``\_``, ``\~`` and ``\` `` keep their backslash, which keeps them from formatting.
_UNESCAPED = {"<": "&lt;", ">": "&gt;", "\\": "\\", "|": "|", "[": "[", "]": "]", "#": "#"}


# ``**bold**`` within one paragraph: a course file's prose wraps lines inside it.
_BOLD = re.compile(r"\*\*((?:(?!\n[ \t]*\n).)+?)\*\*", re.DOTALL)


_LINE = re.compile(r"^(\s*)(.*?)(\s*)$", re.DOTALL)


def _bold(match: re.Match[str]) -> str:
    """Slack's ``*bold*`` ends at a line break: each line of a wrapped span is bold alone."""
    lines = [_LINE.fullmatch(line) for line in match[1].split("\n")]
    return "\n".join(f"{m[1]}*{m[2]}*{m[3]}" if m and m[2] else "" for m in lines)


def mrkdwn(text: str) -> str:
    """Discord-flavoured Markdown (``**bold**``, ``<t:…>``) as Slack's mrkdwn."""
    text = _BOLD.sub(_bold, text)
    text = re.sub(r"^#+\s*(.+)$", r"*\1*", text, flags=re.MULTILINE)
    text = re.sub(r"^__(.+)__$", r"*\1*", text, flags=re.MULTILINE)  # an underlined heading
    text = re.sub(r"<t:(\d+)(?::\w)?>", _date, text)
    return re.sub(r"\\([\\|\[\]<>#])", lambda m: _UNESCAPED[m[1]], text)


_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def mentioned(text: str) -> str:
    """The user id of a slash command's ``@learner`` (Slack sends ``<@U…|name>``)."""
    found = _MENTION.fullmatch(text.strip())
    if found is None:
        raise InvalidInput(
            f"name the learner as an @mention (type @ and pick them), not {escape(text)!r}"
        )
    return found[1]


def escape(text: str) -> str:
    """What someone typed, shown as typed: Slack reads ``<!channel>``, ``<@U…>`` and
    ``<url|label>`` in any text the bot posts, and only ``&``, ``<`` and ``>`` escape them."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain_text(text: str) -> str:
    """Discord-flavoured Markdown where Slack shows plain text (a form field's error): no
    ``**``, and times as UTC."""
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    return re.sub(r"<t:(\d+)(?::\w)?>", _utc, text)


def _utc(match: re.Match[str]) -> str:
    return f"{datetime.fromtimestamp(int(match.group(1)), UTC):%Y-%m-%d %H:%M} UTC"


def _date(match: re.Match[str]) -> str:
    unix = match.group(1)
    return f"<!date^{unix}^{{date_short_pretty}} {{time}}|{unix}>"


def modal(
    callback_id: str, title: str, submit: str, blocks: list[dict[str, Any]], metadata: str = ""
) -> dict[str, Any]:
    """A form: ``callback_id`` routes its submission, ``metadata`` comes back with it (the app
    sets it, but every handler checks again who may do what)."""
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": {"type": "plain_text", "text": title[:24]},  # Slack's limit
        "submit": {"type": "plain_text", "text": submit},
        "blocks": blocks,
    }
    if metadata:
        view["private_metadata"] = metadata
    return view


def post_blocks(post: Post, buttons: Buttons | None = None) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": post.title[:150]}}
    ]
    body = mrkdwn(post.body)
    for start in range(0, len(body), TEXT_LIMIT):
        chunk = body[start : start + TEXT_LIMIT]
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": chunk}})
    if buttons is not None:
        blocks.append(action_block(buttons))
    return blocks


def button_value(buttons: Buttons) -> str:
    about = buttons.session if buttons.session is not None else str(buttons.week)
    return f"{buttons.cohort_id}:{about}"


def action_block(buttons: Buttons) -> dict[str, Any]:
    return {
        "type": "actions",
        "block_id": "cohortbot",
        "elements": [
            {
                "type": "button",
                "action_id": f"cohortbot_{action.value}",
                "text": {"type": "plain_text", "text": LABELS[action]},
                "value": button_value(buttons),
            }
            for action in buttons.actions
        ],
    }


def has_action(message: dict[str, Any], action_id: str) -> bool:
    return any(
        element.get("action_id") == action_id
        for block in message.get("blocks") or []
        for element in block.get("elements") or []
    )


def hand_ins_closed(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A week post's blocks with its Submit button replaced by a line saying hand-ins closed."""
    closed = {
        "type": "context",
        "block_id": "cohortbot",
        "elements": [{"type": "mrkdwn", "text": "🔒 Hand-ins closed"}],
    }
    return [closed if b.get("block_id") == "cohortbot" else b for b in blocks]


def parse_value(value: str) -> tuple[int, str]:
    cohort, _, about = value.partition(":")
    return int(cohort), about


def metadata(marker: str) -> dict[str, Any]:
    return {"event_type": EVENT_TYPE, "event_payload": {"marker": marker}}


def carries(message: dict[str, Any], marker: str) -> bool:
    meta = message.get("metadata") or {}
    return (
        meta.get("event_type") == EVENT_TYPE
        and (meta.get("event_payload") or {}).get("marker") == marker
    )
