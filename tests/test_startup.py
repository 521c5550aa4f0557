"""`cohortbot run` when the start cannot work: one line naming the cause and the setting,
and a documented exit status; checked on the real command, over loopback only."""

from __future__ import annotations

import asyncio
import os
import socket
import stat
import sys
from pathlib import Path

import pytest
from aiohttp import web

from bot.app.launch import EXIT_LOGIN_REFUSED, EXIT_SETTINGS, EXIT_UNREACHABLE
from bot.store import Store
from tests.test_proxy import REST_PREFIX, ProxyStandIn, discord_json

COHORTBOT = Path(sys.executable).with_name("cohortbot")  # the installed command
TOKEN = "startup-test-token.not-for-logs"
ROOT = os.geteuid() == 0  # root writes to read-only files: those cases use /proc instead
WAIT = 30


async def cohortbot(*arguments: str, cwd: Path, **settings: str) -> tuple[int, str]:
    """Run the real command with only ``settings`` in its environment: (status, stderr)."""
    env = {"PATH": os.environ.get("PATH", ""), "DISCORD_TOKEN": TOKEN, **settings}
    run = await asyncio.create_subprocess_exec(
        str(COHORTBOT),
        *arguments,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(run.communicate(), WAIT)
    return await run.wait(), err.decode()


def refused_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The working folder: no .env in it or above it."""
    return tmp_path


def one_line(err: str) -> str:
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("cohortbot:")]
    assert len(lines) == 1, err
    return lines[0]


async def test_a_token_discord_refuses_is_one_line_and_status_3(folder):
    async def unauthorized(request: web.Request) -> web.Response:
        return discord_json({"message": "401: Unauthorized", "code": 0}, status=401)

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", unauthorized)
    runner = web.AppRunner(app, shutdown_timeout=1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = int(runner.addresses[0][1])
    try:
        status, err = await cohortbot(
            "run",
            cwd=folder,
            DATABASE_PATH=str(folder / "bot.sqlite3"),
            DISCORD_API_BASE=f"http://127.0.0.1:{port}{REST_PREFIX}",
        )
    finally:
        await runner.cleanup()
    assert status == EXIT_LOGIN_REFUSED == 3
    line = one_line(err)
    assert "Discord refused DISCORD_TOKEN" in line and "401" in line
    assert TOKEN not in err


async def test_unreachable_discord_is_one_line_and_status_4(folder):
    base = f"http://127.0.0.1:{refused_port()}/api/v10"
    status, err = await cohortbot(
        "run", cwd=folder, DATABASE_PATH=str(folder / "bot.sqlite3"), DISCORD_API_BASE=base
    )
    assert status == EXIT_UNREACHABLE == 4
    line = one_line(err)
    assert f"cannot reach Discord at {base}" in line and "DISCORD_API_BASE" in line
    assert "refused" in line.lower()


def missing_folder(folder: Path) -> tuple[Path, str]:
    return folder / "no-such-folder" / "bot.sqlite3", "does not exist"


def a_directory(folder: Path) -> tuple[Path, str]:
    (folder / "data").mkdir()
    return folder / "data", "is a folder, not a file"


def read_only_file(folder: Path) -> tuple[Path, str]:
    if ROOT:
        return Path("/proc/version"), "SQLite cannot use it (unable to open database file)"
    path = folder / "bot.sqlite3"
    path.write_bytes(b"")
    path.chmod(stat.S_IRUSR)
    return path, "the file is read-only"


def read_only_folder(folder: Path) -> tuple[Path, str]:
    if ROOT:
        return Path("/proc/bot.sqlite3"), "SQLite cannot use it (unable to open database file)"
    locked = folder / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    return locked / "bot.sqlite3", "is read-only to this user"


def not_a_database(folder: Path) -> tuple[Path, str]:
    path = folder / "notes.txt"
    path.write_text("these are not the tables you are looking for\n" * 100)
    return path, "SQLite cannot use it (file is not a database)"


@pytest.mark.parametrize(
    "make", [missing_folder, a_directory, read_only_file, read_only_folder, not_a_database]
)
async def test_an_unusable_database_path_is_named_before_logging_in(folder, make):
    path, cause = make(folder)
    # An API base nobody listens on: had the bot tried to log in, it would say so instead.
    base = f"http://127.0.0.1:{refused_port()}/api/v10"
    status, err = await cohortbot("run", cwd=folder, DATABASE_PATH=str(path), DISCORD_API_BASE=base)
    assert status == EXIT_SETTINGS == 2
    assert err.startswith(f"cohortbot: DATABASE_PATH={path}: ")
    assert cause in one_line(err) and err.count("\n") == 1


@pytest.mark.parametrize(
    ("name", "cause"),
    [
        ("no-such-folder", "the folder does not exist"),
        ("empty", "holds no course files (*.yaml or *.yml)"),
        ("a-file.yaml", "is a file, not a folder of course files"),
    ],
)
async def test_an_unusable_prompts_dir_is_named_before_logging_in(folder, name, cause):
    """Else the bot logs in with no courses, and every running cohort's posts fail."""
    (folder / "empty").mkdir()
    (folder / "a-file.yaml").write_text("title: x\n")
    path = folder / name
    base = f"http://127.0.0.1:{refused_port()}/api/v10"
    status, err = await cohortbot(
        "run",
        cwd=folder,
        DATABASE_PATH=str(folder / "bot.sqlite3"),
        PROMPTS_DIR=str(path),
        DISCORD_API_BASE=base,
    )
    assert status == EXIT_SETTINGS == 2
    assert err.startswith(f"cohortbot: PROMPTS_DIR={path}: ")
    assert cause in one_line(err) and err.count("\n") == 1


class NotInThatServer(ProxyStandIn):
    """Discord, for a bot that was never invited to the DEV_GUILD_ID server."""

    async def rest(self, request: web.Request) -> web.Response:
        if "/guilds/" in request.path and request.path.endswith("/commands"):
            return discord_json({"message": "Missing Access", "code": 50001}, status=403)
        return await super().rest(request)


async def test_a_dev_guild_the_bot_is_not_in_is_named_in_one_line(folder):
    async with NotInThatServer(TOKEN) as discord_api:
        status, err = await cohortbot(
            "run",
            cwd=folder,
            DATABASE_PATH=str(folder / "bot.sqlite3"),
            DEV_GUILD_ID="123456789012345678",
            DISCORD_API_BASE=discord_api.api_base,
            DISCORD_GATEWAY_URL=discord_api.gateway_url,
        )
    assert status == EXIT_SETTINGS
    line = one_line(err)
    assert "DEV_GUILD_ID=123456789012345678" in line and "not in that server" in line
    assert TOKEN not in err


async def test_a_database_of_a_newer_cohortbot_is_refused_before_logging_in(folder):
    """An older version must not run on tables it does not know (a downgrade)."""
    path = folder / "bot.sqlite3"
    store = await Store.open(path)
    await store.db.execute(
        "INSERT INTO schema_version (version, applied_at) VALUES (9999, '2030-01-01')"
    )
    await store.db.commit()
    await store.close()
    base = f"http://127.0.0.1:{refused_port()}/api/v10"
    status, err = await cohortbot("run", cwd=folder, DATABASE_PATH=str(path), DISCORD_API_BASE=base)
    assert status == EXIT_SETTINGS
    line = one_line(err)
    assert line.startswith(f"cohortbot: DATABASE_PATH={path}: ") and "newer" in line


async def test_an_unreachable_postgresql_is_one_line_and_status_2(folder):
    url = f"postgresql://cohortbot:hunter2@127.0.0.1:{refused_port()}/cohortbot"
    base = f"http://127.0.0.1:{refused_port()}/api/v10"
    status, err = await cohortbot("run", cwd=folder, DATABASE_URL=url, DISCORD_API_BASE=base)
    assert status == EXIT_SETTINGS == 2
    line = one_line(err)
    assert line.startswith("cohortbot: DATABASE_URL=postgresql://cohortbot:***@127.0.0.1:")
    assert "PostgreSQL cannot be used" in line and "refused" in line.lower()
    assert "hunter2" not in err and err.count("\n") == 1


async def test_a_malformed_database_url_is_one_line_and_status_2(folder):
    status, err = await cohortbot("run", cwd=folder, DATABASE_URL="postgresql://db:port/x")
    assert status == EXIT_SETTINGS
    assert "DATABASE_URL=postgresql://db:port/x is malformed" in one_line(err)


async def test_a_missing_postgresql_database_is_one_line_and_status_2(folder, postgres_url):
    url = postgres_url.rsplit("/", 1)[0] + "/no_such_database"
    status, err = await cohortbot("run", cwd=folder, DATABASE_URL=url)
    assert status == EXIT_SETTINGS
    assert 'database "no_such_database" does not exist' in one_line(err)


async def test_database_url_is_used_instead_of_the_sqlite_file(folder, postgres_database):
    base = f"http://127.0.0.1:{refused_port()}/api/v10"
    status, err = await cohortbot(
        "run", cwd=folder, DATABASE_URL=postgres_database, DISCORD_API_BASE=base
    )
    assert status == EXIT_UNREACHABLE, err  # past the database, on to Discord
    assert not (folder / "cohortbot.sqlite3").exists()
    store = await Store.open(postgres_database)
    try:
        assert await store.cohorts.all() == []  # migrated: the tables are there
    finally:
        await store.close()
