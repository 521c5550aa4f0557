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
from typing import TYPE_CHECKING, Any, TypeVar

from bot.slack.blocks import mrkdwn, sections

if TYPE_CHECKING:
    from bot.slack.app import SlackBot

log = logging.getLogger(__name__)
WORKING = "Working on it…"
# What anyone is told of an error that is ours, not theirs (it is logged with its traceback).
SORRY = "Sorry, something went wrong on my side. It is logged; try again later."

Answer = Coroutine[Any, Any, dict[str, Any]]  # an ack's payload, once the work is done
# A command's answer: the ack's payload, then follow-ups through its response_url.
Answers = Coroutine[Any, Any, list[dict[str, Any]]]
RESPONSES = 5  # answers a response_url takes (Slack: five, within 30 minutes)


W = TypeVar("W")


async def _in_time(bot: SlackBot, work: Coroutine[Any, Any, W]) -> tuple[asyncio.Task[W], bool]:
    task = asyncio.create_task(work)
    done, _ = await asyncio.wait({task}, timeout=bot.ack_within)
    return task, task in done


async def answer_command(bot: SlackBot, ack: Any, respond: Any, work: Answers) -> None:
    """Ack with the first answer, and send the rest (a long text's pieces) after it through
    the command's response_url, as many as it takes."""
    task, quick = await _in_time(bot, work)
    if quick:
        first, *more = task.result()
        await ack(**first)
        await _follow_up(respond, more[:RESPONSES])
        return
    await ack(text=WORKING)

    async def later() -> None:
        first, *more = await task
        try:
            await respond(**(first or {"text": "Done."}), replace_original=True)
            await _follow_up(respond, more[: RESPONSES - 1])
        except Exception:
            log.exception("a slow command's answer could not be sent")

    bot.later(later())


async def _follow_up(respond: Any, more: list[dict[str, Any]]) -> None:
    for answer in more:
        await respond(**answer, replace_original=False)


def notice(title: str, text: str) -> dict[str, Any]:
    """A modal that only says ``text`` (Slack mrkdwn; what a form turns into once
    submitted), in sections within Slack's limits."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title[:24]},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": sections(text),
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
