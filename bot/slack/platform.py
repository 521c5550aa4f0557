"""Slack as the shared features see it (``bot.features.platform.Platform``).

A cohort's place is a channel; a week's post is a top-level message whose thread holds
the discussion; every post and DM carries its marker as message ``metadata``, found
again with ``conversations.history``. Slack has no scheduled events (the announcement's
**Add to calendar** gives an ``.ics``) and cannot lock threads (at the archive the bot
posts a closing notice; nothing it posts later counts, as the course has ended).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import access
from bot.access import Standing
from bot.clock import Clock, SystemClock
from bot.cohort import Cohort, Delivery, DeliveryState
from bot.dms import Outcome
from bot.errors import UserError
from bot.features.fanout import CannotLook, Messenger, send_dms
from bot.features.platform import (
    Buttons,
    Readers,
    Sent,
    instructor_notice,
    instructors_to_tell,
)
from bot.pacing import Pacer, PaceRule
from bot.participation import Learner
from bot.render import Post
from bot.slack import blocks
from bot.slack.directory import Directory
from bot.slack.ids import date_token, id_ts, ts_at, ts_id
from bot.store import Store
from bot.timetable import CohortSession
from bot.vocabulary import SLACK

log = logging.getLogger(__name__)

PLATFORM = "slack"
SKEW = timedelta(minutes=1)  # clock skew between us and Slack, when reading history
GONE = {"user_not_found", "user_disabled", "account_inactive"}  # the account is gone
CLOSED = {"cannot_dm_bot", "messages_tab_disabled", "not_allowed_token_type"}


def describe(error: BaseException) -> str | None:
    """What Slack's refusal means for an instructor, naming what to fix; None if not Slack's."""
    if not isinstance(error, SlackApiError):
        return None
    status = error.response.status_code
    code = error.response.get("error", "error")
    if status == 429:
        return "Slack is rate-limiting me (HTTP 429)"
    if status >= 500:
        return f"Slack had a server error (HTTP {status})"
    if code == "not_in_channel":
        return "I am not in that channel: invite me there (`/invite @cohortbot`)"
    if code == "channel_not_found":
        return "Slack cannot find that channel (deleted, or private without me in it)"
    if code == "missing_scope":
        needed = error.response.get("needed", "?")
        return f"the app lacks the scope `{needed}`: add it (or reinstall from the manifest)"
    if code == "is_archived":
        return "that channel is archived: unarchive it or choose another"
    return f"Slack refused ({code})"


async def say(client: AsyncWebClient, channel: str, text: str, **first: Any) -> Any:
    """Post Discord-flavoured ``text`` in ``channel`` within Slack's limits
    (``blocks.pieces``): the first piece with ``first`` (``metadata``, ``thread_ts``, …),
    the rest after it in the same place, as Discord's follow-ups. ``keep``: as for
    ``blocks.mrkdwn``. The first message's answer (its ``ts``)."""
    keep = first.pop("keep", None)
    head, *rest = blocks.pieces(text, keep)
    answer = await client.chat_postMessage(channel=channel, text=head, **first)
    same_place = {k: v for k, v in first.items() if k in ("thread_ts", "unfurl_links")}
    for piece in rest:
        await client.chat_postMessage(channel=channel, text=piece, **same_place)
    return answer


class SlackErrors:
    def describe(self, error: BaseException) -> str | None:
        return describe(error)

    def relative(self, moment: datetime) -> str:
        return date_token(moment, f"{moment:%Y-%m-%d %H:%M} UTC")


