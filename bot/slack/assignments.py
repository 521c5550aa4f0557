"""Assignments on Slack: **Submit assignment** opens a form; the hand-in goes to a private
channel for the learner and the cohort's instructors; ``/assignment list|review`` for staff.

Slack has no private threads, so each learner gets one private channel per cohort, made by
the bot (``hand-ins-<name>-<cohort>-<user id>``: unique, and found again by that name if the
bot died between making it and recording it), with the learner and the cohort's instructors
(its creator and its instructor user group) invited. A course that shares hand-ins
(``assignments: {shared: yes}``) posts each one in the cohort's channel instead, where its
thread takes the files and the talk. The rules are the shared ones
(``bot.features.assignments``); the store keeps where and when, never what.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.assignments import LINK_LIMIT, NOTE_LIMIT
from bot.cohort import Cohort
from bot.errors import InvalidInput, NotAllowed, NotFound, UserError
from bot.features.assignments import AssignmentFeature
from bot.features.platform import Sent
from bot.participation import plain
from bot.slack import blocks
from bot.slack.deadline import answer_form, notice
from bot.slack.ids import ts_id
from bot.slack.modals import _input

if TYPE_CHECKING:
    from bot.slack.app import SlackBot

log = logging.getLogger(__name__)
HAND_IN_FORM = "cohortbot_handin"
REVIEW_FORM = "cohortbot_review"
SORRY = "Sorry, something went wrong on my side. It is logged; try again later."
ROOM = 3900  # characters of a listing shown in the answer; the whole list goes in a file


def feature(bot: SlackBot) -> AssignmentFeature:
    return AssignmentFeature(bot.platform, bot.store, bot.library, bot.clock)


def channel_name(person: str, cohort_id: int, user: str) -> str:
    """The learner's hand-in channel: readable, and unique by the cohort and the user id."""
    slug = re.sub(r"[^a-z0-9]+", "-", person.casefold()).strip("-")[:40].strip("-")
    return "-".join(part for part in ("hand-ins", slug, str(cohort_id), user.lower()) if part)


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
    if await bot.platform.known_number(user) not in await bot.tracker.learners(cohort):
        raise NotAllowed(f"Handing in is for learners of {cohort.name}.")
    return cohort


async def open_form(bot: SlackBot, body: dict[str, Any], value: str) -> None:
    """The Submit button: the hand-in form, for the cohort's learners while hand-ins are open."""
    cohort_id, week = (int(part) for part in value.split(":"))
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
        # The link and note as typed, never as Slack's markup (a ping, a masked link): only
        # the bot's own mention of the learner is.
        text = blocks.escape(text).replace(blocks.escape(mention), mention)
        channel = await learner_channel(bot, cohort, user)
        places.append(channel)
        posted = await bot.client.chat_postMessage(
            channel=channel, text=blocks.mrkdwn(text), unfurl_links=False
        )
        where = await bot.platform.number(channel)
        return Sent(where, ts_id(posted["ts"], channel))

    link, note = _typed(view, "link"), _typed(view, "note")
    submission = await rules.hand_in(cohort, number, mention, week, link, note, post)
    return blocks.mrkdwn(rules.handed_in(cohort, submission, f"<#{places[0]}>"))


async def learner_channel(bot: SlackBot, cohort: Cohort, user: str) -> str:
    """Where the learner's hand-ins go: the cohort's channel when the course shares them, else
    their private hand-in channel (the one recorded, or one made now), with them and the
    cohort's instructors in it."""
    if feature(bot).shared(cohort):
        return await bot.platform.slack_id(cohort.channel_id)
    number = await bot.platform.number(user)
    known = await bot.store.assignments.thread(cohort.id, number)
    channel = await bot.platform.slack_id(known) if known is not None else None
    if channel is None:
        channel = await made_channel(bot, cohort, user)
        await bot.store.assignments.set_thread(
            cohort.id, number, await bot.platform.number(channel)
        )
    await invite(bot, channel, [user, *await instructors(bot, cohort)])
    return channel


