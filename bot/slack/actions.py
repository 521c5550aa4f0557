"""Block Kit buttons: Remind me, Add to calendar, Check in, Watched it, Submit, and /forgetme's
confirmation.

Each is routed by its ``action_id``; its ``value`` names the cohort and session (or the
person, for the erase confirmation), so a button on any old message works after a
restart. Answers go only to the person who pressed.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.errors import NotAllowed, NotFound, UserError
from bot.features import presses
from bot.slack import assignments, modals
from bot.slack.blocks import parse_value, pieces
from bot.slack.deadline import SORRY
from bot.slack.files import dm_file
from bot.slack.platform import say

if TYPE_CHECKING:
    from bot.cohort import Cohort
    from bot.slack.app import SlackBot
    from bot.timetable import CohortSession

log = logging.getLogger(__name__)
FORGET = "cohortbot_forget"


def forget_confirmation(user: str) -> dict[str, Any]:
    text = (
        "This erases everything I keep about you, in every cohort, for good: your participation"
        " records, excused weeks and choices. Erase it?"
    )
    button = {
        "type": "button",
        "action_id": FORGET,
        "style": "danger",
        "text": {"type": "plain_text", "text": "Erase my data"},
        "value": user,
    }
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {"type": "actions", "block_id": "forget", "elements": [button]},
        ],
    }


def register(bot: SlackBot) -> None:
    app = bot.app
    modals.register(bot)
    assignments.register(bot)

    async def answer(body: dict[str, Any], text: str) -> None:
        channel = (body.get("channel") or {}).get("id")
        user = body["user"]["id"]
        if channel:
            try:
                for piece in pieces(text):
                    await bot.client.chat_postEphemeral(channel=channel, user=user, text=piece)
                return
            except SlackApiError as error:
                # Anyone may read a public channel and press its buttons without joining it;
                # Slack shows ephemeral messages only to members: such a person is told by DM.
                if error.response.get("error") != "user_not_in_channel":
                    raise
        dm = await bot.client.conversations_open(users=user)
        await say(bot.client, dm["channel"]["id"], text)

    async def session_of(body: dict[str, Any]) -> tuple[Cohort, CohortSession]:
        cohort_id, key = parse_value(body["actions"][0]["value"])
        cohort = await bot.cohort_here(cohort_id)
        found = [s for s in await bot.store.cohorts.sessions(cohort_id) if s.key == key]
        if cohort is None or not found:
            raise NotFound("that session no longer exists")
        return cohort, found[0]

    async def learner_session(body: dict[str, Any]) -> tuple[Cohort, CohortSession, int]:
        cohort, session = await session_of(body)
        user = await bot.tracker.learner(cohort, body["user"]["id"])
        if user is None:
            raise NotAllowed(f"Only learners of {cohort.name} can do that.")
        return cohort, session, user

    def guarded(handler: Any) -> Any:
        async def run(ack: Any, body: dict[str, Any]) -> None:
            await ack()
            try:
                text = await handler(body)
            except UserError as error:
                text = str(error)
            except Exception:
                log.exception("a Slack button failed")
                text = SORRY
            if text:
                await answer(body, text)

        return run

    def pressing(press: presses.Press) -> Any:
        async def run(body: dict[str, Any]) -> str:
            cohort, session, user = await learner_session(body)
            return await press(bot.store, bot.clock, cohort, session, user)

        return run

    # A learner's press on a session post: the shared rule, for the cohort's learners only.
    for action, press in presses.BY_ACTION.items():
        app.action(f"cohortbot_{action.value}")(guarded(pressing(press)))

    @app.action("cohortbot_ics")
    @guarded
    async def ics(body: dict[str, Any]) -> str:
        cohort, session = await session_of(body)
        user = body["user"]["id"]
        takes_part = await bot.tracker.learner(cohort, user) is not None
        takes_part = takes_part or await bot.platform.is_instructor(user, cohort)
        data = presses.calendar(cohort, session, bot.clock.now(), takes_part=takes_part)
        await dm_file(
            bot.client,
            user,
            filename=f"{session.key}.ics",
            content=data,
            title=session.title,
        )
        return "The calendar file is in your DMs with me: open it to add the session."

    @app.action("cohortbot_submit")
    @guarded
    async def submit(body: dict[str, Any]) -> None:
        await assignments.open_form(bot, body, body["actions"][0]["value"])

    @app.action(FORGET)
    async def forget(ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        if body["actions"][0]["value"] != body["user"]["id"]:
            await respond(
                text="Only the person who asked can confirm this.", replace_original=False
            )
            return
        user = await bot.platform.known_number(body["user"]["id"])
        removed = 0
        if user is not None:
            removed = await bot.store.privacy.forget(user)
            removed += await bot.store.external.forget(user)  # the number standing for them
            bot.tracker.forget_learners()
        await respond(text=f"Erased: {removed} records about you are gone.", replace_original=True)