class SlackPlatform(SlackErrors):
    words = SLACK  # a workspace, user groups, channels

    def __init__(
        self,
        client: AsyncWebClient,
        store: Store,
        team: str,
        bot_user: str,
        pace: float = 0.0,
        clock: Clock | None = None,
    ) -> None:
        self.client = client
        self.clock: Clock = clock or SystemClock()
        self.pace = pace  # seconds between two DMs of a fan-out
        # Slack's limits are per method and per channel; slack-sdk's retry handler honours a
        # 429's Retry-After, and ``pace`` spaces DMs. The shared bucket lets every DM through.
        self.pacer = Pacer(PaceRule(rate=1000.0, burst=1000))
        self.store = store
        self.team = team
        self.bot_user = bot_user
        # users.info and group members, remembered a short while (``bot.slack.directory``).
        self.directory = Directory(client, self.clock)

    # -- ids ---------------------------------------------------------------------------

    async def number(self, slack_id: str) -> int:
        """The store's integer for a Slack id of this workspace."""
        return await self.store.external.surrogate(PLATFORM, f"{self.team}/{slack_id}")

    async def known_number(self, slack_id: str) -> int | None:
        """The store's integer for a Slack id if it has one (no new row for a stranger)."""
        return await self.store.external.known(PLATFORM, f"{self.team}/{slack_id}")

    async def slack_id(self, number: int) -> str:
        external = await self.store.external.external(number)
        if external is None:
            raise UserError(f"no Slack id is known for {number}")
        return external.partition("/")[2]

    # -- posts -------------------------------------------------------------------------

    async def publish(
        self,
        place_id: int,
        post: Post,
        marker: str,
        *,
        week: int | None = None,
        buttons: Buttons | None = None,
    ) -> Sent:
        channel = await self.slack_id(place_id)
        answer = await self.client.chat_postMessage(
            channel=channel,
            text=blocks.mrkdwn(post.title),
            blocks=blocks.post_blocks(post, buttons),
            metadata=blocks.metadata(marker),
            unfurl_links=False,
        )
        ts = answer["ts"]
        for more in post.more:  # follow-ups in the post's thread
            await say(self.client, channel, more, thread_ts=ts)
        message_id = ts_id(ts, channel)
        return Sent(place_id, message_id, thread_id=message_id if week is not None else None)

    async def find_published(self, place_id: int, marker: str, since: datetime) -> Sent | None:
        channel = await self.slack_id(place_id)
        found = await self.find_marked(channel, marker, since)
        if found is None:
            return None
        message_id = ts_id(found["ts"], channel)
        thread = message_id if marker.split(" · ")[-1].startswith("module:") else None
        return Sent(place_id, message_id, thread_id=thread)

    async def rewrite(
        self, sent: Sent, post: Post, marker: str, *, buttons: Buttons | None = None
    ) -> None:
        if sent.channel_id is None or sent.message_id is None:
            return
        await self.client.chat_update(
            channel=await self.slack_id(sent.channel_id),
            ts=id_ts(sent.message_id),
            text=blocks.mrkdwn(post.title),
            blocks=blocks.post_blocks(post, buttons),
            metadata=blocks.metadata(marker),
        )

    async def reply(
        self,
        cohort: Cohort,
        sent: Sent,
        text: Callable[[Readers], str],
        *,
        buttons: Buttons | None = None,
    ) -> str | None:
        """In the message's thread. A public channel is readable by the whole workspace; a
        private one only by its members (the cohort's, as the bot's channels are)."""
        if sent.channel_id is None or sent.message_id is None:
            return None
        channel = await self.slack_id(sent.channel_id)
        info = (await self.client.conversations_info(channel=channel))["channel"]
        said = blocks.mrkdwn(text(Readers(everyone=not info.get("is_private"), learners=True)))
        extra: dict[str, Any] = {}
        if buttons is not None:
            section = {"type": "section", "text": {"type": "mrkdwn", "text": said}}
            extra["blocks"] = [section, blocks.action_block(buttons)]
        answer = await self.client.chat_postMessage(
            channel=channel, thread_ts=id_ts(sent.message_id), text=said, **extra
        )
        return await self.link(cohort, sent.channel_id, ts_id(answer["ts"], channel))

    async def find_marked(
        self, channel: str, marker: str, since: datetime
    ) -> dict[str, Any] | None:
        """The bot's message in ``channel`` carrying ``marker``, posted after ``since``; another
        app's message with the same metadata (copied or forged) is not the bot's post."""
        cursor = None
        while True:
            page = await self.client.conversations_history(
                channel=channel,
                oldest=ts_at(since - SKEW),
                include_all_metadata=True,
                limit=200,
                cursor=cursor,
            )
            for message in page["messages"]:
                ours = message.get("bot_id") and message.get("user") == self.bot_user
                if ours and blocks.carries(message, marker):
                    return dict(message)
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None

    async def tell_instructors(self, cohort: Cohort, text: str, *, once: str | None = None) -> None:
        """Private word to the cohort's instructor: a DM to whoever created the cohort while
        they may still run it (it names learners); once they may not, to the members of the
        cohort's instructor user group instead.

        With ``once`` (a key), sent once per key through the shared fan-out (claimed,
        marked, looked for after a crash), and a failure raises so the delivery retries.
        """
        log.debug("telling the instructor of cohort %s: %s", cohort.id, text.splitlines()[0])
        content = instructor_notice(cohort, text)
        told = await self._instructors_to_tell(cohort)
        if not told:
            log.warning("cohort %s has no instructor here to tell", cohort.id)
            return
        if once is not None:
            messenger = SlackMessenger(self, lambda _: content)
            await send_dms(
                self.store, self.clock, cohort.id, once, told, messenger, pacer=self.pacer
            )
            return
        for person in told:
            try:
                dm = await self.client.conversations_open(users=await self.slack_id(person.user_id))
                await say(self.client, dm["channel"]["id"], content)
            except (SlackApiError, UserError):
                log.warning("could not DM an instructor of cohort %s", cohort.id)

    async def _instructors_to_tell(self, cohort: Cohort) -> list[Learner]:
        """The creator while they may run the cohort; else its instructor group's members."""
        may_run = await self._may_run(await self.slack_id(cohort.created_by), cohort)

        async def group_members() -> list[Learner]:
            group = cohort.instructor_role_id
            users = await self.members(group) if group else []
            return [Learner(await self.number(u), "") for u in users if u != self.bot_user]

        return await instructors_to_tell(
            cohort, Learner(cohort.created_by, ""), may_run, group_members
        )

    async def _may_run(self, user: str, cohort: Cohort) -> bool:
        try:
            if (await self.directory.user(user)).get("deleted"):
                return False
            return await self.is_instructor(user, cohort)
        except SlackApiError as error:
            if error.response.get("error") in GONE:
                return False
            raise

    # -- people ------------------------------------------------------------------------

    async def name(self, user: str) -> str:
        info = await self.directory.user(user)
        profile = info.get("profile") or {}
        return str(profile.get("display_name") or info.get("real_name") or info.get("name") or user)

    async def members(self, group: int) -> list[str]:
        """A user group's members; none once an admin has deleted it (the cohort goes on)."""
        try:
            return list(await self.directory.members(await self.slack_id(group)))
        except SlackApiError as error:
            if error.response.get("error") != "no_such_subteam":
                raise
            log.warning("user group %s is gone (no_such_subteam): taken as empty", group)
            return []

    async def is_staff(self, user: str) -> bool:
        """A workspace admin or owner, or in the staff user group set with /setup staff."""
        info = await self.directory.user(user)
        if info.get("is_admin") or info.get("is_owner"):
            return True
        group = await self.store.guilds.staff_role(await self.number(self.team))
        if group is None:
            return False
        return user in await self.members(group)

    async def standing(self, user: str, cohort: Cohort | None = None) -> Standing:
        """What the shared rules (``bot.access``) need: admin or owner, and which of the staff
        group and the cohort's instructor group the user is in (only those are asked)."""
        info = await self.directory.user(user)
        groups = [await self.store.guilds.staff_role(await self.number(self.team))]
        if cohort is not None:
            groups.append(cohort.instructor_role_id)
        held = set()
        for group in groups:
            if group is None or group in held:
                continue
            if user in await self.members(group):
                held.add(group)
        return Standing(frozenset(held), bool(info.get("is_admin") or info.get("is_owner")))

    async def is_instructor(self, user: str, cohort: Cohort) -> bool:
        """Course staff, or in the cohort's instructor user group (set at ``/cohort create``)."""
        staff = await self.store.guilds.staff_role(await self.number(self.team))
        who = await self.standing(user, cohort)
        return access.is_instructor(who, cohort.instructor_role_id, staff)

    async def learner_ids(self, cohort: Cohort) -> list[str]:
        """The learner user group's members; without one, the channel's members less staff."""
        if cohort.learner_role_id:
            users = await self.members(cohort.learner_role_id)
        else:
            users = await self.channel_members(await self.slack_id(cohort.channel_id))
        return [u for u in users if u != self.bot_user and not await self.is_instructor(u, cohort)]

    async def channel_members(self, channel: str) -> list[str]:
        """Everyone in a channel (``conversations.members``, page by page)."""
        users: list[str] = []
        cursor = None
        while True:
            page = await self.client.conversations_members(channel=channel, cursor=cursor)
            users += page["members"]
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return users

    async def learners(self, cohort: Cohort) -> list[Learner]:
        return [
            Learner(await self.number(user), await self.name(user), f"<@{user}>")
            for user in await self.learner_ids(cohort)
        ]

    async def people(self, cohort: Cohort, user_ids: list[int]) -> list[Learner]:
        found = []
        for number in user_ids:
            user = await self.slack_id(number)
            try:
                found.append(Learner(number, await self.name(user), f"<@{user}>"))
            except SlackApiError:
                continue  # no longer in the workspace
        return found

    def messenger(self, cohort: Cohort, text: Callable[[Learner], str]) -> Messenger[Learner]:
        return SlackMessenger(self, text)

    # -- what Slack lacks --------------------------------------------------------------

    async def sessions_planned(self, cohort: Cohort, sessions: list[CohortSession]) -> None:
        """Slack has no scheduled events: the announcement's Add to calendar stands in."""

    async def hand_ins_closed(self, cohort: Cohort) -> None:
        """Each week post's **Submit assignment** becomes a "Hand-ins closed" line. Best
        effort: a post that cannot be edited keeps its button, which then says so."""
        for delivery in await self.store.deliveries.for_cohort(cohort.id):
            if not delivery.key.startswith("module:") or delivery.state != DeliveryState.DONE:
                continue
            if delivery.channel_id is None or delivery.message_id is None:
                continue
            try:
                await self._close_submit(delivery.channel_id, delivery.message_id, delivery)
            except SlackApiError as error:
                log.warning(
                    "could not close hand-ins on %s: %s", delivery.marker(), describe(error)
                )

    async def _close_submit(self, place_id: int, message_id: int, delivery: Delivery) -> None:
        channel, ts = await self.slack_id(place_id), id_ts(message_id)
        page = await self.client.conversations_history(
            channel=channel, latest=ts, inclusive=True, limit=1, include_all_metadata=True
        )
        found = [m for m in page["messages"] if m.get("ts") == ts]
        if not found or not blocks.has_action(found[0], "cohortbot_submit"):
            return
        await self.client.chat_update(
            channel=channel,
            ts=ts,
            text=found[0].get("text") or "",
            blocks=blocks.hand_ins_closed(found[0]["blocks"]),
            metadata=blocks.metadata(delivery.marker()),
        )

    async def archive(self, cohort: Cohort, now: datetime) -> str:
        """Slack cannot lock threads: a closing notice in the channel says it is over. The
        learners' private hand-in channels (the bot made them) are archived, read-only."""
        channel = await self.slack_id(cohort.channel_id)
        marker = f"{cohort.marker} · closed"
        # Posted, then recorded: after a crash between the two the notice is there already.
        since = datetime.combine(cohort.start, time(), UTC)
        if await self.find_marked(channel, marker, since) is None:
            await say(
                self.client,
                channel,
                f"{cohort.name} has ended: thank you all. The threads stay here to read.",
                metadata=blocks.metadata(marker),
            )
        archived = 0
        for place in await self.store.assignments.threads(cohort.id):
            try:
                await self.client.conversations_archive(channel=await self.slack_id(place))
                archived += 1
            except SlackApiError as error:
                if error.response.get("error") == "already_archived":
                    archived += 1
                else:
                    log.warning("could not archive a hand-in channel: %s", describe(error))
        note = "closing notice posted (Slack cannot lock threads)"
        if archived:
            note += f"; {archived} hand-in channel{'s' if archived != 1 else ''} archived"
        return note

    async def link(self, cohort: Cohort, channel_id: int | None, message_id: int | None) -> str:
        channel = await self.slack_id(channel_id or cohort.channel_id)
        if message_id is None:
            return f"<#{channel}>"
        return f"https://slack.com/archives/{channel}/p{id_ts(message_id).replace('.', '')}"

    async def mention(self, place_id: int) -> str:
        return f"<#{await self.slack_id(place_id)}>"


