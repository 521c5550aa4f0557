"""Discord as the shared features see it (``bot.features.platform.Platform``).

A cohort's place is a forum (or text channel); a week's post is a forum post (or a
message with a thread); buttons are persistent views; DMs go to server members.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord

from bot.app.archive import archive_cohort
from bot.app.deliveries import DiscordErrors
from bot.app.fanout import DiscordMessenger
from bot.app.permissions import POST_IN_THREAD, SEND_MESSAGES, require
from bot.app.posting import channel_named, embed_for, fetched_place, find_published, publish
from bot.cohort import Cohort
from bot.dms import Outcome
from bot.errors import NotFound
from bot.features.deliveries import Sent
from bot.features.fanout import Messenger
from bot.features.platform import Action, Buttons, Readers
from bot.participation import Learner
from bot.render import Post, jump_url
from bot.timetable import CohortSession
from bot.vocabulary import DISCORD
from cogs._assignment_buttons import close_hand_ins, submit_view
from cogs._session_buttons import buttons as session_view
from cogs._session_events import sync_events

if TYPE_CHECKING:
    from bot.app.client import CohortBot


def view_for(buttons: Buttons) -> discord.ui.View:
    if Action.SUBMIT in buttons.actions:
        assert buttons.week is not None
        return submit_view(buttons.cohort_id, buttons.week)
    assert buttons.session is not None
    return session_view(buttons.cohort_id, buttons.session, *buttons.actions)


def guild_of_cohort(bot: CohortBot, cohort: Cohort) -> discord.Guild:
    guild = bot.get_guild(cohort.guild_id)
    if guild is None:
        raise NotFound(f"I am no longer in the server of cohort {cohort.name}.")
    return guild


class MemberMessenger:
    """DMs to a cohort's learners, found as members of its server."""

    def __init__(self, bot: CohortBot, cohort: Cohort, text: Callable[[Learner], str]) -> None:
        self._guild = guild_of_cohort(bot, cohort)
        self._names: dict[int, Learner] = {}
        self._dm = DiscordMessenger(lambda user: {"content": text(self._names[user.id])})

    def id_of(self, person: Learner) -> int:
        return person.user_id

    def _member(self, person: Learner) -> discord.Member | None:
        self._names[person.user_id] = person
        return self._guild.get_member(person.user_id)

    def cost(self, person: Learner) -> int:
        member = self._member(person)
        return 1 if member is None else self._dm.cost(member)

    async def send(self, person: Learner, tag: str) -> Outcome:
        member = self._member(person)
        return Outcome.FAILED if member is None else await self._dm.send(member, tag)

    async def find(self, person: Learner, tag: str, since: datetime) -> bool:
        member = self._member(person)
        return member is not None and await self._dm.find(member, tag, since)


class DiscordPlatform(DiscordErrors):
    words = DISCORD  # servers, roles, forums: the words the shared texts always had

    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        self.pacer = bot.pacer  # one bucket for every fan-out of the bot

    async def publish(
        self,
        place_id: int,
        post: Post,
        marker: str,
        *,
        week: int | None = None,
        buttons: Buttons | None = None,
    ) -> Sent:
        channel = await channel_named(self.bot, place_id)
        tag = f"Week {week}" if week is not None else None
        view = view_for(buttons) if buttons is not None else None
        return await publish(channel, post, marker, tag=tag, view=view)

    async def find_published(self, place_id: int, marker: str, since: datetime) -> Sent | None:
        channel = await channel_named(self.bot, place_id)
        return await find_published(channel, marker, since)

    async def rewrite(
        self, sent: Sent, post: Post, marker: str, *, buttons: Buttons | None = None
    ) -> None:
        """Edit the message's embed and buttons; a place gone is nothing to rewrite."""
        if sent.channel_id is None or sent.message_id is None:
            return
        channel = await fetched_place(self.bot, sent.channel_id)
        if channel is not None:
            view = view_for(buttons) if buttons is not None else None
            message = channel.get_partial_message(sent.message_id)
            await message.edit(embed=embed_for(post, marker), view=view)

    async def reply(
        self,
        cohort: Cohort,
        sent: Sent,
        text: Callable[[Readers], str],
        *,
        buttons: Buttons | None = None,
    ) -> str | None:
        """A reply to the message, or in the thread it opened (not replied to: the thread
        is its discussion). The place is fetched when not cached: Discord drops a thread
        it auto-archived after a few quiet days from the bot's cache."""
        if sent.channel_id is None:
            return None
        channel = await fetched_place(self.bot, sent.channel_id)
        if channel is None:
            return None
        require(channel, POST_IN_THREAD if isinstance(channel, discord.Thread) else SEND_MESSAGES)
        guild = channel.guild
        learners = guild.get_role(cohort.learner_role_id)
        readers = Readers(
            everyone=channel.permissions_for(guild.default_role).view_channel,
            learners=learners is not None and channel.permissions_for(learners).view_channel,
        )
        extra: dict[str, Any] = {"view": view_for(buttons)} if buttons is not None else {}
        if sent.message_id is not None and sent.message_id != channel.id:
            under = channel.get_partial_message(sent.message_id)
            extra["reference"] = under.to_reference(fail_if_not_exists=False)
        await channel.send(text(readers), **extra)
        return channel.mention

    async def tell_instructors(self, cohort: Cohort, text: str, *, once: str | None = None) -> None:
        await self.bot.tell_instructors(cohort, text, once=once)

    async def learners(self, cohort: Cohort) -> list[Learner]:
        """The members holding the cohort's learner role, whether or not they ever wrote."""
        role = guild_of_cohort(self.bot, cohort).get_role(cohort.learner_role_id)
        members = role.members if role else []
        return [Learner(m.id, m.display_name, m.mention) for m in members if not m.bot]

    async def people(self, cohort: Cohort, user_ids: list[int]) -> list[Learner]:
        """The cohort's server members with these ids (someone who left is skipped)."""
        guild = self.bot.get_guild(cohort.guild_id)
        found = [m for uid in user_ids if guild and (m := guild.get_member(uid))]
        return [Learner(m.id, m.display_name, m.mention) for m in found]

    async def sessions_planned(self, cohort: Cohort, sessions: list[CohortSession]) -> None:
        await sync_events(self.bot, cohort, sessions)

    async def hand_ins_closed(self, cohort: Cohort) -> None:
        await close_hand_ins(self.bot, cohort)

    async def archive(self, cohort: Cohort, now: datetime) -> str:
        """Lock and archive every thread the cohort's posts opened."""
        closed = await archive_cohort(self.bot, self.bot.store, cohort, now)
        return f"archived {closed} threads"

    def messenger(self, cohort: Cohort, text: Callable[[Learner], str]) -> Messenger[Learner]:
        return MemberMessenger(self.bot, cohort, text)

    async def link(self, cohort: Cohort, channel_id: int | None, message_id: int | None) -> str:
        return jump_url(cohort.guild_id, channel_id or cohort.channel_id, message_id)

    async def mention(self, place_id: int) -> str:
        return f"<#{place_id}>"
