from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app.client import required_intents
from bot.app.sandbox import SimClock, build_course_server
from bot.store import Store
from tests.helpers import NOW, World, new_bot, new_cohort
from tests.slack_helpers import SlackWorld, slack_world

pytest_plugins = ["tests.conftest_postgres"]  # postgres_server, postgres_url, postgres_database


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "sqlite_only(reason): runs on SQLite alone (the reason says why)"
    )


def pytest_collection_modifyitems(config, items):
    # Every SimCord run approves exactly the intents the bot requests: no message content.
    kept, dropped = [], []
    for item in items:
        item.add_marker(pytest.mark.simcord(approved_intents=required_intents()))
        params = getattr(item, "callspec", None)
        backend = params.params.get("database") if params else None
        if backend == "postgres" and item.get_closest_marker("sqlite_only"):
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(params=["sqlite", "postgres"])
def database(request, tmp_path):
    """Where the store and the bot keep their data: a fresh SQLite file, or a fresh
    PostgreSQL database (``postgres_database``); every test using it runs on both."""
    if request.param == "sqlite":
        return tmp_path / "cohortbot.sqlite3"
    return request.getfixturevalue("postgres_database")


@pytest.fixture
def sim_clock():
    return SimClock()


@pytest.fixture
async def simcord_bot(database, sim_clock):
    """The bot that `cohortbot run` starts, on a fresh database (SQLite, then PostgreSQL)."""
    return new_bot(database, sim_clock)


@pytest.fixture
async def world(simcord_env, simcord_bot, sim_clock):
    sim_clock.attach(simcord_env)
    server = build_course_server(simcord_env)
    await server.appoint_staff()  # the instructor role is the course-staff role
    world = World(simcord_env, simcord_bot, server, sim_clock, simcord_bot.database)
    yield world
    await world.bot.release()


@pytest.fixture
async def store(database):
    """The store on a fresh database (SQLite, then PostgreSQL), every migration applied."""
    opened = await Store.open(database)
    yield opened
    await opened.close()


@pytest.fixture
async def cohort(store):
    """A cohort of the de-escalation course in that store."""
    return await store.cohorts.create(new_cohort(), [], NOW)


@pytest.fixture
def cohort_id(cohort):
    return cohort.id


@pytest.fixture
async def sworld(tmp_path) -> AsyncIterator[SlackWorld]:
    """Slack's ``world``: the stand-in workspace and the real app on it (tests/slack_helpers.py)."""
    async for world in slack_world(tmp_path):
        yield world


@pytest.fixture
async def sworld_crowd(tmp_path) -> AsyncIterator[SlackWorld]:
    """``sworld`` with 120 learners: a cohort too big to list in one Slack message."""
    async for world in slack_world(tmp_path, learners=120):
        yield world
