"""The bot: one ``commands.Bot`` subclass that owns the store, clock, courses and scheduler."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import discord
from discord.ext import commands

from bot.app import permissions
from bot.app.deliveries import DeliveryRunner
from bot.app.fanout import send_dms
from bot.app.tracker import Tracker
from bot.app.tree import CohortTree
from bot.catalog import default_prompts_dir
from bot.clock import Clock, SystemClock
from bot.cohort import Cohort
from bot.features.course_files import Courses
from bot.features.platform import instructor_notice, instructors_to_tell
from bot.features.scheduler import WakeUps
from bot.library import CourseLibrary
from bot.pacing import Pacer
from bot.settings import SettingsError
from bot.shards import Shards
from bot.store import Store

log = logging.getLogger(__name__)

# Every feature is one extension; setup_hook loads them all, in this order.
EXTENSIONS = (
    "cogs.cohorts",
    "cogs.modules",
    "cogs.sessions",
    "cogs.tracking",
    "cogs.participation",
    "cogs.privacy",
    "cogs.setup",
    "cogs.certificates",
    "cogs.assignments",
)


def required_intents() -> discord.Intents:
    """Only what the features use. No message content: participation counts messages, never reads them."""
    intents = discord.Intents.none()
    intents.guilds = True  # channels, threads, roles
    intents.guild_messages = True  # message create/delete events, to count participation
    intents.members = True  # who holds the learner role, including those who never posted
    return intents


class CohortBot(commands.Bot):
    def __init__(
        self,
        *,
        database: Path | str,
        prompts_dir: Path | None = None,
        clock: Clock | None = None,
        dev_guild_id: int | None = None,
        extensions: tuple[str, ...] = EXTENSIONS,
        force_sync: bool = False,
        served: Shards | None = None,
        courses: Courses | None = None,
        **client_options: Any,
    ) -> None:
        # No voice in this bot: discord.py's warnings about voice libraries are noise.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=required_intents(),
            tree_cls=CohortTree,
            help_command=None,
            allowed_mentions=discord.AllowedMentions(everyone=False, roles=False, users=True),
            **client_options,
        )
        # The shards this process serves (None: all of them, one process). Not ``shards``:
        # that is AutoShardedClient's map of live connections.
        self.served = served
        self.database = database
        self.clock: Clock = clock or SystemClock()
        # The course files, shared with Slack's app when one process runs both (``courses``).
        self.courses = courses or Courses(CourseLibrary(prompts_dir or default_prompts_dir()))
        self.library = self.courses.library
        self.dev_guild_id = dev_guild_id
        self.extension_names = extensions
        self.force_sync = force_sync
        self.wakeups = WakeUps(self.clock, self._wake)
        self.pacer = Pacer()  # every DM fan-out of this bot, under Discord's global limit
        self._store: Store | None = None
        self._runner: DeliveryRunner | None = None
        self._tracker: Tracker | None = None

    @property
    def store(self) -> Store:
        assert self._store is not None, "the store opens in setup_hook"
        return self._store

    @property
    def tracker(self) -> Tracker:
        assert self._tracker is not None, "the tracker is built in setup_hook"
        return self._tracker

    @property
    def deliveries(self) -> DeliveryRunner:
        assert self._runner is not None, "the runner is built in setup_hook"
        return self._runner

    async def setup_hook(self) -> None:
        self._store = await Store.open(self.database)
        self._tracker = Tracker(self._store)
        for problem in self.courses.load():
            log.warning("course file problem: %s", problem)
        self._runner = DeliveryRunner(
            self.store,
            self.clock,
            self.library,
            ready=self.wait_until_ready,
            report=self.tell_instructors,
            rebuild=self.reschedule,
            shards=self.served,
        )
        for name in self.extension_names:
            await self.load_extension(name)
        await self.sync_commands()
        await self.reschedule()
        self.wakeups.start()

    async def sync_commands(self) -> None:
        """Send the slash commands to Discord only when they changed since the last sync
        (a hash per application and scope, kept in the database), or when forced.

        With more than one process, only the one that serves shard 0 syncs: the others
        would send the same commands again, racing each other to the same hash."""
        if self.served is not None and not self.served.syncs_commands:
            log.info("slash commands are synced by the process of shard 0, not this one")
            return
        guild = discord.Object(self.dev_guild_id) if self.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        payload = [command.to_dict(self.tree) for command in self.tree.get_commands(guild=guild)]
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        scope = f"{self.application_id}:" + (f"guild:{guild.id}" if guild else "global")
        if not self.force_sync and await self.store.state.synced_commands(scope) == digest:
            log.info("slash commands unchanged since the last sync (%s): not syncing", scope)
            return
        try:
            await self.tree.sync(guild=guild)
        except discord.Forbidden as error:
            if guild is None:
                raise
            raise SettingsError(
                f"DEV_GUILD_ID={guild.id}: Discord refused the commands there ({error.text}):"
                " the bot is not in that server (or lacks the applications.commands scope);"
                " invite it, or unset DEV_GUILD_ID"
            ) from error
        await self.store.state.record_synced_commands(scope, digest)
        log.info("synced %d slash commands (%s)", len(payload), scope)

    async def reschedule(self) -> None:
        """Rebuild the scheduler's jobs from the database (the truth), and tell the cogs."""
        self.wakeups.replace_all(await self.deliveries.wakeups())
        self.dispatch("cohorts_changed")

    async def _wake(self) -> None:
        await self.deliveries.run_due()

    async def tell_instructors(self, cohort: Cohort, text: str, *, once: str | None = None) -> None:
        """Private word to the cohort's instructor: by DM to whoever created the cohort,
        while they are still in the server and may run the cohort (it names learners);
        once they may not, to those who hold the cohort's instructor role instead.

        With ``once`` (a key), the DM is sent once per key even if the process dies
        between sending and recording it (``send_dms``), and a failure to send raises,
        so the delivery that asked is retried; without, a failure is only logged.
        """
        # DEBUG: every caller is a delivery, which the runner logs at INFO in one line.
        log.debug("telling the instructor of cohort %s: %s", cohort.id, text.splitlines()[0])
        content = instructor_notice(cohort, text)
        try:
            told = await self._instructors_to_tell(cohort)
            if not told:
                log.warning("cohort %s has no instructor here to tell", cohort.id)
                return
            if once is None:
                for member in told:
                    await member.send(content)
                return
        except discord.HTTPException:
            log.warning("could not DM the instructor of cohort %s", cohort.id)
            return
        await send_dms(
            self.store,
            self.clock,
            cohort.id,
            once,
            told,
            lambda _: {"content": content},
            pacer=self.pacer,
        )

    async def _instructors_to_tell(self, cohort: Cohort) -> list[discord.Member]:
        """The creator while they may run the cohort; else its instructor role's members."""
        staff_role = await self.store.guilds.staff_role(cohort.guild_id)
        creator = await self._member(cohort.guild_id, cohort.created_by)
        may_run = creator is not None and permissions.is_instructor(creator, cohort, staff_role)

        async def role_members() -> list[discord.Member]:
            guild = self.get_guild(cohort.guild_id)
            role = guild.get_role(cohort.instructor_role_id or 0) if guild else None
            return [m for m in (role.members if role else []) if not m.bot]

        return await instructors_to_tell(cohort, creator, may_run, role_members)

    async def _member(self, guild_id: int, user_id: int) -> discord.Member | None:
        guild = self.get_guild(guild_id)
        if guild is None:
            return None
        try:
            return guild.get_member(user_id) or await guild.fetch_member(user_id)
        except discord.NotFound:
            return None

    async def close(self) -> None:
        self.wakeups.shutdown()
        await super().close()  # unloads cogs first: they flush what they buffer
        await self.release()

    async def release(self) -> None:
        """Give back the scheduler, buffered counts and database, without touching Discord.

        ``close()`` ends here; so does a bot that SimCord detached (it never calls close()).
        Only the first call does anything: discord.py's ``connect()`` calls ``close()`` too
        when the gateway closes, possibly while an earlier ``close()`` is still running, and
        a second flush or close on a closed database would wait forever.
        """
        self.wakeups.shutdown()
        store, self._store = self._store, None
        if store is None:
            return
        if self._tracker is not None:
            await self._tracker.flush()
        await store.close()


class ShardedCohortBot(CohortBot, commands.AutoShardedBot):
    """The same bot over some of the shards (``SHARD_IDS`` of ``SHARD_COUNT``): one gateway
    connection per shard, and deliveries only for cohorts in guilds of those shards."""

    def __init__(self, *, served: Shards, **options: Any) -> None:
        super().__init__(
            served=served, shard_count=served.count, shard_ids=list(served.ids), **options
        )


def make_bot(*, served: Shards | None = None, **options: Any) -> CohortBot:
    """The bot ``cohortbot run`` starts: sharded when the settings name shards."""
    if served is None:
        return CohortBot(**options)
    return ShardedCohortBot(served=served, **options)
