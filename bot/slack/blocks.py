"""Block Kit: a rendered ``Post`` as blocks, buttons with stable action ids and values.

A button's ``action_id`` names what it does and its ``value`` what it is about
(``"7:live-1"``), so any old post's buttons work after a restart: Bolt routes by
``action_id`` and nothing is kept in memory.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Collection
from datetime import UTC, datetime
from typing import Any, TypeVar

from bot.errors import InvalidInput, NotFound
from bot.features.platform import Action, Buttons
from bot.render import Post, split_text

# Characters in one section's text, as Slack counts them (escaped). A message's top-level
# text is truncated only past 40,000, but Slack advises 4,000 and its clients fold or split
# a longer one; the bot keeps every text it sends within this limit too (``pieces``).
TEXT_LIMIT = 3000
LABELS = {
    Action.SUBMIT: "Submit assignment",
    Action.REMIND: "Remind me",
    Action.ICS: "Add to calendar",
    Action.CHECKIN: "Check in",
    Action.WATCHED: "Watched it",
}
EVENT_TYPE = "cohortbot_post"  # the metadata event type every post and DM carries


# Discord's backslash escapes (``bot.render.plain``, every character it escapes): Slack has
# none and would show the backslash (``jane\_doe``), so each is the character as typed, ``<``
# and ``>`` as entities (no link, mention or ping). A name typed ``*star*`` is then Slack's
# bold: mrkdwn cannot show a ``*`` pair literally, and a name is never worse than bold.
_ESCAPED = re.escape("\\*_~`|[]<>#")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# The Slack markup the bot itself writes, left live: a mention of one person (``<@U…>``), a
# channel (``<#C…>``) and a date (``<!date^…>``); none pings a crowd or hides a link.
_OWN = r"<@[UW][A-Z0-9]+>|<#[CG][A-Z0-9]+>|<!date\^\d+\^[^<>|]*\|[^<>]*>"
# What escaped mrkdwn holds that a cut would break: an entity, or markup in angle brackets
# (every ``<`` left is the bot's own: ``<@U…>``, ``<#C…>``, ``<!date^…|…>``).
_MARKUP = re.compile(r"&(?:amp|lt|gt);|<[^<>]*>")
_TOKENS = re.compile(rf"\\([{_ESCAPED}])|<t:(\d+)(?::\w)?>|({_OWN})|([&<>])")


# ``**bold**`` within one paragraph (a course file's prose wraps lines inside it), which an
# escaped ``\*`` (a name's) does not end.
_BOLD = re.compile(r"\*\*((?:\\.|(?!\n[ \t]*\n)[^\\])+?)\*\*", re.DOTALL)
_LINE = re.compile(r"^(\s*)(.*?)(\s*)$", re.DOTALL)


def _bold(match: re.Match[str]) -> str:
    """Slack's ``*bold*`` ends at a line break: each line of a wrapped span is bold alone.
    Not around a ``*`` (a name's ``*star*``: no ``**star**`` muddle)."""
    if "*" in match[1]:
        return match[1]
    lines = [_LINE.fullmatch(line) for line in match[1].split("\n")]
    return "\n".join(f"{m[1]}*{m[2]}*{m[3]}" if m and m[2] else "" for m in lines)


# Discord's subtext line (``-# `` before it: small and grey); Slack has none.
_SUBTEXT = re.compile(r"^-# +(.+)$", re.MULTILINE)


def _aside(match: re.Match[str]) -> str:
    """A subtext line in italics; without them where an ``_`` would end them early."""
    return match[1] if "_" in match[1] else f"_{match[1]}_"


def mrkdwn(text: str, keep: Collection[str] | None = None) -> str:
    """Discord-flavoured Markdown (``**bold**``, ``<t:…>``) as Slack's mrkdwn: every Slack text
    the bot sends goes through here once, the one place where ``&``, ``<`` and ``>`` become
    ``&amp;``, ``&lt;`` and ``&gt;``. So nothing anyone typed (a cohort or session name, a
    course file, a display name, feedback) can be ``<!channel>``, ``<!here>`` or a masked
    ``<url|label>``: only the bot's own markup stays live (``_OWN``).

    ``keep``: for text holding what a learner typed as it came (a hand-in's note), the only
    markup left live (the bot's mention of them); nothing else is, not even a date.
    """
    text = _BOLD.sub(_bold, text)
    text = re.sub(r"^#+\s*(.+)$", r"*\1*", text, flags=re.MULTILINE)
    text = re.sub(r"^__(.+)__$", r"*\1*", text, flags=re.MULTILINE)  # an underlined heading
    text = _SUBTEXT.sub(_aside, text)
    text = re.sub(r"~~([^~\n]+)~~", r"~\1~", text)  # Discord's strikethrough: Slack's is one ~
    if keep is not None:
        kept = re.compile("|".join([*(re.escape(k) for k in keep if k), "[&<>]"]))
        return kept.sub(lambda m: m[0] if m[0] in keep else _ENTITIES[m[0]], text)
    return _TOKENS.sub(_token, text)


def _token(match: re.Match[str]) -> str:
    escaped, unix, own, bare = match.groups()
    if escaped is not None:
        return _ENTITIES.get(escaped, escaped)
    if unix is not None:
        return _date(unix)
    return own if own is not None else _ENTITIES[bare]


def pieces(text: str, keep: Collection[str] | None = None) -> list[str]:
    """The one rule for every text the bot sends on Slack: Discord-flavoured ``text`` (built
    to Discord's limits) as Slack's mrkdwn, in pieces of at most ``TEXT_LIMIT`` characters as
    Slack counts them (escaped: ``&`` is ``&amp;``, a date line three times as long). The
    first is the message, a section or an answer; the rest follow it, as Discord's
    follow-ups do (``cut``)."""
    return cut(mrkdwn(text, keep))


def cut(escaped: str) -> list[str]:
    """Slack mrkdwn in pieces of at most ``TEXT_LIMIT`` characters, cut at a paragraph,
    line, sentence or word, never inside an entity or the bot's markup; none empty."""
    return [p for p in split_text(escaped, TEXT_LIMIT, whole=_MARKUP) if p] or [""]


def sections(escaped: str) -> list[dict[str, Any]]:
    """Slack mrkdwn as section blocks, each within a section's limit (``cut``)."""
    return [{"type": "section", "text": {"type": "mrkdwn", "text": p}} for p in cut(escaped) if p]


T = TypeVar("T")


async def fitting(
    render: Callable[[int], Awaitable[T]], text: Callable[[T], str], room: int = TEXT_LIMIT
) -> T:
    """What a renderer that shortens itself to a room (a list that ends "… and N more: see
    the file") writes so that its ``text`` fits ``room`` characters as Slack counts them: the
    room it is given shrinks by what escaping added, until it fits."""
    limit = room
    while True:
        made = await render(limit)
        over = len(mrkdwn(text(made))) - room
        if over <= 0 or limit <= over:  # (never: the head alone is a few lines)
            return made
        limit -= over


_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def mentioned(text: str) -> str:
    """The user id of a slash command's ``@learner`` (Slack sends ``<@U…|name>``)."""
    found = _MENTION.fullmatch(text.strip())
    if found is None:
        raise InvalidInput(f"name the learner as an @mention (type @ and pick them), not {text!r}")
    return found[1]


def plain_text(text: str) -> str:
    """Discord-flavoured Markdown where Slack shows plain text (a form field's error): no
    ``**``, and times as UTC."""
    text = _BOLD.sub(r"\1", text)
    text = re.sub(rf"\\([{_ESCAPED}])", r"\1", text)  # Discord's escapes: as typed
    return re.sub(r"<t:(\d+)(?::\w)?>", _utc, text)


def _utc(match: re.Match[str]) -> str:
    return f"{datetime.fromtimestamp(int(match.group(1)), UTC):%Y-%m-%d %H:%M} UTC"


def _date(unix: str) -> str:
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
    blocks += sections(mrkdwn(post.body))
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


# What a button's value or a form's private_metadata that the app did not write is told: a
# forged one (nothing Slack signs says the app wrote it), never a traceback and "my side".
NOT_MINE = "That button or form is not one of mine, so nothing was done."


def parse_value(value: Any) -> tuple[int, str]:
    """A button's ``"<cohort>:<about>"``."""
    cohort, about = fields(value, 2)
    return whole(cohort), about


def fields(text: Any, count: int) -> list[str]:
    """A value or private_metadata of ``count`` parts separated by ``:``."""
    parts = str(text or "").split(":")
    if len(parts) != count:
        raise NotFound(NOT_MINE)
    return parts


def whole(text: str) -> int:
    """A number in a value or private_metadata (an id, a week)."""
    if not (text.isascii() and text.isdigit()):
        raise NotFound(NOT_MINE)
    return int(text)


def metadata(marker: str) -> dict[str, Any]:
    return {"event_type": EVENT_TYPE, "event_payload": {"marker": marker}}


def carries(message: dict[str, Any], marker: str) -> bool:
    meta = message.get("metadata") or {}
    return (
        meta.get("event_type") == EVENT_TYPE
        and (meta.get("event_payload") or {}).get("marker") == marker
    )
