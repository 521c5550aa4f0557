"""DM fan-outs to 1,000 learners under Discord's global rate limit, on SimCord's virtual clock.

Run by hand: ``.venv/bin/python bench/bench_fanout.py [learners] [variant ...]``
(variants: ``paced`` (the bot's), ``reactive``, ``unpaced``; default all three);
on SQLite and PostgreSQL in the same run:
``.venv/bin/python bench/with_postgres.py bench/bench_fanout.py [learners] [variant ...]``
(or with ``DATABASE_URL=postgresql://…`` set: ``bench/backends.py``).

The real bot runs on SimCord with a cohort of ``learners`` learners of the
de-escalation course, its reminders DMed to everyone (``dm: everyone``). From
the cohort's creation on, a stand-in for Discord's global limit sits in front
of SimCord's REST routes: 50 requests in each second of virtual time
(interaction responses are exempt, as on Discord), and past that a 429 with
``Retry-After`` (whole seconds, as Discord sends it) and ``X-RateLimit-Global``.
SimCord does not model rate limits itself, and it answers discord.py's HTTP
client directly, so each 429 reaches the bot (discord.py would first retry it
itself, up to five times, sleeping ``retry_after``).

Two fan-outs are measured: the week-1 nudge (the learners' first DM from the
bot: the DM channel is opened first, two requests per DM) and the day-before
reminder of the first live session (one request per DM). For each: the
virtual time from the item's moment to the last learner reached, how many were
reached, how many were DMed twice (must be 0), the 429s seen, the delivery's
attempts, and the wall time.

Variants (the pacer is swapped on the bot, nothing else changes):
- ``paced``: the bot's ``Pacer`` with its default rule.
- ``reactive``: no pacing, but a 429 is waited out (``retry_after``) and the
  same recipient tried again: what discord.py alone does.
- ``unpaced``: the code before pacing: no pacing, and a 429 stops the fan-out;
  the delivery is retried with backoff (30 s, 1 min, 2 min, 4 min; given up
  after five attempts).

The bot's store is a SQLite file, and then (with ``DATABASE_URL``) a fresh
PostgreSQL schema: each variant runs on each backend.
"""

from __future__ import annotations

import asyncio
import logging
import math
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import discord
import simcord
import simcord.http.client as simcord_client
import simcord.http.router as simcord_router
from backends import backends, fresh_target  # bench/backends.py: run as bench/bench_fanout.py
from simcord.backend.errors import BackendError

from bot.app.client import CohortBot, required_intents
from bot.app.sandbox import SimClock, build_course_server
from bot.catalog import default_prompts_dir
from bot.pacing import Pacer, PaceRule

LEARNERS = 1_000
GLOBAL_PER_SECOND = 50
START = "2026-10-13"
NUDGE_1 = datetime(2026, 10, 18, 16, tzinfo=UTC)  # two days before week 1 closes
REMINDER_1D = datetime(2026, 10, 20, 17, tzinfo=UTC)  # a day before live session 1
END = REMINDER_1D + timedelta(minutes=30)
FANOUTS = {"nudge:1": NUDGE_1, "reminder:live-1:1d": REMINDER_1D}
VARIANTS: dict[str, PaceRule | None] = {
    "paced": None,  # the default rule
    "reactive": PaceRule(rate=1e9, burst=10**9, max_retry_after=3600, max_rate_limits=10**9),
    "unpaced": PaceRule(rate=1e9, burst=10**9, max_rate_limits=0),
}


class RateLimited(BackendError):
    def __init__(self, retry_after: float) -> None:
        super().__init__(429, 0, "You are being rate limited.")
        self.retry_after = retry_after


class GlobalLimit:
    """Discord's global limit in front of SimCord's routes: ``per_second`` in each second."""

    def __init__(self, env: simcord.Env, per_second: int = GLOBAL_PER_SECOND) -> None:
        self.env = env
        self.per_second = per_second
        self.window = -1
        self.used = 0
        self.requests = 0
        self.limited: list[tuple[datetime, str]] = []  # when, and which route

    def __enter__(self) -> GlobalLimit:
        self._check_faults = simcord_router._check_faults
        self._raise_for = simcord_client._raise_for
        simcord_router._check_faults = self.check  # type: ignore[assignment]
        simcord_client._raise_for = self.raise_for  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        simcord_router._check_faults = self._check_faults
        simcord_client._raise_for = self._raise_for

    def check(self, backend: Any, method: str, path: str) -> None:
        self._check_faults(backend, method, path)  # the tests' injected faults still apply
        if path.startswith(("/interactions/", "/webhooks/")):
            return  # interaction responses and follow-ups are not under the global limit
        elapsed = backend.clock.elapsed
        if math.floor(elapsed) != self.window:
            self.window, self.used = math.floor(elapsed), 0
        if self.used >= self.per_second:
            self.limited.append((self.env.now(), f"{method} {path}"))
            raise RateLimited(self.window + 1 - elapsed)
        self.used += 1
        self.requests += 1

    def raise_for(self, error: BackendError) -> None:
        if not isinstance(error, RateLimited):
            self._raise_for(error)
            return
        headers = {
            "Retry-After": str(math.ceil(error.retry_after)),
            "X-RateLimit-Global": "true",
            "X-RateLimit-Scope": "global",
        }
        response = SimpleNamespace(status=429, reason="Too Many Requests", headers=headers)
        body = {"message": error.message, "retry_after": error.retry_after, "global": True}
        raise discord.HTTPException(response, body)  # type: ignore[arg-type]


