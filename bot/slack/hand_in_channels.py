"""Where a learner's hand-ins go on Slack, which has no private threads: one private channel
per learner and cohort, made by the bot (``hand-ins-<name>-<cohort>-<user id>``: unique, and
found again by that name if the bot died between making it and recording it), with the
learner and the cohort's instructors (its creator and its instructor user group) invited.
A course that shares hand-ins (``assignments: {shared: yes}``) posts each one in the
cohort's channel instead, where its thread takes the files and the talk.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.cohort import Cohort
from bot.errors import UserError

if TYPE_CHECKING:
    from bot.slack.app import SlackBot

log = logging.getLogger(__name__)


def channel_name(person: str, cohort_id: int, user: str) -> str:
    """The learner's hand-in channel: readable, and unique by the cohort and the user id."""
    slug = re.sub(r"[^a-z0-9]+", "-", person.casefold()).strip("-")[:40].strip("-")
    return "-".join(part for part in ("hand-ins", slug, str(cohort_id), user.lower()) if part)


async def learner_channel(bot: SlackBot, cohort: Cohort, user: str, shared: bool) -> str:
    """Where the learner's hand-ins go: the cohort's channel when the course shares them, else
    their private hand-in channel (the one recorded, or one made now), with them and the
    cohort's instructors in it."""
    if shared:
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
            if error.response.get("error") == "already_in_channel":
                continue  # invited meanwhile (the same form submitted twice at once)
            if person == people[0]:
                raise
            log.warning("could not invite an instructor to a hand-in channel: %s", error)
