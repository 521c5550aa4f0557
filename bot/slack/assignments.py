"""Assignments on Slack: **Submit assignment** opens a form; the hand-in goes to a private
channel for the learner and the cohort's instructors; ``/assignment list|review`` for staff.

Where a hand-in goes is ``bot.slack.hand_in_channels``. The rules are the shared ones
(``bot.features.assignments``); the store keeps where and when, never what.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.assignments import LINK_LIMIT, NOTE_LIMIT
from bot.cohort import Cohort
from bot.errors import InvalidInput, NotAllowed, NotFound, UserError
from bot.features.assignments import AssignmentFeature
from bot.features.platform import Sent
from bot.slack import blocks
from bot.slack.deadline import SORRY, answer_form, notice
from bot.slack.files import dm_file
from bot.slack.hand_in_channels import learner_channel
from bot.slack.ids import ts_id
from bot.slack.modals import _input
from bot.slack.platform import say

if TYPE_CHECKING:
    from bot.slack.app import SlackBot

log = logging.getLogger(__name__)
HAND_IN_FORM = "cohortbot_handin"
REVIEW_FORM = "cohortbot_review"


def feature(bot: SlackBot) -> AssignmentFeature:
    return AssignmentFeature(bot.platform, bot.store, bot.library, bot.clock)


def _text_input(block: str, label: str, limit: int, multiline: bool = False) -> dict[str, Any]:
    element = {"type": "plain_text_input", "multiline": multiline, "max_length": limit}
    return _input(block, label, element, optional=True)


def _typed(view: dict[str, Any], block: str) -> str:
    return str(view["state"]["values"].get(block, {}).get("value", {}).get("value") or "")


# -- handing in --------------------------------------------------------------------------


async def learner_cohort(bot: SlackBot, cohort_id: int, week: int, user: str) -> Cohort:
    """The cohort, when hand-ins for ``week`` are open and ``user`` is one of its learners."""
    if await bot.cohort_here(cohort_id) is None:
        raise NotFound("that cohort no longer exists")
    cohort = await feature(bot).open_week(cohort_id, week)
    if await bot.tracker.learner(cohort, user) is None:
        raise NotAllowed(f"Handing in is for learners of {cohort.name}.")
    return cohort


async def open_form(bot: SlackBot, body: dict[str, Any], value: str) -> None:
    """The Submit button: the hand-in form, for the cohort's learners while hand-ins are open."""
    cohort_id, week = (blocks.whole(part) for part in blocks.fields(value, 2))
    user = body["user"]["id"]
    await learner_cohort(bot, cohort_id, week, user)
    channel = (body.get("channel") or {}).get("id", "")
    form = [
        _text_input("link", "Link to your work (https)", LINK_LIMIT),
        _text_input("note", "A note for your instructor", NOTE_LIMIT, multiline=True),
    ]
    await bot.client.views_open(
        trigger_id=body["trigger_id"],
        view=blocks.modal(
            HAND_IN_FORM,
            f"Week {week} assignment",
            "Hand in",
            form,
            f"{cohort_id}:{week}:{channel}",
        ),
    )


async def hand_in(bot: SlackBot, user: str, cohort: Cohort, week: int, view: dict[str, Any]) -> str:
    """Post the hand-in where the learner's hand-ins go, record it; what the learner is told."""
    rules = feature(bot)
    number = await bot.platform.number(user)
    mention = f"<@{user}>"
    places: list[str] = []

    async def post(text: str) -> Sent:
        # The link and note as typed, never as Slack's markup (a ping, a masked link, even
        # a mention): only the bot's own mention of the learner is.
        channel = await learner_channel(bot, cohort, user, rules.shared(cohort))
        places.append(channel)
        posted = await say(bot.client, channel, text, keep=(mention,), unfurl_links=False)
        where = await bot.platform.number(channel)
        return Sent(where, ts_id(posted["ts"], channel))

    link, note = _typed(view, "link"), _typed(view, "note")
    submission = await rules.hand_in(cohort, number, mention, week, link, note, post)
    return blocks.mrkdwn(rules.handed_in(cohort, submission, f"<#{places[0]}>"))


# -- staff: /assignment list|review -------------------------------------------------------


async def assignment_command(bot: SlackBot, command: dict[str, Any], words: list[str]) -> Any:
    from bot.slack.commands import IN_YOUR_DMS, arguments, workspace_cohort

    sub, *rest = words or [""]
    if sub == "list":
        name, week = arguments(rest, "cohort", "week")[:2]
        cohort = await workspace_cohort(bot, name, command["user_id"])
        learners = await bot.platform.learners(cohort)

        async def listing(room: int) -> tuple[str, str | None]:
            return await feature(bot).listing(cohort, number(week), learners, room)

        # One answer, as Slack counts it; the whole list in a file when it does not fit.
        text, whole = await blocks.fitting(listing, lambda made: made[0] + IN_YOUR_DMS)
        if whole is not None:
            await dm_file(
                bot.client,
                command["user_id"],
                filename=f"week-{week}-hand-ins.txt",
                content=whole.encode("utf-8"),
                title=f"Week {week} hand-ins in {cohort.name}",
            )
            text += IN_YOUR_DMS
        return text
    if sub == "review":
        name, mention, week = arguments(rest, "cohort", "@learner", "week")[:3]
        cohort = await workspace_cohort(bot, name, command["user_id"])
        learner = blocks.mentioned(mention)
        feature(bot).require_assignment(cohort, number(week))
        handed = await bot.store.assignments.get(
            cohort.id, await bot.platform.number(learner), number(week)
        )
        if handed is None:
            raise NotFound(f"<@{learner}> has not handed in week {week} of {cohort.name}.")
        await open_review(bot, command["trigger_id"], cohort, learner, number(week))
        return None
    raise InvalidInput(
        "usage: `/assignment list <cohort> <week>`, `/assignment review <cohort> @learner <week>`"
    )


