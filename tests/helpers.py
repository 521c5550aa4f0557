"""What the end-to-end tests share: a running bot on a SimCord course server."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import discord
import simcord
from discord import app_commands

from bot.app.client import CohortBot
from bot.app.deliveries import DeliveryRunner
from bot.app.sandbox import CourseServer, SimClock, show_staff_commands
from bot.cohort import NewCohort
from bot.errors import UserError
from bot.shards import Shards
from bot.store import Store
from bot.timetable import ItemKind

PROMPTS = Path(__file__).resolve().parent.parent / "prompts"


@dataclass
class World:
    """The bot, its clock and database, and the server it runs in."""

    env: simcord.Env
    bot: CohortBot
    server: CourseServer
    clock: SimClock
    database: Path | str  # a SQLite file, or a PostgreSQL URL
    prompts: Path = PROMPTS
    bots: list[CohortBot] = field(default_factory=list)

    async def advance_to(self, instant: datetime) -> None:
        seconds = (instant - self.clock.now()).total_seconds()
        if seconds > 0:
            await self.env.advance_time(seconds)

    async def restart(self) -> CohortBot:
        """A fresh bot process on the same database, in the same (persisting) server."""
        old, self.bot = self.bot, new_bot(self.database, self.clock, self.prompts)
        await self.env.restart_bot(self.bot)
        await old.release()  # what the old process held goes with it
        return self.bot

    def show_staff_commands_to_everyone(self, *roles: simcord.RoleHandle) -> None:
        """As if an admin allowed @everyone on every staff command (Server Settings →
        Integrations): nothing but the bot's own checks stands in anyone's way."""
        server = self.server
        everyone = server.guild.default_role
        show_staff_commands(self.env, server.guild, server.instructor_role, everyone, *roles)

    async def forget_it_was_sent(self, cohort_id: int, item_key: str) -> None:
        """As if the process had sent the item and died before recording it: still claimed."""
        await forget_it_was_sent(self.bot.store, cohort_id, item_key)

    async def create_cohort(
        self, course: str = "de-escalation", start: date = date(2026, 10, 13), **options: Any
    ) -> simcord.InteractionResult:
        server = self.server
        options.setdefault("forum", server.forum)
        options.setdefault("announcements", server.announcements)
        options.setdefault("learner_role", server.learner_role)
        options.setdefault("instructor_role", server.instructor_role)
        return await server.instructor.slash(
            server.staff,
            "cohort create",
            course=course,
            name=options.pop("name", "Fall 2026"),
            start=start.isoformat(),
            **options,
        )


async def table_columns(store: Store) -> dict[str, list[str]]:
    """Every table of the store's database (SQLite or PostgreSQL) and its columns, by name."""
    if store.dialect == "postgres":
        sql = (
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
        )
    else:
        sql = (
            "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p"
            " WHERE m.type = 'table' ORDER BY m.name, p.cid"
        )
    found: dict[str, list[str]] = {}
    async with store.db.execute(sql) as cursor:
        for table, column in await cursor.fetchall():
            found.setdefault(table, []).append(column)
    return found


async def dump(store: Store) -> list[str]:
    """Every row of every table (``schema_version`` aside), as text: equal dumps, equal data."""
    lines = []
    for table, columns in sorted((await table_columns(store)).items()):
        if table == "schema_version":
            continue
        async with store.db.execute(f'SELECT * FROM "{table}"') as cursor:
            rows = [tuple(row) for row in await cursor.fetchall()]
        lines += sorted(f"{table}{dict(zip(columns, row, strict=True))}" for row in rows)
    return lines


async def stored_bytes(store: Store, database: Path | str) -> bytes:
    """What the database holds on disk: SQLite's file and its WAL; for PostgreSQL (the
    test server, which the tests own) every file of the server's data folder, WAL included."""
    if store.dialect == "postgres":
        async with store.db.execute("SHOW data_directory") as cursor:
            (row,) = await cursor.fetchall()
        async with store.db.execute("CHECKPOINT"):  # what is in memory reaches the files
            pass
        return b"".join(_read(p) for p in sorted(Path(row[0]).rglob("*")) if p.is_file())
    path = Path(database)
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except (FileNotFoundError, PermissionError):  # a temporary file the server removed meanwhile
        return b""


def new_bot(database: Path | str, clock: SimClock, prompts: Path = PROMPTS) -> CohortBot:
    return CohortBot(database=database, prompts_dir=prompts, clock=clock)


def second_runner(bot: CohortBot, store: Store, shards: Shards | None = None) -> DeliveryRunner:
    """Another process's delivery runner: its own store connection and claim identity (and
    shards), with this bot's Discord handlers."""
    runner = DeliveryRunner(
        store,
        bot.clock,
        bot.library,
        ready=bot.wait_until_ready,
        report=bot.tell_instructors,
        rebuild=bot.reschedule,
        shards=shards,
    )
    for kind, (handler, find) in bot.deliveries.handlers.items():
        runner.handle(kind, handler, find)
    return runner


def forum_posts(world: World) -> list[simcord.ChannelHandle]:
    """The forum's threads, oldest first."""
    return world.server.forum.threads


def bot_posts(channel: simcord.ChannelHandle) -> list[discord.Message]:
    return [m for m in channel.history() if m.author.bot]


