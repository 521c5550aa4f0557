from __future__ import annotations

import pytest

from bot.app.client import required_intents
from bot.app.sandbox import SimClock, build_course_server
from bot.store import Store
from tests.helpers import World, new_bot
from tests.test_store import NOW, new_cohort

pytest_plugins = ["tests.conftest_postgres"]  # postgres_server, postgres_url, postgres_database


def pytest_collection_modifyitems(items):
    # Every SimCord run approves exactly the intents the bot requests: no message content.
    for item in items:
        item.add_marker(pytest.mark.simcord(approved_intents=required_intents()))


@pytest.fixture
def sim_clock():
    return SimClock()


@pytest.fixture
async def simcord_bot(tmp_path, sim_clock):
    """The bot that `cohortbot run` starts, on a database in a temporary folder."""
    return new_bot(tmp_path / "cohortbot.sqlite3", sim_clock)


@pytest.fixture
async def world(simcord_env, simcord_bot, sim_clock):
    sim_clock.attach(simcord_env)
    server = build_course_server(simcord_env)
    await server.appoint_staff()  # the instructor role is the course-staff role
    world = World(simcord_env, simcord_bot, server, sim_clock, simcord_bot.database)
    yield world
    await world.bot.release()


@pytest.fixture
async def store(tmp_path):
    """The store on a fresh SQLite file, every migration applied."""
    opened = await Store.open(tmp_path / "cohortbot.sqlite3")
    yield opened
    await opened.close()


@pytest.fixture
async def cohort(store):
    """A cohort of the de-escalation course in that store."""
    return await store.cohorts.create(new_cohort(), [], NOW)


@pytest.fixture
def cohort_id(cohort):
    return cohort.id