async def made_channel(bot: SlackBot, cohort: Cohort, user: str) -> str:
    """A new private channel for the learner's hand-ins; the bot's own of that name if a crash
    came between making it and recording it. A name whose channel the bot made and has since
    archived (the record erased by /forgetme) gets a number: ``…-2``."""
    name = channel_name(await bot.platform.name(user), cohort.id, user)
    for candidate in (name, *(f"{name[:76]}-{n}" for n in range(2, 10))):
        try:
            made = await bot.client.conversations_create(name=candidate, is_private=True)
            return str(made["channel"]["id"])
        except SlackApiError as error:
            if error.response.get("error") != "name_taken":
                raise
        found = await _private_channel_named(bot, candidate)
        # Only one the bot made: a learner could make a channel of that name and invite it.
        if found is None or found.get("creator") != bot.platform.bot_user:
            raise UserError(
                f"A channel called #{candidate} already exists and I did not make it: ask a"
                " workspace admin to rename or archive it, then hand in again."
            )
        if not found.get("is_archived"):
            return str(found["id"])
    raise UserError(f"Too many archived hand-in channels called #{name}: ask a workspace admin.")


async def _private_channel_named(bot: SlackBot, name: str) -> dict[str, Any] | None:
    """The private channel of that name the bot can see (it is in it), archived or not."""
    cursor = None
    while True:
        page = await bot.client.conversations_list(
            types="private_channel", exclude_archived=False, limit=200, cursor=cursor
        )
        for channel in page["channels"]:
            if channel["name"] == name:
                return dict(channel)
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None


async def instructors(bot: SlackBot, cohort: Cohort) -> list[str]:
    """Who reads a cohort's private hand-ins: its creator and its instructor user group."""
    people = [await bot.platform.slack_id(cohort.created_by)]
    if cohort.instructor_role_id:
        people += await bot.platform.members(cohort.instructor_role_id)
    return list(dict.fromkeys(people))


async def invite(bot: SlackBot, channel: str, people: list[str]) -> None:
    """Invite those of ``people`` not yet in ``channel`` (the first, the learner, must be).

    All in one call: Slack allows about 50 invitations a minute and the form must be answered
    in 3 seconds. If Slack refuses it (one has left the workspace), one by one, so that one
    refusal keeps no one else out.
    """
    present = set((await bot.client.conversations_members(channel=channel))["members"])
    missing = [p for p in people if p not in present and p != bot.platform.bot_user]
    if not missing:
        return
    try:
        await bot.client.conversations_invite(channel=channel, users=",".join(missing))
        return
    except SlackApiError as error:
        if error.response.get("error") in ("missing_scope", "is_archived"):
            raise
    for person in missing:
        try:
            await bot.client.conversations_invite(channel=channel, users=person)
        except SlackApiError as error:
            if person == people[0]:
                raise
            if error.response.get("error") != "already_in_channel":
                log.warning("could not invite an instructor to a hand-in channel: %s", error)


# -- staff: /assignment list|review -------------------------------------------------------


async def assignment_command(bot: SlackBot, command: dict[str, Any], words: list[str]) -> Any:
    from bot.slack.commands import arguments, workspace_cohort

    sub, *rest = words or [""]
    if sub == "list":
        name, week = arguments(rest, "cohort", "week")[:2]
        cohort = await workspace_cohort(bot, name, command["user_id"])
        learners = await bot.platform.learners(cohort)
        text, whole = await feature(bot).listing(cohort, number(week), learners, ROOM)
        if whole is not None:
            dm = await bot.client.conversations_open(users=command["user_id"])
            await bot.client.files_upload_v2(
                channel=dm["channel"]["id"],
                filename=f"week-{week}-hand-ins.txt",
                content=whole.encode("utf-8"),
                title=f"Week {week} hand-ins in {cohort.name}",
            )
            text += "\n(The whole list is in your DMs with me.)"
        return blocks.mrkdwn(text)
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
    if not week.isdigit():
        raise InvalidInput(f"the week is a number, not {week!r}")
    return int(week)


async def open_review(bot: SlackBot, trigger: str, cohort: Cohort, learner: str, week: int) -> None:
    about = f"<@{learner}>'s week {week} hand-in in {plain(cohort.name)}."
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

    cohort_id, learner, week = view["private_metadata"].split(":")
    cohort = await bot.cohort_here(int(cohort_id))
    if cohort is None:
        raise NotFound("that cohort no longer exists")
    await workspace_cohort(bot, cohort.name, user)  # still one of its instructors
    dm = await feature(bot).review(
        cohort,
        await bot.platform.number(learner),
        f"<@{learner}>",
        int(week),
        await bot.platform.number(user),
        _typed(view, "feedback").strip() or None,
    )
    try:
        opened = await bot.client.conversations_open(users=learner)
        await bot.client.chat_postMessage(channel=opened["channel"]["id"], text=blocks.mrkdwn(dm))
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
    cohort_id, week, _ = view["private_metadata"].split(":")
    cohort = None
    try:
        cohort = await learner_cohort(bot, int(cohort_id), int(week), user)
        text = await hand_in(bot, user, cohort, int(week), view)
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
