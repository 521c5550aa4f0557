"""Counting participation from Slack's message events, and catching up after downtime.

Slack sends every message's text; it is dropped at the edge (``scrub``, the app's first
middleware) and never stored or logged. A message is known by who wrote it, where
(the channel, or the thread of a top-level message) and when (its ``ts``, as an id of
the snowflake layout: ``bot.slack.ids``). The rules are the core's (``bot.tracking``):
learners only; a reply in someone else's thread is a reply, anything else an original
post; deletes uncount; edits don't count again; bots and staff never count.

After a start, ``catch_up`` reads ``conversations.history`` (and each thread's
``conversations.replies`` after its cursor) for every followed cohort; rows are
idempotent by message id, so a message seen live and again is one row.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock
from bot.cohort import Cohort, PlatformName
from bot.library import CourseLibrary
from bot.slack.ids import id_ts, ts_at, ts_id
from bot.slack.platform import SlackPlatform
from bot.store import Store
from bot.tracking import ActivityBatch, Followed, MessageFacts, count, followed_channels

log = logging.getLogger(__name__)

CONTENT_KEYS = ("text", "blocks", "attachments", "files", "message", "previous_message", "title")
COUNTED_SUBTYPES = (None, "file_share", "thread_broadcast")
LEARNERS_FRESH = timedelta(minutes=2)  # as long as bot/slack/directory.py remembers people


def scrub(event: dict[str, Any]) -> None:
    """Drop what anyone wrote from an event, keeping only ids and times (in place)."""
    inner = event.get("message")
    if isinstance(inner, dict):  # an edit: keep what says whose message it is, no text
        event["edited_ts"] = inner.get("ts")
    for key in CONTENT_KEYS:
        event.pop(key, None)


class SlackTracker:
    def __init__(
        self, platform: SlackPlatform, store: Store, library: CourseLibrary, clock: Clock
    ) -> None:
        self.platform = platform
        self.store = store
        self.library = library
        self.clock = clock
        self._followed: dict[str, tuple[Cohort, Followed]] = {}  # by Slack channel id
        self._learners: dict[int, tuple[datetime, set[int]]] = {}

    async def follow(self) -> None:
        """Follow the running Slack cohorts (after a start and whenever cohorts change)."""
        cohorts = [
            (c, self.library.get(c.course_id))
            for c in await self.store.cohorts.all()
            if c.platform == PlatformName.SLACK and c.course_id in self.library.ids()
        ]
        followed = followed_channels(cohorts)
        by_id = {c.id: c for c, _ in cohorts}
        self._followed = {
            await self.platform.slack_id(number): (by_id[f.cohort_id], f)
            for number, f in followed.items()
        }

    async def learner(self, cohort: Cohort, user: str) -> int | None:
        """The store's number for ``user`` if they are one of the cohort's learners, else None
        (no row is made for a stranger: the learners' own numbers are made first)."""
        learners = await self.learners(cohort)
        number = await self.platform.known_number(user)
        return number if number in learners else None

    def forget_learners(self) -> None:
        """Who the learners are is read again (Slack said a user or a user group changed)."""
        self._learners.clear()

    async def learners(self, cohort: Cohort) -> set[int]:
        now = self.clock.now()
        cached = self._learners.get(cohort.id)
        if cached is None or now - cached[0] > LEARNERS_FRESH:
            ids = {x.user_id for x in await self.platform.learners(cohort)}
            cached = (now, ids)
            self._learners[cohort.id] = cached
        return cached[1]

    async def facts(
        self, cohort: Cohort, channel: str, message: dict[str, Any]
    ) -> MessageFacts | None:
        if message.get("bot_id") or message.get("subtype") not in COUNTED_SUBTYPES:
            return None
        user = message.get("user")
        if not user:
            return None
        author = await self.platform.number(user)
        thread = str(message.get("thread_ts") or message["ts"])
        in_thread = thread != message["ts"]
        owner = message.get("parent_user_id") if in_thread else None
        return MessageFacts(
            message_id=ts_id(message["ts"], channel),
            author_id=author,
            author_is_learner=author in await self.learners(cohort),
            channel_id=ts_id(thread, channel) if in_thread else cohort.channel_id,
            thread_owner_id=await self.platform.number(owner) if owner else None,
            replied_to_author_id=None,
        )

    async def on_message(self, event: dict[str, Any]) -> None:
        followed = self._followed.get(event.get("channel", ""))
        if followed is None:
            return
        cohort, rules = followed
        batch = ActivityBatch()
        if event.get("subtype") == "message_deleted":
            batch.deleted_messages.add(ts_id(event["deleted_ts"], event["channel"]))
        elif event.get("subtype") == "message_changed":
            return  # an edit is not a new message
        else:
            facts = await self.facts(cohort, event["channel"], event)
            if facts is None or not count(facts, rules, batch):
                return
        await self.store.activity.apply(batch)

    async def catch_up(self) -> int:
        """Count what was written while the bot was down; how many messages counted."""
        counted = 0
        now = self.clock.now()
        for channel, (cohort, rules) in self._followed.items():
            if not rules.worth_catching_up(now):
                continue
            self._learners.pop(cohort.id, None)
            cursors = await self.store.activity.cursors(cohort.id)
            batch = ActivityBatch()
            counted += await self._read(channel, cohort, rules, cursors, batch)
            await self.store.activity.apply(batch)
        return counted

    async def _read(
        self,
        channel: str,
        cohort: Cohort,
        rules: Followed,
        cursors: dict[int, int],
        batch: ActivityBatch,
    ) -> int:
        counted = 0
        top_cursor = cursors.get(cohort.channel_id, 0)
        newest = top_cursor
        cursor = None
        while True:
            page = await self.platform.client.conversations_history(
                channel=channel, oldest=ts_at(rules.counts_from), limit=200, cursor=cursor
            )
            for message in page["messages"]:
                scrub(message)
                message_id = ts_id(message["ts"], channel)
                if message_id > top_cursor:
                    facts = await self.facts(cohort, channel, message)
                    counted += bool(facts and count(facts, rules, batch))
                    newest = max(newest, message_id)
                if message.get("reply_count"):
                    counted += await self._thread(channel, cohort, rules, message, cursors, batch)
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        if newest:
            batch.cursors[cohort.channel_id] = (cohort.id, newest)
        return counted

    async def _thread(
        self,
        channel: str,
        cohort: Cohort,
        rules: Followed,
        parent: dict[str, Any],
        cursors: dict[int, int],
        batch: ActivityBatch,
    ) -> int:
        place = ts_id(parent["ts"], channel)
        after = cursors.get(place)
        latest = parent.get("latest_reply")
        if after is not None and latest is not None and ts_id(latest, channel) <= after:
            return 0  # nothing new in this thread
        counted, newest, cursor = 0, after or 0, None
        while True:
            page = await self.platform.client.conversations_replies(
                channel=channel,
                ts=parent["ts"],
                oldest=id_ts(after) if after else parent["ts"],
                limit=200,
                cursor=cursor,
            )
            for message in page["messages"]:
                scrub(message)
                if message["ts"] == parent["ts"]:
                    continue  # the parent comes first on every page
                message["parent_user_id"] = parent.get("user")
                facts = await self.facts(cohort, channel, message)
                counted += bool(facts and count(facts, rules, batch))
                newest = max(newest, ts_id(message["ts"], channel))
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        if newest:
            batch.cursors[place] = (cohort.id, newest)
        return counted
