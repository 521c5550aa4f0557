"""The Slack adapter under test: the real slack-bolt app on the stand-in, a clock we move.

``SlackWorld`` is the Slack twin of ``tests.helpers.World``: the stand-in workspace, the
``SlackBot`` that ``cohortbot run`` starts (pointed at the stand-in through
``SLACK_API_BASE``), its database and its clock. Deliveries run when a test says the
clock has moved (``advance_to``), never by sleeping.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.cohort import Cohort
from bot.settings import SlackSettings
from bot.slack.app import SlackBot
from tests.helpers import forget_it_was_sent
from tests.slack_standin import APP_TOKEN, BOT_TOKEN, Message, SlackStandin, standard_workspace

START = date(2026, 10, 13)
BEFORE = datetime(2026, 10, 12, tzinfo=UTC)
LIVE_1 = datetime(2026, 10, 21, 17, tzinfo=UTC)
WEEK_POSTS = [datetime(2026, 10, 13 + 7 * i, 16, tzinfo=UTC) for i in range(3)]  # 09:00 PDT


class ManualClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


@dataclass
class SlackWorld:
    slack: SlackStandin
    database: Path
    clock: ManualClock
    prompts: Path | None = None  # the course files' folder; None: the samples
    bot: SlackBot = field(init=False)

    def settings(self) -> SlackSettings:
        return SlackSettings(bot_token=BOT_TOKEN, app_token=APP_TOKEN, api_base=self.slack.api_base)

    async def start(self) -> SlackBot:
        self.bot = SlackBot(
            self.settings(),
            database=self.database,
            prompts_dir=self.prompts,
            clock=self.clock,
            scheduled=False,
            ack_within=60,  # a loaded test machine never answers "Working on it" by chance
            dm_pace=0,  # tests never sleep (test_a_fan_out_is_paced_between_dms checks the pace)
        )
        await self.bot.start()
        return self.bot

    async def restart(self) -> SlackBot:
        """A fresh process on the same database and workspace (the old one is gone)."""
        await self.bot.close()
        return await self.start()

    async def advance_to(self, instant: datetime) -> None:
        """Move the clock and let the runner do what is due (the scheduler would)."""
        self.clock.at = max(self.clock.at, instant)
        await self.bot.deliveries.run_due()

    def group(self, handle: str) -> str:
        return next(g for g, (h, _) in self.slack.workspace.usergroups.items() if h == handle)

    async def appoint_staff(self) -> None:
        """The admin makes the cohort-staff user group course staff (once)."""
        answer = await self.slack.person("admin").command(
            "/setup", f"staff {self.group('cohort-staff')}"
        )
        assert "staff" in answer["text"], answer

    async def create_cohort(
        self,
        name: str = "Fall 2026",
        *,
        by: str = "instructor",
        channel: str = "cohort",
        learners: str | None = "cohort-learners",
        start: date = START,
        instructors: str | None = None,
        course: str = "de-escalation",
    ) -> dict[str, Any]:
        """``/cohort create``, then the modal filled in and submitted; the ack's payload."""
        person = self.slack.person(by)
        await person.command("/cohort", "create")
        await self.bot.settle()  # a slow command opens its form after the ack
        view = self.slack.workspace.views[-1]["view"]
        conv = self.slack.workspace.channel_named(channel)
        values = {
            "course": {"value": {"type": "static_select", "selected_option": {"value": course}}},
            "name": {"value": {"type": "plain_text_input", "value": name}},
            "channel": {
                "value": {"type": "conversations_select", "selected_conversation": conv.id}
            },
            "learners": {
                "value": {
                    "type": "plain_text_input",
                    "value": self.group(learners) if learners else None,
                }
            },
            "instructors": {
                "value": {
                    "type": "plain_text_input",
                    "value": self.group(instructors) if instructors else None,
                }
            },
            "start": {"value": {"type": "datepicker", "selected_date": start.isoformat()}},
            "timezone": {"value": {"type": "plain_text_input", "value": None}},
        }
        return await person.submit(view, values)

    async def cohort(self, name: str = "Fall 2026") -> Cohort:
        team = await self.bot.platform.number(self.bot.platform.team)
        found = await self.bot.store.cohorts.by_name(team, name)
        assert found is not None
        return found

    def seen(self, mrkdwn: str) -> str:
        """The bot's mrkdwn as a reader sees it: entities read back (``shown``), and a
        person's mention ``<@U…>`` as ``@`` and their display name."""
        users = self.slack.workspace.users

        def name(found: re.Match[str]) -> str:
            user = users.get(found[1])
            if user is None:
                return found[0]
            return f"@{user.name if user.display_name is None else user.display_name}"

        return shown(re.sub(r"<@([UW][A-Z0-9]+)>", name, mrkdwn))

    def posts(self, channel: str = "cohort") -> list[Message]:
        return [m for m in self.slack.workspace.posted(channel) if m.thread_ts in (None, m.ts)]

    def titled(self, title: str, channel: str = "cohort") -> list[Message]:
        return [m for m in self.posts(channel) if m.text.startswith(title)]

    async def forget_it_was_sent(self, cohort_id: int, item_key: str) -> None:
        """As if the process had sent the item and died before recording it: still claimed."""
        await forget_it_was_sent(self.bot.store, cohort_id, item_key)