async def run_variant(backend: str, name: str, rule: PaceRule | None, learners: int) -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        async with fresh_target(backend, Path(folder), f"fanout_{name}") as database:
            return await _run_bot(database, folder, f"{backend}/{name}", rule, learners)


async def _run_bot(
    database: Path | str, folder: str, name: str, rule: PaceRule | None, learners: int
) -> list[str]:
    prompts = Path(folder) / "prompts"
    prompts.mkdir()
    course = (default_prompts_dir() / "de-escalation.yaml").read_text()
    (prompts / "de-escalation.yaml").write_text(course.replace("dm: opted_in", "dm: everyone"))
    clock = SimClock()
    bot = CohortBot(database=database, prompts_dir=prompts, clock=clock)
    bot.pacer = Pacer(rule)
    try:
        # A settle longer than two minutes of real time is a hang (seen on PostgreSQL,
        # at the first slash command): fail with SimCord's account of it, not wait an hour.
        async with simcord.run(
            bot, approved_intents=required_intents(), settle_timeout=120, check_errors=False
        ) as env:
            clock.attach(env)
            server = build_course_server(env)
            await server.appoint_staff()
            role = server.learner_role
            members = server.learners + [
                server.guild.add_member(env.create_user(f"learner{n}"), roles=[role])
                for n in range(learners - len(server.learners))
            ]
            await env.advance_time((datetime(2026, 10, 12, tzinfo=UTC) - env.now()).total_seconds())
            await server.instructor.slash(
                server.staff, "cohort create", course="de-escalation", name="Fall 2026",
                start=START, forum=server.forum, announcements=server.announcements,
                learner_role=role, instructor_role=server.instructor_role,
            )  # fmt: skip
            with GlobalLimit(env) as limit:
                wall = time.perf_counter()
                await env.advance_time((END - env.now()).total_seconds())
                wall = time.perf_counter() - wall
            return report(name, env, bot, members, limit, wall)
    finally:
        await bot.release()


def report(
    name: str,
    env: simcord.Env,
    bot: CohortBot,
    members: list[simcord.MemberActor],
    limit: GlobalLimit,
    wall: float,
) -> list[str]:
    sent: dict[str, list[datetime]] = {key: [] for key in FANOUTS}
    per_person: dict[str, Counter[int]] = {key: Counter() for key in FANOUTS}
    for member in members:
        channel = env.backend.get_dm_channel(member.id)
        for message in simcord.ChannelHandle(env, None, channel).history():
            for key in FANOUTS:
                if message.author.bot and message.content.endswith(f" · {key}"):
                    sent[key].append(message.created_at)
                    per_person[key][member.id] += 1
    lines = []
    for key, moment in FANOUTS.items():
        reached = len(per_person[key])
        doubled = sum(1 for n in per_person[key].values() if n > 1)
        limited = sum(
            1 for when, _ in limit.limited if moment <= when < moment + timedelta(hours=1)
        )
        took = (max(sent[key]) - moment).total_seconds() if sent[key] else float("nan")
        lines.append(
            f"{name:17} {key:19} reached {reached:5}/{len(members)}  doubled {doubled}"
            f"  429s {limited:5}  last DM at +{took:7.1f} s (virtual)"
        )
    lines.append(
        f"{name:17} {'(whole run)':19} {limit.requests} requests let through,"
        f" {len(limit.limited)} answered 429; wall {wall:.1f} s"
    )
    return lines


async def main(learners: int, variants: list[str]) -> None:
    logging.basicConfig(level=logging.ERROR)
    for backend in backends():
        for name in variants:
            for line in await run_variant(backend, name, VARIANTS[name], learners):
                print(line, flush=True)


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else LEARNERS
    chosen = sys.argv[2:] or list(VARIANTS)
    asyncio.run(main(count, chosen))
