"""Steps of the Discord end-to-end scenarios that several test modules share: a course in
a given week, an instructor's command, a learner taking part, a session announced, the DMs
a nudge left, the archive's marks. Each test module keeps the steps only it uses."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import discord
import simcord

from bot.dms import Outcome
from tests.helpers import (
    COURSE_END,
    START,
    WEEK_POSTS,
    World,
    as_shown,
    bot_posts,
    cohort_id,
    dms,
    table_columns,
    week_threads,
)

# -- participation -----------------------------------------------------------------------------

COHORT = "Fall 2026"


async def course_in_week(world: World, week: int = 1) -> None:
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START)
    await world.advance_to(WEEK_POSTS[week - 1] + timedelta(hours=1))


def week_thread(world: World, week: int) -> simcord.ChannelHandle:
    return world.server.thread(week_threads(world)[f"Week {week}"][0].id)


async def take_part(
    world: World, learner: simcord.MemberActor, week: int, posts: int = 0, replies: int = 0
) -> None:
    """Posts of their own in the forum; replies in the week's module post (the bot's thread)."""
    for n in range(posts):
        await world.server.forum_post(learner, f"Week {week}, {learner.name} {n}", "My thoughts")
    for _ in range(replies):
        await learner.send(week_thread(world, week), "I agree, and here is why")


async def instructor(world: World, command: str, **options) -> simcord.InteractionResult:
    result = await world.server.instructor.slash(
        world.server.staff, command, cohort=COHORT, **options
    )
    assert result.ephemeral
    return result


async def summary_lines(world: World, week: int | None = None) -> list[str]:
    options = {"week": week} if week else {}
    result = await instructor(world, "participation summary", **options)
    return as_shown(world, result.response.embeds[0].description).splitlines()


def line_of(lines: list[str], name: str) -> str:
    """The line of the learner shown as ``@name`` (their mention, as Discord shows it)."""
    (line,) = [line for line in lines if f" @{name} — " in line]
    return line


async def exported(world: World) -> list[dict[str, str]]:
    result = await instructor(world, "participation export")
    (attachment,) = result.response.attachments
    return list(csv.DictReader(io.StringIO((await attachment.read()).decode("utf-8-sig"))))


async def every_row_holding(world: World, value: int) -> list[tuple[str, str]]:
    """(table, column) of every cell in the database equal to ``value``."""
    db = world.bot.store.db
    found = []
    for table, columns in (await table_columns(world.bot.store)).items():
        for column in columns:
            async with db.execute(
                f'SELECT COUNT(*) FROM "{table}" WHERE CAST("{column}" AS TEXT) = ?', (str(value),)
            ) as cursor:
                if (await cursor.fetchone())[0]:
                    found.append((table, column))
    return found


# -- sessions ----------------------------------------------------------------------------------

LIVE_1 = datetime(2026, 10, 21, 17, tzinfo=UTC)  # 10:00 PDT, 75 minutes
WEEK_2_OPENS = datetime(2026, 10, 20, 16, tzinfo=UTC)  # announces live-1


def posts_for(world: World, key: str) -> list[discord.Message]:
    """The bot's posts in the announcements channel for one delivery (by its footer marker)."""
    return [
        m for m in bot_posts(world.server.announcements)
        if any((e.footer.text or "").endswith(f"· {key}") for e in m.embeds)
    ]  # fmt: skip


def titled(world: World, prefix: str) -> list[discord.Message]:
    return [
        m
        for m in bot_posts(world.server.announcements)
        if m.embeds and (m.embeds[0].title or "").startswith(prefix)
    ]


def events(world: World) -> list:
    guild = world.env.backend.get_guild(world.server.guild.id)
    return list(guild.scheduled_events.values())


async def created(world: World) -> None:
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START)


async def announced(world: World) -> discord.Message:
    await created(world)
    await world.advance_to(WEEK_2_OPENS + timedelta(minutes=1))
    (message,) = posts_for(world, "announce:live-1")
    return message


async def session_command(world: World, name: str, **options) -> simcord.InteractionResult:
    return await world.server.instructor.slash(
        world.server.staff, f"session {name}", cohort="Fall 2026", **options
    )


async def add_recording(world: World, actor=None, **options) -> simcord.InteractionResult:
    options.setdefault("session", "live-1")
    return await (actor or world.server.instructor).slash(
        world.server.staff, "recording add", cohort="Fall 2026", **options
    )


# -- dms ---------------------------------------------------------------------------------------

NUDGE_1 = WEEK_POSTS[1] - timedelta(days=2)  # two days before week 1 closes


def nudges(world: World, member: simcord.MemberActor) -> list[discord.Message]:
    return [m for m in dms(world, member) if "A friendly note" in m.content]


async def outcomes(world: World, key: str) -> dict[int, Outcome]:
    reached = await world.bot.store.deliveries.recipients(await cohort_id(world), key)
    return {user_id: r.outcome for user_id, r in reached.items()}


# -- lifecycle ---------------------------------------------------------------------------------

ARCHIVED = COURSE_END + timedelta(weeks=4)  # 2 weeks of consultation, then 2 until the archive


def closed(world: World, thread: simcord.ChannelHandle) -> tuple[bool, bool]:
    """(archived, locked) as Discord holds them."""
    meta = world.server.thread(thread.id)._channel.thread_metadata
    return meta.archived, meta.locked


WEDNESDAY_2 = datetime(2026, 10, 21, 17, tzinfo=UTC)  # week 2 at Wednesday 10:00 PDT


def editable_course(world: World, tmp_path: Path) -> Path:
    """The course files copied to a folder the test may edit, which the bot reloads from."""
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    for path in world.prompts.glob("*.yaml"):
        shutil.copy(path, prompts / path.name)
    world.prompts = world.bot.library.directory = prompts
    return prompts / "de-escalation.yaml"


def admin(world: World) -> simcord.MemberActor:
    admins = world.server.guild.create_role(
        "Admins", permissions=discord.Permissions(manage_guild=True)
    )
    return world.server.guild.add_member(world.env.create_user("admin"), roles=[admins])