def number(week: str) -> int:
    from bot.slack.commands import week_number

    return week_number(week)


async def open_review(bot: SlackBot, trigger: str, cohort: Cohort, learner: str, week: int) -> None:
    about = f"<@{learner}>'s week {week} hand-in in {cohort.name}."
    form = [
        {"type": "section", "text": {"type": "mrkdwn", "text": blocks.mrkdwn(about)}},
        _text_input("feedback", "Feedback, sent to them by DM", NOTE_LIMIT, True),
    ]
    await bot.client.views_open(
        trigger_id=trigger,
        view=blocks.modal(
            REVIEW_FORM,
            f"Review week {week}",
            "Mark reviewed",
            form,
            f"{cohort.id}:{learner}:{week}",
        ),
    )


async def review(bot: SlackBot, user: str, view: dict[str, Any]) -> str:
    """Mark the hand-in reviewed and DM the learner the feedback; what the instructor is told."""
    from bot.slack.commands import workspace_cohort

    cohort_id, learner, typed_week = blocks.fields(view.get("private_metadata"), 3)
    week = blocks.whole(typed_week)
    cohort = await bot.cohort_here(blocks.whole(cohort_id))
    if cohort is None:
        raise NotFound("that cohort no longer exists")
    await workspace_cohort(bot, cohort.name, user)  # still one of its instructors
    number = await bot.platform.known_number(learner)  # one who handed in has one
    if number is None:
        raise NotFound(blocks.NOT_MINE)
    dm = await feature(bot).review(
        cohort,
        number,
        f"<@{learner}>",
        week,
        await bot.platform.number(user),
        _typed(view, "feedback").strip() or None,
    )
    try:
        opened = await bot.client.conversations_open(users=learner)
        await say(bot.client, opened["channel"]["id"], dm)
        told = "and DMed them"
    except SlackApiError:
        told = "but I could not DM them: tell them in their hand-in channel"
    return f"Week {week} of <@{learner}> is marked reviewed, {told}."


def register(bot: SlackBot) -> None:
    @bot.app.view(HAND_IN_FORM)
    async def handed_in(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        await answer_form(bot, ack, view, submitted_hand_in(bot, body["user"]["id"], view))

    @bot.app.view(REVIEW_FORM)
    async def reviewed(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        await answer_form(bot, ack, view, submitted_review(bot, body["user"]["id"], view))


async def submitted_hand_in(bot: SlackBot, user: str, view: dict[str, Any]) -> dict[str, Any]:
    """The hand-in form's answer: errors on its field, or what became of the hand-in."""
    cohort, week = None, 0
    try:
        cohort_id, week = (
            blocks.whole(p) for p in blocks.fields(view.get("private_metadata"), 3)[:2]
        )
        cohort = await learner_cohort(bot, cohort_id, week, user)
        text = await hand_in(bot, user, cohort, week, view)
    except UserError as error:
        return {
            "response_action": "errors",
            "errors": {"link": blocks.plain_text(str(error))[:150]},
        }
    except SlackApiError as error:
        # What Slack refused is the instructor's (or an admin's) to fix: they are told.
        reason = bot.platform.describe(error) or "Slack refused"
        log.warning("a hand-in could not be posted: %s", reason)
        text = "Slack would not let me post your hand-in, so it is not in yet."
        if cohort is not None:
            await bot.platform.tell_instructors(
                cohort, f"<@{user}>'s week {week} hand-in could not be posted: {reason}."
            )
            text += " I have told your instructor; try again once they have fixed it."
        return {"response_action": "update", "view": notice("Not handed in", text)}
    except Exception:
        log.exception("a hand-in failed")
        return {"response_action": "update", "view": notice("Not handed in", SORRY)}
    return {"response_action": "update", "view": notice("Handed in", text)}


async def submitted_review(bot: SlackBot, user: str, view: dict[str, Any]) -> dict[str, Any]:
    try:
        text = await review(bot, user, view)
    except UserError as error:
        return {
            "response_action": "errors",
            "errors": {"feedback": blocks.plain_text(str(error))[:150]},
        }
    except Exception:
        log.exception("a review failed")
        return {"response_action": "update", "view": notice("Not reviewed", SORRY)}
    return {"response_action": "update", "view": notice("Reviewed", blocks.mrkdwn(text))}
