"""The throwaway PostgreSQL the tests start themselves (``tests/postgres_server.py``).

Its fixtures (``tests/conftest_postgres.py``): a server for the session, a
database per test; skipped only when asked and never in CI. The tests below
that take ``postgres_url`` also show the session's fixture at work.
"""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path

import asyncpg
import pytest

from tests import postgres_server as pg
from tests.conftest_postgres import start_for_tests
from tests.postgres_server import PostgresServer, PostgresUnavailable, postgres_skip_reason

STANDBY_LOCK = 16  # any bigint: the key a standby of issue #16 would wait on


@pytest.mark.parametrize(
    ("env", "skipped"),
    [
        ({}, False),
        ({"COHORTBOT_SKIP_POSTGRES": "1"}, True),
        ({"COHORTBOT_SKIP_POSTGRES": "true"}, True),
        ({"COHORTBOT_SKIP_POSTGRES": "0"}, False),
        ({"COHORTBOT_SKIP_POSTGRES": ""}, False),
        ({"COHORTBOT_SKIP_POSTGRES": "1", "CI": "true"}, False),
        ({"COHORTBOT_SKIP_POSTGRES": "1", "CI": "1"}, False),
        ({"CI": "true"}, False),
        ({"COHORTBOT_SKIP_POSTGRES": "1", "CI": "false"}, True),
    ],
)
def test_skipped_only_when_asked_and_never_in_ci(env, skipped):
    assert (postgres_skip_reason(env) is not None) is skipped


def test_a_named_folder_without_the_programs_is_a_clear_error(tmp_path):
    with pytest.raises(PostgresUnavailable) as raised:
        pg.find_binaries({"COHORTBOT_PG_BIN": str(tmp_path)})
    message = str(raised.value)
    assert str(tmp_path) in message
    assert "initdb" in message and "pg_ctl" in message
    assert "COHORTBOT_SKIP_POSTGRES=1" in message  # says how to go on without it


def _programs(folder: Path, *names: str) -> Path:
    folder.mkdir(parents=True)
    for name in names:
        (folder / name).write_text("#!/bin/sh\n")
        (folder / name).chmod(0o755)
    return folder


def test_the_newest_complete_system_server_is_chosen(tmp_path):
    system = tmp_path / "lib-postgresql"
    _programs(system / "13" / "bin", *pg.PROGRAMS)
    newest = _programs(system / "15" / "bin", *pg.PROGRAMS)
    _programs(system / "16" / "bin", "psql")  # a client only: no server there
    assert pg.find_binaries({"PATH": ""}, system) == newest
    assert pg.find_binaries({"PATH": "", "COHORTBOT_PG_BIN": str(system / "13" / "bin")}) == (
        system / "13" / "bin"
    )


