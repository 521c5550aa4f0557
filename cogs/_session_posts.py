"""The session posts the timetable delivers (announcement, reminders, "starting now"),
the DMs that go with them, and corrections to an announcement already posted."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot import sessions as words
from bot.app.deliveries import Job, Sent
from bot.app.fanout import FanoutResult, send_dms
from bot.app.posting import channel_named, embed_for, fetched_place, find_published, publish
from bot.cohort import Cohort, Delivery
from bot.render import Post
from bot.timetable import CohortSession, ItemKind
from cogs._session_buttons import buttons, session_of
from cogs._session_events import sync_events

if TYPE_CHECKING:
    from bot.app.client import CohortBot

log = logging.getLogger(__name__)

Place = discord.TextChannel | discord.Thread


class SessionPosts:
    """Registers the delivery handlers for session items; the cog and its helpers share it."""

    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        bot.deliveries.handle(ItemKind.ANNOUNCE, self.announce, self.find_in_announcements)
        bot.deliveries.handle(ItemKind.REMINDER, self.remind, self.find_in_announcements)
        bot.deliveries.handle(ItemKind.STARTING, self.start, self.find_in_announcements)

    async def announcements(self, cohort: Cohort) -> discord.abc.GuildChannel | discord.Thread:
        """Where session posts go: the announcements channel, else the cohort's forum."""
        return await channel_named(self.bot, cohort.announcements_channel_id or cohort.channel_id)

    async def job_session(self, job: Job) -> CohortSession:
        assert job.delivery.session is not None
        return (await session_of(self.bot, job.cohort.id, job.delivery.session))[1]

    async def find_in_announcements(self, job: Job) -> Sent | None:
        assert job.delivery.claimed_at is not None
        channel = await self.announcements(job.cohort)
        return await find_published(channel, job.delivery.marker(), job.delivery.claimed_at)

    async def announce(self, job: Job) -> Sent:
        session = await self.job_session(job)
        sent = await publish(
            await self.announcements(job.cohort),
            words.announcement(session),
            job.delivery.marker(),
            view=buttons(job.cohort.id, session.key, "remind", "ics"),
        )
        await sync_events(self.bot, job.cohort, [session])  # in case planning could not
        return sent

    async def remind(self, job: Job) -> Sent:
        """DMs first, then the public post, so every way of failing ends with both, once.

        A failure among the DMs (rate limit) raises before anything is posted, and
        the retry skips whoever was reached. A crash after the post is settled by
        ``find``, which records the post without running this again: safe only
        because no DM is owed by then.
        """
        session = await self.job_session(job)
        post = words.reminder(session, job.now)
        recipients = await self.reminder_recipients(job, session)
        result = await self.dm(job.cohort, job.delivery.key, recipients, post)
        if result.dms_closed:
            await self.bot.tell_instructors(
                job.cohort,
                f"reminder for {session.title}: {result.summary()}.",
                once=f"{job.delivery.key}:told",
            )
        channel = await self.announcements(job.cohort)
        sent = await publish(channel, post, job.delivery.marker())
        return Sent(sent.channel_id, sent.message_id, note=f"DMs: {result.summary()}")

    async def start(self, job: Job) -> Sent:
        session = await self.job_session(job)
        return await publish(
            await self.announcements(job.cohort),
            words.starting(session),
            job.delivery.marker(),
            view=buttons(job.cohort.id, session.key, "checkin"),
        )

    async def reminder_recipients(self, job: Job, session: CohortSession) -> list[discord.Member]:
        cohort = job.cohort
        guild = self.bot.get_guild(cohort.guild_id)
        role = guild.get_role(cohort.learner_role_id) if guild else None
        chosen = words.reminder_recipients(
            job.course.reminder_audience,
            [m.id for m in (role.members if role else [])],
            await self.bot.store.sessions.rsvps(cohort.id, session.key),
            await self.bot.store.participation.reminders_off(),
        )
        return self.members(cohort, chosen)

    def members(self, cohort: Cohort, user_ids: list[int]) -> list[discord.Member]:
        """The cohort's server members with these ids (someone who left is skipped)."""
        guild = self.bot.get_guild(cohort.guild_id)
        return [m for uid in user_ids if guild and (m := guild.get_member(uid))]

    async def dm(
        self, cohort: Cohort, key: str, members: list[discord.Member], post: Post
    ) -> FanoutResult:
        """Each member once per ``key``; closed DMs are counted, never named in public."""
        text = words.fit(f"**{post.title}** ({cohort.name})\n{post.body}")
        return await send_dms(
            self.bot.store,
            self.bot.clock,
            cohort.id,
            key,
            members,
            lambda _: {"content": text},
            pacer=self.bot.pacer,
        )

    async def notice(self, cohort: Cohort, post: Post, what: str) -> None:
        await publish(await self.announcements(cohort), post, f"{cohort.marker} · {what}")

    async def announcement_row(self, cohort: Cohort, session: CohortSession) -> Delivery | None:
        """The session's announcement, if it has been posted."""
        row = await self.bot.store.deliveries.get(cohort.id, f"announce:{session.key}")
        return row if row and row.channel_id and row.message_id else None

    async def update_announcement(self, cohort: Cohort, session: CohortSession, post: Post) -> bool:
        """Rewrite the posted announcement so scrolling up never shows a stale time.

        False when it was never posted (nothing to correct, nobody to tell).
        """
        row = await self.announcement_row(cohort, session)
        if row is None or row.channel_id is None or row.message_id is None:
            return False
        try:
            channel = await self.place(row.channel_id)
            if channel is not None:
                message = channel.get_partial_message(row.message_id)
                await message.edit(embed=embed_for(post, row.marker()))
        except discord.HTTPException as error:
            log.warning("could not update the announcement of %s: %s", session.key, error)
        return True

    async def place(self, channel_id: int) -> Place | None:
        """A channel or thread the bot posted in, fetched when not cached (an archived
        thread is not); None if it is gone or not a place to post."""
        return await fetched_place(self.bot, channel_id)