def footers(messages: list[discord.Message]) -> list[str]:
    return [e.footer.text or "" for m in messages for e in m.embeds]


def as_shown(world: World, text: str) -> str:
    """Text as a Discord client shows it: a member's mention ``<@id>`` as ``@display name``."""
    guild = world.bot.get_guild(world.server.guild.id)
    assert guild is not None

    def name(found: re.Match[str]) -> str:
        member = guild.get_member(int(found[1]))
        return f"@{member.display_name}" if member else found[0]

    return re.sub(r"<@!?(\d+)>", name, text)


def dms(world: World, actor: simcord.MemberActor) -> list[discord.Message]:
    """What the bot has sent this member by DM, oldest first."""
    channel = world.env.backend.get_dm_channel(actor.id)
    return bot_posts(simcord.ChannelHandle(world.env, None, channel))


def refusals(world: World) -> list[UserError]:
    """The expected errors the bot answered with (SimCord records every error the tree sees).

    Reading them tells SimCord they were expected; anything that is not a
    UserError is a bug and fails the test here.
    """
    refused = []
    for error in world.env.errors:
        original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        if not isinstance(original, UserError):
            raise AssertionError(f"unexpected error: {original!r}") from original
        refused.append(original)
    return refused


class Rival:
    """An instructor of another cohort, in another forum."""

    def __init__(self, world: World) -> None:
        guild = world.server.guild
        self.role = guild.create_role("Instructor (Winter)")
        self.forum = guild.create_forum_channel("winter-forum")
        self.member = guild.add_member(world.env.create_user("rival"), roles=[self.role])
        # The admin shows the staff commands to both instructor roles (Integrations).
        show_staff_commands(world.env, guild, world.server.instructor_role, self.role)


async def other_cohorts_instructor(
    world: World,
    course: str = "de-escalation",
    name: str = "Spring 2027",
    start: date = date(2027, 3, 2),
) -> simcord.MemberActor:
    """The instructor of another cohort here (its own role and forum), made by staff.

    Every role is then shown every staff command (an admin's choice in
    Integrations), so only the bot's own checks stand in anyone's way.
    """
    rival = Rival(world)
    created = await world.create_cohort(
        course=course, name=name, start=start, forum=rival.forum, instructor_role=rival.role
    )
    assert f"Created {name}" in created.response.content, created.response.content
    world.show_staff_commands_to_everyone(rival.role)
    return rival.member


async def forget_it_was_sent(store: Store, cohort_id: int, item_key: str) -> None:
    """As if the process had sent the item and died before recording it: still claimed
    (on any platform: ``World`` for Discord, ``SlackWorld`` for Slack)."""
    await store.db.execute(
        "UPDATE deliveries SET state = 'claimed', message_id = NULL, claimed_at = due_at"
        " WHERE cohort_id = ? AND item_key = ?",
        (cohort_id, item_key),
    )
    await store.db.commit()


# -- the course every end-to-end test runs: de-escalation, its 2025 run 52 weeks later ------------

# The same weekdays as 2025; it crosses the US DST end on 1 Nov 2026.
START = date(2026, 10, 13)
WEEK_POSTS = [  # Tuesday 09:00 in Los Angeles
    datetime(2026, 10, 13, 16, tzinfo=UTC),  # PDT
    datetime(2026, 10, 20, 16, tzinfo=UTC),
    datetime(2026, 10, 27, 16, tzinfo=UTC),
    datetime(2026, 11, 3, 17, tzinfo=UTC),  # PST
]
COURSE_END = datetime(2026, 11, 10, 17, tzinfo=UTC)


def week_threads(world: World) -> dict[str, list]:
    """The forum's module threads, by "Week N"."""
    posts: dict[str, list] = {}
    for thread in forum_posts(world):
        if thread.name and thread.name.startswith("Week "):
            posts.setdefault(thread.name.split(":")[0], []).append(thread)
    return posts


async def cohort_id(world: World) -> int:
    """The id of the cohort "Fall 2026" that ``World.create_cohort`` makes."""
    cohort = await world.bot.store.cohorts.by_name(world.server.guild.id, "Fall 2026")
    assert cohort is not None
    return cohort.id


# -- store tests ---------------------------------------------------------------------------------

NOW = datetime(2026, 10, 1, 12, tzinfo=UTC)
KINDS = [kind.value for kind in ItemKind]


def new_cohort(name: str = "Fall 2026", channel_id: int | None = None) -> NewCohort:
    """A cohort in channel 10; another name gets a channel of its own (one cohort per channel)."""
    return NewCohort(
        guild_id=1,
        name=name,
        course_id="de-escalation",
        start=date(2026, 10, 13),
        timezone="America/Los_Angeles",
        channel_id=channel_id
        or (10 if name == "Fall 2026" else 10 + len(name) * 1000 + ord(name[0])),
        learner_role_id=20,
        instructor_role_id=30,
        announcements_channel_id=None,
        created_by=99,
    )


def commands_of(world: World) -> list[app_commands.Command[Any, ..., Any]]:
    return [c for c in world.bot.tree.walk_commands() if isinstance(c, app_commands.Command)]


def is_staff_command(command: app_commands.Command[Any, ..., Any]) -> bool:
    root = command.root_parent or command
    return root.default_permissions is not None
