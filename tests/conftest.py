from __future__ import annotations

import simcord
import pytest

from bot.app.client import required_intents
from bot.app.sandbox import SimClock, build_course_server
from tests.helpers import World, new_bot


@pytest.fixture
async def world(tmp_path):
    """The real bot, started on SimCord with exactly the intents it asks for (no message content)."""
    clock = SimClock()
    database = tmp_path / "cohortbot.sqlite3"
    bot = new_bot(database, clock)
    async with simcord.run(bot, approved_intents=required_intents()) as env:
        clock.attach(env)
        server = build_course_server(env)
        yield World(env, bot, server, clock, database)
