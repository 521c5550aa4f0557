"""The Slack app: slack-bolt's ``AsyncApp`` over Socket Mode, on the shared store and features.

``SlackBot`` owns its Web API client (pointed at ``SLACK_API_BASE``; slack-sdk's retry
handlers honour 429 ``Retry-After`` and retry server errors), its delivery runner (the
shared one, for Slack's cohorts only), the tracker and the wake-ups. Listeners live in
``bot.slack.commands``; every event is scrubbed of what people wrote before any of them
runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from functools import partial
from pathlib import Path
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.catalog import default_prompts_dir
from bot.clock import Clock, SystemClock
from bot.cohort import Cohort, PlatformName
from bot.features.course_files import Courses
from bot.features.deliveries import DeliveryRunner
from bot.features.modules import ModulePosts
from bot.features.participation import ParticipationFeature
from bot.features.scheduler import WakeUps
from bot.features.sessions import SessionDeliveries
from bot.library import CourseLibrary
from bot.settings import SlackSettings
from bot.slack.platform import SlackPlatform
from bot.slack.tracking import SlackTracker, scrub
from bot.store import Store

log = logging.getLogger(__name__)
DEFAULT_API_BASE = "https://slack.com/api/"
ACK_WITHIN = 2.0  # seconds a command may take before its ack; Slack gives up after 3
ANOTHER_WORKSPACE = "This came from a workspace I do not serve here, so nothing was done."
DM_PACE = 0.2  # seconds between a fan-out's DMs: five a second, well inside Slack's limits


class _TokenInClient(logging.Filter):
    """Drops slack-bolt's "As you gave `client` as well, `token` will be unused": it reads
    SLACK_BOT_TOKEN from the environment (where .env puts it) although the bot hands it its
    own client, which carries that very token; the warning only alarms a self-hoster."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def _quiet_token_warning() -> None:
    bolt = logging.getLogger("slack_bolt.AsyncApp")
    if not any(isinstance(f, _TokenInClient) for f in bolt.filters):
        bolt.addFilter(_TokenInClient())


def web_client(settings: SlackSettings) -> AsyncWebClient:
    base = (settings.api_base or DEFAULT_API_BASE).rstrip("/") + "/"
    return AsyncWebClient(
        token=settings.bot_token,
        base_url=base,
        retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )


class SlackBot:
    def __init__(
        self,
        settings: SlackSettings,
        *,
        database: Path | str,
        prompts_dir: Path | None = None,
        clock: Clock | None = None,
        scheduled: bool = True,
        dm_pace: float = DM_PACE,
        beside: WakeUps | None = None,
        courses: Courses | None = None,
        ack_within: float = ACK_WITHIN,
    ) -> None:
        self.dm_pace = dm_pace
        self.ack_within = ack_within
        self._later: set[asyncio.Task[None]] = set()
        self.socket_sessions = 0  # Socket Mode connections made (each begins with hello)
        self.settings = settings
        self.database = database
        self.clock: Clock = clock or SystemClock()
        # The course files, shared with the Discord bot when one process runs both.
        self.courses = courses or Courses(CourseLibrary(prompts_dir or default_prompts_dir()))
        self.library = self.courses.library
        self.client = web_client(settings)
        _quiet_token_warning()
        self.app = AsyncApp(client=self.client, process_before_response=True)
        self.scheduled = scheduled  # tests call run_due themselves
        # One scheduler in a process that runs both platforms: the Discord bot's, with
        # Slack's jobs beside its own.
        self.wakeups = (
            beside.beside(self._wake, "slack") if beside else WakeUps(self.clock, self._wake)
        )
        self._handler: AsyncSocketModeHandler | None = None
        self._store: Store | None = None
        self._platform: SlackPlatform | None = None
        self._runner: DeliveryRunner | None = None
        self._tracker: SlackTracker | None = None

    @property
    def store(self) -> Store:
        assert self._store is not None, "the store opens in start()"
        return self._store

    @property
    def platform(self) -> SlackPlatform:
        assert self._platform is not None, "the platform is built in start()"
        return self._platform

    @property
    def deliveries(self) -> DeliveryRunner:
        assert self._runner is not None, "the runner is built in start()"
        return self._runner

    @property
    def tracker(self) -> SlackTracker:
        assert self._tracker is not None, "the tracker is built in start()"
        return self._tracker

    async def start(self) -> None:
        """Open the store, learn who we are, connect over Socket Mode, catch up, schedule."""
        from bot.slack.commands import register  # listeners need the running bot
        from bot.slack.sessions import follow_course_files

        self._store = await Store.open(self.database)
        for problem in self.courses.load():
            log.warning("course file problem: %s", problem)
        auth = await self.client.auth_test()
        self._platform = SlackPlatform(
            self.client,
            self.store,
            auth["team_id"],
            auth["user_id"],
            pace=self.dm_pace,
            clock=self.clock,
        )
        self._runner = DeliveryRunner(
            self.store,
            self.clock,
            self.library,
            ready=self._ready,
            report=self.platform.tell_instructors,
            rebuild=self.reschedule,
            errors=self.platform,
            log=logging.getLogger("bot.slack.deliveries"),
            platform=PlatformName.SLACK,
        )
        ModulePosts(self.platform, self.store, self.library).register(self._runner)
        SessionDeliveries(self.platform, self.store, self.clock).register(self._runner)
        ParticipationFeature(
            self.platform, self.store, self.library, self.clock, self._flush
        ).register(self._runner)
        from bot.slack.certificates import issuing

        issuing(self).register(self._runner)
        self._tracker = SlackTracker(self.platform, self.store, self.library, self.clock)
        self.app.middleware(self._scrub)
        self.app.middleware(self._this_workspace)
        register(self)
        self.courses.follow(PlatformName.SLACK, partial(follow_course_files, self))
        # Who is staff, an instructor, a learner: remembered briefly, dropped when Slack says.
        self.app.event("user_change")(self._people_changed)
        self.app.event("subteam_members_changed")(self._people_changed)
        self._handler = AsyncSocketModeHandler(self.app, self.settings.app_token)
        self._handler.client.message_listeners.append(self._socket_message)
        await self._handler.connect_async()
        await self.tracker.follow()
        counted = await self.tracker.catch_up()
        log.info(
            "Slack: connected to workspace %s; caught up %d messages", auth["team_id"], counted
        )
        await self.reschedule()
        if self.scheduled:
            self.wakeups.start()

    async def cohort_here(self, cohort_id: int) -> Cohort | None:
        """The cohort a button or form names, if it is one of this workspace's: its ``value``
        or ``private_metadata`` is the app's own, but nothing Slack signs says so."""
        cohort = await self.store.cohorts.get(cohort_id)
        if cohort is None or cohort.platform != PlatformName.SLACK:
            return None
        team = await self.platform.known_number(self.platform.team)
        return cohort if cohort.guild_id == team else None

    async def _scrub(self, body: dict[str, Any], next: Any) -> Any:
        """Text is dropped at the edge, before any listener (or log line) sees it."""
        event = body.get("event")
        if isinstance(event, dict):
            scrub(event)
        return await next()

    async def _this_workspace(
        self, context: AsyncBoltContext, body: dict[str, Any], next: Any
    ) -> Any:
        """Only this workspace's payloads are acted on. Another workspace's (an app installed
        in several, whose Socket Mode connections Slack shares out) would else be read as
        this one's: its people's ids taken for ours, its commands run on our cohorts."""
        teams = {context.team_id, context.enterprise_id} - {None}
        if not teams or self.platform.team in teams:
            return await next()
        log.warning(
            "a %s from workspace %s, not this one (%s): nothing done",
            body.get("type") or "command",
            context.team_id,
            self.platform.team,
        )
        if body.get("command"):  # said to the person, who would else see Slack's timeout
            return BoltResponse(status=200, body=ANOTHER_WORKSPACE)
        return BoltResponse(status=200, body="")

    async def _socket_message(self, client: Any, message: dict[str, Any], raw: Any) -> None:
        """Each new Socket Mode connection says ``hello``. After the first (the start, which
        catches up itself), events written while the connection was lost may never come
        (Slack gives up redelivering): the history is read again, as after a restart."""
        if message.get("type") != "hello":
            return
        self.socket_sessions += 1
        if self.socket_sessions > 1 and self._tracker is not None:
            self.later(self._catch_up_again())

    async def _catch_up_again(self) -> None:
        try:
            counted = await self.tracker.catch_up()
        except Exception:
            log.exception("Slack: catching up after a reconnect failed (the next start will)")
            return
        log.info("Slack: reconnected; caught up %d messages", counted)

    async def _people_changed(self, event: dict[str, Any]) -> None:
        """Someone's standing or a user group changed: forget what was remembered of it, and
        who each cohort's learners are (a learner added to the group hands in at once)."""
        if event.get("type") == "user_change":
            await self.platform.directory.on_user_change(event)
        else:
            await self.platform.directory.on_subteam_members_changed(event)
        self.tracker.forget_learners()

    async def _ready(self) -> None:
        return None

    async def _flush(self) -> None:
        return None  # the Slack tracker writes each message as it comes

    async def _wake(self) -> None:
        await self.deliveries.run_due()

    async def reschedule(self) -> None:
        """Rebuild the wake-ups from the database (the truth); follow new cohorts."""
        self.wakeups.replace_all(await self.deliveries.wakeups())
        if self._tracker is not None:
            await self._tracker.follow()

    def later(self, work: Coroutine[Any, Any, None]) -> None:
        """Finish ``work`` after the ack has gone (a command that takes longer than Slack waits)."""
        task = asyncio.create_task(work)
        self._later.add(task)
        task.add_done_callback(self._later.discard)

    async def settle(self) -> None:
        """Wait for the work ``later`` took on (tests; and a clean close)."""
        while self._later:
            await asyncio.gather(*self._later, return_exceptions=True)

    async def close(self) -> None:
        await self.settle()
        self.wakeups.shutdown()
        if self._handler is not None:
            await self._handler.close_async()
            self._handler = None
        store, self._store = self._store, None
        if store is not None:
            await store.close()
