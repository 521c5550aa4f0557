"""The bot: one ``commands.Bot`` subclass that owns the store, clock, courses and scheduler."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import discord
from discord.ext import commands

from bot.app.deliveries import DeliveryRunner
from bot.app.tracker import Tracker
from bot.app.tree import CohortTree
from bot.catalog import default_prompts_dir
from bot.clock import Clock, SystemClock
from bot.cohort import Cohort
from bot.features.scheduler import WakeUps
from bot.library import CourseLibrary
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
    ) -> None:
        # No voice in this bot: discord.py's warnings about voice libraries are noise.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=required_intents(),
            tree_cls=CohortTree,
            help_command=None,
            allowed_mentions=discord.AllowedMentions(everyone=False, roles=False, users=True),
        )
        self.database = database
        self.clock: Clock = clock or SystemClock()
        self.library = CourseLibrary(prompts_dir or default_prompts_dir())
        self.dev_guild_id = dev_guild_id
        self.extension_names = extensions
        self.force_sync = force_sync
        self.wakeups = WakeUps(self.clock, self._wake)
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
        for problem in self.library.reload():
            log.warning("course file problem: %s", problem)
        self._runner = DeliveryRunner(
            self.store,
            self.clock,
            self.library,
            ready=self.wait_until_ready,
            report=self.tell_instructors,
            rebuild=self.reschedule,
        )
        for name in self.extension_names:
            await self.load_extension(name)
        await self.sync_commands()
        await self.reschedule()
        self.wakeups.start()

    async def sync_commands(self) -> None:
        """Send the slash commands to Discord only when they changed since the last sync
        (a hash per application and scope, kept in the database), or when forced."""
        guild = discord.Object(self.dev_guild_id) if self.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        payload = [command.to_dict(self.tree) for command in self.tree.get_commands(guild=guild)]
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        scope = f"{self.application_id}:" + (f"guild:{guild.id}" if guild else "global")
        if not self.force_sync and await self.store.state.synced_commands(scope) == digest:
            log.info("slash commands unchanged since the last sync (%s): not syncing", scope)
            return
        await self.tree.sync(guild=guild)
        await self.store.state.record_synced_commands(scope, digest)
        log.info("synced %d slash commands (%s)", len(payload), scope)

    async def reschedule(self) -> None:
        """Rebuild the scheduler's jobs from the database (the truth), and tell the cogs."""
        self.wakeups.replace_all(await self.deliveries.wakeups())
        self.dispatch("cohorts_changed")

    async def _wake(self) -> None:
        await self.deliveries.run_due()

    async def tell_instructors(self, cohort: Cohort, text: str) -> None:
        """Private word to the cohort's instructor: by DM to whoever created the cohort."""
        # DEBUG: every caller is a delivery, which the runner logs at INFO in one line.
        log.debug("telling the instructor of cohort %s: %s", cohort.id, text.splitlines()[0])
        try:
            user = self.get_user(cohort.created_by) or await self.fetch_user(cohort.created_by)
            await user.send(f"**{cohort.name}**: {text}")
        except discord.HTTPException:
            log.warning("could not DM the instructor of cohort %s", cohort.id)

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