def shown(mrkdwn: str) -> str:
    """What Slack shows of the bot's mrkdwn, as far as escaping goes: its three entities read
    back (``&lt;cohort&gt;`` is seen as ``<cohort>``)."""
    return mrkdwn.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def write_while_down(
    slack: SlackStandin, who: str, text: str, channel: str = "cohort", parent: Message | None = None
) -> Message:
    """A message written while no app is connected: it is in the history, no event came."""
    ws = slack.workspace
    conv = ws.channel_named(channel)
    user = ws.user_named(who)
    if parent is None:
        message = Message(ws.next_ts(), user.id, text)
        conv.messages.append(message)
        return message
    message = Message(ws.next_ts(), user.id, text, thread_ts=parent.ts)
    parent.thread_ts = parent.ts
    parent.replies.append(message)
    return message


async def eventually(done: Callable[[], bool], within: float = 5.0) -> None:
    """Until ``done()``: for what the app does on its own after a socket event (no ack to
    await). Real time, briefly: the stand-in's socket is real; a failure guard only."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + within
    while not done():
        assert loop.time() < give_up, "it did not happen"
        await asyncio.sleep(0.01)


async def slack_world(tmp_path: Path, learners: int = 4) -> AsyncIterator[SlackWorld]:
    """The standard workspace (with ``learners`` learners) on the stand-in, the app started
    on a fresh database, the staff user group appointed (the ``sworld`` fixture)."""
    clock = ManualClock(BEFORE)
    workspace = standard_workspace(learners=learners, clock=lambda: clock.now().timestamp())
    async with SlackStandin(workspace) as slack:
        world = SlackWorld(slack, tmp_path / "cohortbot.sqlite3", clock)
        await world.start()
        try:  # a failed step closes the app too (its Socket Mode connection would hang on)
            await world.appoint_staff()
            yield world
        finally:
            await world.bot.close()
        # Every test checks Slack's limits for free: nothing refused as too big, no text past
        # the 4,000 characters Slack advises (tests/slack_standin/limits.py).
        assert [(r["via"], r["errors"]) for r in slack.refused] == []
        assert [(t["via"], len(t["text"]), t["text"][:80]) for t in slack.long_texts] == []


# -- steps several Slack test modules share --------------------------------------------------


async def snapshot(sworld: SlackWorld) -> tuple[object, ...]:
    db = sworld.bot.store.db
    tables = (
        "cohorts",
        "deliveries",
        "guild_staff",
        "external_ids",
        "submissions",
        "assignment_threads",
        "cohort_sessions",
        "excusals",
        "recordings",
        "certificates",
        "activity",
        "rsvps",  # what a press changes
        "attendance",
        "recording_views",
        "learner_prefs",
        "printed_names",
        "delivery_recipients",
    )
    rows = []
    for table in tables:
        async with db.execute(f"SELECT * FROM {table}") as cursor:
            rows.append(sorted(tuple(r) for r in await cursor.fetchall()))
    ws = sworld.slack.workspace
    posted = sum(len(c.messages) for c in ws.conversations.values())
    return (*map(tuple, rows), posted, len(ws.views), len(ws.files))


async def two_cohorts(sworld: SlackWorld) -> None:
    """Fall (in #cohort, taught by teacher_a) and Spring (in #spring, taught by teacher_b);
    neither teacher is course staff. The staff member creates both."""
    ws = sworld.slack.workspace
    a, b = ws.add_user("teacher_a"), ws.add_user("teacher_b")
    ws.add_usergroup("fall-instructors", [a])
    ws.add_usergroup("spring-instructors", [b])
    ws.channel_named("cohort").members.add(a.id)
    ws.add_channel("spring", [b, *[ws.user_named(f"learner{i}") for i in (1, 2)]])
    assert await sworld.create_cohort(instructors="fall-instructors") == {}
    created = await sworld.create_cohort(
        "Spring 2027", channel="spring", instructors="spring-instructors"
    )
    assert created == {}


async def announced(sworld: SlackWorld):
    await sworld.create_cohort()
    await sworld.advance_to(LIVE_1 - timedelta(days=1, hours=1))
    (announcement,) = [m for m in sworld.posts() if m.metadata and "announce:" in str(m.metadata)]
    return announcement
