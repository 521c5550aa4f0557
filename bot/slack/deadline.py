"""Slack's three seconds: a command or a form must be acked within 3 s, or Slack shows the
person an error (even though the work went on and was done).

Quick work is answered in the ack, as before. Work still running after ``bot.ack_within``
(2 s) is acked with "Working on it…" and answered when done: a command through its
``response_url``, a form by ``views.update`` of the same modal.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from bot.slack.blocks import mrkdwn

if TYPE_CHECKING:
    from bot.slack.app import SlackBot

log = logging.getLogger(__name__)
WORKING = "Working on it…"
# What anyone is told of an error that is ours, not theirs (it is logged with its traceback).
SORRY = "Sorry, something went wrong on my side. It is logged; try again later."

Answer = Coroutine[Any, Any, dict[str, Any]]  # an ack's payload, once the work is done


async def _in_time(bot: SlackBot, work: Answer) -> tuple[asyncio.Task[dict[str, Any]], bool]:
    task = asyncio.create_task(work)
    done, _ = await asyncio.wait({task}, timeout=bot.ack_within)
    return task, task in done


async def answer_command(bot: SlackBot, ack: Any, respond: Any, work: Answer) -> None:
    task, quick = await _in_time(bot, work)
    if quick:
        await ack(**task.result())
        return
    await ack(text=WORKING)

    async def later() -> None:
        answer = await task
        try:
            await respond(**(answer or {"text": "Done."}), replace_original=True)
        except Exception:
            log.exception("a slow command's answer could not be sent")

    bot.later(later())


def notice(title: str, text: str) -> dict[str, Any]:
    """A modal that only says something (what a form turns into once submitted)."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title[:24]},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


async def answer_form(bot: SlackBot, ack: Any, view: dict[str, Any], work: Answer) -> None:
    """A form's submission: ``work`` gives the ack (errors on its fields, or a new view)."""
    task, quick = await _in_time(bot, work)
    if quick:
        await ack(**task.result())
        return
    await ack(response_action="update", view=notice("Working on it", WORKING))

    async def later() -> None:
        try:
            answer = await task
        except Exception:
            log.exception("a slow form failed")
            answer = {"response_action": "update", "view": notice("Not done", SORRY)}
        if answer.get("response_action") == "update":
            shown = answer["view"]
        elif answer.get("response_action") == "errors":
            shown = notice("Not done", mrkdwn(" ".join(answer["errors"].values())))
        else:
            shown = notice("Done", "Done.")
        try:
            await bot.client.views_update(view_id=view["id"], view=shown)
        except Exception:
            log.exception("a slow form's answer could not be shown")

    bot.later(later())