def test_none_found_says_what_was_tried(tmp_path, monkeypatch):
    monkeypatch.setattr(pg.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(PostgresUnavailable) as raised:
        pg.find_binaries({"PATH": ""}, tmp_path / "lib-postgresql")
    message = str(raised.value)
    assert "lib-postgresql/*/bin (none)" in message
    assert "initdb on PATH (none)" in message
    assert "pgserver package (not installed)" in message


async def test_a_table_written_and_read_back(postgres_url):
    connection = await asyncpg.connect(postgres_url)
    try:
        await connection.execute(
            "CREATE TABLE probe (id BIGINT PRIMARY KEY, note TEXT NOT NULL)"
        )  # BIGINT: Discord's ids are 64-bit
        await connection.execute(
            "INSERT INTO probe (id, note) VALUES ($1, $2)", 1_234_567_890_123_456_789, "hello"
        )
        rows = await connection.fetch("SELECT id, note FROM probe")
        await connection.execute("DROP TABLE probe")
    finally:
        await connection.close()
    assert [tuple(r) for r in rows] == [(1_234_567_890_123_456_789, "hello")]


async def test_it_listens_on_loopback_only_with_its_socket_in_its_folder(postgres_server):
    connection = await asyncpg.connect(postgres_server.url)
    try:
        settings = {
            name: await connection.fetchval(f"SHOW {name}")
            for name in ("listen_addresses", "unix_socket_directories", "fsync")
        }
    finally:
        await connection.close()
    assert settings == {
        "listen_addresses": "127.0.0.1",
        "unix_socket_directories": str(postgres_server.folder),
        "fsync": "off",
    }
    assert postgres_server.folder.parent == Path(tempfile.gettempdir())


async def test_an_advisory_lock_held_by_one_connection_is_refused_to_another(postgres_url):
    active = await asyncpg.connect(postgres_url)
    standby = await asyncpg.connect(postgres_url)
    try:
        assert await active.fetchval("SELECT pg_try_advisory_lock($1)", STANDBY_LOCK) is True
        assert await standby.fetchval("SELECT pg_try_advisory_lock($1)", STANDBY_LOCK) is False
        assert await standby.fetchval("SELECT pg_try_advisory_lock($1)", STANDBY_LOCK) is False

        # The active process dies (kill -9 ends its connection): the lock is free at once.
        holder = await active.fetchval("SELECT pg_backend_pid()")
        # With a timeout, pg_terminate_backend returns once the backend has exited.
        assert await standby.fetchval("SELECT pg_terminate_backend($1, 5000)", holder) is True
        assert await standby.fetchval("SELECT pg_try_advisory_lock($1)", STANDBY_LOCK) is True
    finally:
        await active.close(timeout=5)
        await standby.close()


async def test_each_test_database_is_fresh_and_separate(postgres_database, postgres_url):
    assert postgres_database != postgres_url
    own = await asyncpg.connect(postgres_database)
    shared = await asyncpg.connect(postgres_url)
    try:
        await own.execute("CREATE TABLE only_here (x INTEGER)")
        tables = "SELECT count(*) FROM pg_tables WHERE tablename = 'only_here'"
        assert await own.fetchval(tables) == 1
        assert await shared.fetchval(tables) == 0
    finally:
        await own.close()
        await shared.close()


async def test_started_on_another_port_when_the_first_is_taken_then_stopped_and_gone(
    monkeypatch,
):
    # A port found free is taken by someone else before postgres binds it.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        offered = iter([busy])
        free = pg.free_port
        monkeypatch.setattr(pg, "free_port", lambda: next(offered, None) or free())
        server = start_for_tests(os.environ)  # skipped like the fixture, when asked
    try:
        assert server.port != busy
        assert server.folder.is_dir()
        if os.geteuid() == 0:  # PostgreSQL refuses root: its folder belongs to the user it runs as
            assert server.folder.stat().st_uid != 0
            assert server.folder.stat().st_uid == server.owner.uid
        connection = await asyncpg.connect(server.url)
        assert await connection.fetchval("SELECT current_database()") == "cohortbot"
        await connection.close()
    finally:
        server.stop()
    assert server.process.returncode is not None
    assert not server.folder.exists()
    with pytest.raises(OSError):
        await asyncpg.connect(server.url, timeout=5)
    server.stop()  # a second stop does nothing


def test_a_run_told_to_skip_postgres_skips_it(tmp_path):
    with pytest.raises(pytest.skip.Exception, match="COHORTBOT_SKIP_POSTGRES=1"):
        start_for_tests({"COHORTBOT_SKIP_POSTGRES": "1", "COHORTBOT_PG_BIN": str(tmp_path)})


@pytest.mark.parametrize(
    "env",
    [
        {},  # not told to skip
        {"COHORTBOT_SKIP_POSTGRES": "1", "CI": "true"},  # told to, but CI never skips
    ],
    ids=["not-told", "in-ci"],
)
def test_otherwise_a_missing_server_fails_the_tests_that_need_it(tmp_path, env):
    missing = tmp_path / "no-postgres-here"
    with pytest.raises(pytest.fail.Exception) as failed:
        start_for_tests({**env, "COHORTBOT_PG_BIN": str(missing)})
    assert "PostgreSQL is needed and could not be started" in str(failed.value)
    assert str(missing) in str(failed.value)


def test_a_server_that_dies_at_start_fails_with_its_log_and_leaves_no_folder(tmp_path, monkeypatch):
    fake = _programs(tmp_path / "bin", "initdb", "pg_ctl", "psql")
    for name, script in {
        "postgres": "echo 'FATAL:  could not create lock file'; exit 1",
        "pg_isready": "exit 2",  # no answer
    }.items():
        (fake / name).write_text(f"#!/bin/sh\n{script}\n")
        (fake / name).chmod(0o755)
    monkeypatch.setattr(pg._Owner, "choose", classmethod(lambda cls: cls()))  # fakes run as we do
    made: list[Path] = []
    mkdtemp = tempfile.mkdtemp

    def recorded_mkdtemp(**options: str) -> str:
        made.append(Path(mkdtemp(**options)))
        return str(made[-1])

    monkeypatch.setattr(pg.tempfile, "mkdtemp", recorded_mkdtemp)
    with pytest.raises(PostgresUnavailable) as raised:
        PostgresServer.start({"COHORTBOT_PG_BIN": str(fake)}, attempts=2)
    message = str(raised.value)
    assert message.count("postgres exited with status 1") == 2  # each attempt, on its own port
    assert "FATAL:  could not create lock file" in message
    assert len(made) == 1 and not made[0].exists()
