"""``cohortbot demo``: a whole course, offline, in well under a minute.

The real bot runs inside SimCord (an in-memory Discord) on a sample server:
an instructor creates a cohort with the slash command, simulated learners
post, reply and press "Remind me" (some fall behind, one has closed DMs),
and the clock runs through the course. The transcript is what Discord then
holds, read back from the simulated server, printed in course time.
"""

from __future__ import annotations

import asyncio
import logging
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import discord
import simcord

from bot.app.client import CohortBot, required_intents
from bot.app.sandbox import CourseServer, SimClock, build_course_server
from bot.timetable import first_post_day

STEP = timedelta(hours=6)


@dataclass
class Narrator:
    """Prints every message the bot left in the server, once, in course time."""

    env: simcord.Env
    server: CourseServer
    zone: ZoneInfo
    say: Callable[[str], None]
    seen: set[int] = field(default_factory=set)

    def places(self) -> list[tuple[str, simcord.ChannelHandle]]:
        found = [("#announcements", self.server.announcements), ("#staff", self.server.staff)]
        found += [(f"#course-forum › {t.name}", t) for t in self.server.forum.threads]
        for member in [self.server.instructor, *self.server.learners]:
            dm = self.env.backend.get_dm_channel(member.id)
            found.append((f"DM to {member.name}", simcord.ChannelHandle(self.env, None, dm)))
        return found

    def tell(self) -> None:
        fresh = []
        for where, channel in self.places():
            for message in channel.history():
                if message.author.bot and message.id not in self.seen:
                    self.seen.add(message.id)
                    fresh.append((message.created_at, where, message))
        for at, where, message in sorted(fresh, key=lambda item: item[0]):
            self.say(
                f"[{at.astimezone(self.zone):%a %d %b %H:%M %Z}] {where:<44} {headline(message)}"
            )


def answer(result: simcord.InteractionResult) -> simcord.ResponseMessage:
    """The bot's reply to a slash command (the demo's commands always get one)."""
    if result.response is None:
        raise RuntimeError(f"the bot did not answer: {result!r}")
    return result.response


def headline(message: discord.Message) -> str:
    text = (
        message.embeds[0].title if message.embeds and message.embeds[0].title else message.content
    )
    first = (text or "").strip().splitlines()[0] if text else "(attachment)"
    return first[:110]


def has_button(message: discord.Message, label: str) -> bool:
    return any(
        getattr(child, "label", None) == label
        for row in message.components
        for child in getattr(row, "children", [])
    )


@dataclass
class Learners:
    """Simulated learners: some keen, some behind, all seeded so runs repeat."""

    server: CourseServer
    rng: random.Random
    keenness: dict[int, float] = field(default_factory=dict)
    threads: list[tuple[simcord.ChannelHandle, discord.Message]] = field(default_factory=list)
    written: int = 0

    def __post_init__(self) -> None:
        for i, learner in enumerate(self.server.learners):
            self.keenness[learner.id] = 0.08 if i in (3, 7) else self.rng.uniform(0.45, 0.95)

    async def take_part(self, week: int) -> None:
        for learner in self.server.learners:
            if self.rng.random() > self.keenness[learner.id] * 0.8:
                continue
            own = [
                t
                for t, m in self.threads
                if m.author.id == learner.id and (t.name or "").startswith(f"W{week} ")
            ]
            if not own:
                thread, first = await self.server.forum_post(
                    learner, f"W{week} — {learner.name}'s reflection", "…"
                )
                self.threads.append((thread, first))
            else:
                others = [(t, m) for t, m in self.threads if m.author.id != learner.id]
                if not others:
                    continue
                thread, first = self.rng.choice(others[-12:])
                await learner.send(thread, "…", reply_to=first)
            self.written += 1

    async def press_remind_me(self, announcements: simcord.ChannelHandle) -> None:
        for message in announcements.history():
            if not has_button(message, "Remind me"):
                continue
            for learner in self.server.learners:
                if self.rng.random() < 0.5:
                    await learner.click(message, label="Remind me")


async def play(course_id: str, out: Path, say: Callable[[str], None] = print) -> dict[str, Path]:
    clock = SimClock()
    with tempfile.TemporaryDirectory() as folder:
        bot = CohortBot(database=Path(folder) / "demo.sqlite3", clock=clock)
        async with simcord.run(bot, approved_intents=required_intents()) as env:
            clock.attach(env)
            server = build_course_server(env)
            course = bot.library.get(course_id)
            zone = ZoneInfo(course.timezone)
            narrator = Narrator(env, server, zone, say)
            closed = server.learners[-1]
            dm = env.backend.get_dm_channel(closed.id)
            env.inject_error(
                "POST", f"/channels/{dm.id}/messages", status=403, code=50007, times=None
            )

            start = first_post_day(course, (clock.now() + timedelta(days=3)).date())
            say(f"cohortbot demo — {course.title}")
            say(f"A server with an instructor and {len(server.learners)} learners "
                f"({server.learners[3].name} and {server.learners[7].name} fall behind, "
                f"{closed.name} has DMs closed). Times are {zone.key}.\n")  # fmt: skip
            created = await server.instructor.slash(
                server.staff, "cohort create", course=course.id, name="Demo cohort",
                start=start.isoformat(), forum=server.forum, learner_role=server.learner_role,
                instructor_role=server.instructor_role, announcements=server.announcements,
            )  # fmt: skip
            say(
                f"Instructor: /cohort create … → {answer(created).embeds[0].title} with its timetable\n"
            )
            cohort = (await bot.store.cohorts.all())[0]
            calendar = cohort.calendar(course)
            learners = Learners(server, random.Random(7))
            pressed: set[int] = set()
            while clock.now() < calendar.ends + timedelta(days=2):
                await env.advance_time(STEP.total_seconds())
                narrator.tell()
                week = calendar.current_week(clock.now())
                local = clock.now().astimezone(zone)
                if week and 9 <= local.hour < 15:
                    await learners.take_part(week)
                announcements = [
                    m.id for m in server.announcements.history() if has_button(m, "Remind me")
                ]
                if set(announcements) - pressed:
                    await learners.press_remind_me(server.announcements)
                    pressed |= set(announcements)
            narrator.tell()
            say(f"\nLearners wrote {learners.written} messages (none of their text was stored).\n")
            files = await report(server, out, say)
        await bot.release()
        return files


async def report(server: CourseServer, out: Path, say: Callable[[str], None]) -> dict[str, Path]:
    staff, instructor = server.staff, server.instructor
    weeks = 4
    for week in range(1, weeks + 1):
        summary = await instructor.slash(
            staff, "participation summary", cohort="Demo cohort", week=week
        )
        say(f"{answer(summary).embeds[0].description}\n")
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    for command, name in (
        ("participation export", "participation.csv"),
        ("participation chart", "participation.png"),
    ):
        result = await instructor.slash(staff, command, cohort="Demo cohort")
        (attachment,) = answer(result).attachments
        files[name] = out / name
        files[name].write_bytes(await attachment.read())
    say(
        f"Wrote {files['participation.csv']} and {files['participation.png']} (folder: {out.resolve()})"
    )
    return files


def run_demo(course: str | None, out: Path | None) -> int:
    logging.basicConfig(level=logging.ERROR)  # the transcript is the output
    began = time.monotonic()
    asyncio.run(play(course or "de-escalation", out or Path("demo-output")))
    print(f"(played in {time.monotonic() - began:.1f} s of wall time)")
    return 0