class SlackMessenger:
    """DMs through ``conversations.open``, each carrying its fan-out's marker as metadata."""

    def __init__(self, platform: SlackPlatform, text: Callable[[Learner], str]) -> None:
        self._platform = platform
        self._text = text
        self._sent = 0

    def id_of(self, person: Learner) -> int:
        return person.user_id

    def cost(self, person: Learner) -> int:
        return 2  # conversations.open, then chat.postMessage

    async def _dm(self, person: Learner) -> str:
        user = await self._platform.slack_id(person.user_id)
        opened = await self._platform.client.conversations_open(users=user)
        return str(opened["channel"]["id"])

    async def send(self, person: Learner, tag: str) -> Outcome:
        if self._sent and self._platform.pace:
            # Paced under Slack's rate limits; a 429 is still honoured by the retry handler.
            await asyncio.sleep(self._platform.pace)
        self._sent += 1
        try:
            await self._post(await self._dm(person), person, tag)
        except SlackApiError as error:
            code = error.response.get("error")
            if code in GONE:
                return Outcome.FAILED
            if code in CLOSED:
                return Outcome.DMS_CLOSED
            raise
        return Outcome.SENT

    async def _post(self, channel: str, person: Learner, tag: str) -> None:
        """The DM itself, marked with ``tag`` (a subclass may send more)."""
        await say(self._platform.client, channel, self._text(person), metadata=blocks.metadata(tag))

    async def find(self, person: Learner, tag: str, since: datetime) -> bool:
        try:
            channel = await self._dm(person)
            return await self._platform.find_marked(channel, tag, since) is not None
        except SlackApiError as error:
            if error.response.get("error") in GONE:
                return False
            raise CannotLook(str(error)) from error
