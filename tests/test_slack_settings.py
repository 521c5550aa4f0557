"""Slack's settings: both tokens or neither, each of the right kind; one line and exit 2."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from aiohttp import web

from bot.settings import Settings, SettingsError
from bot.shards import team_shard
from tests.slack_standin import APP_TOKEN, BOT_TOKEN, SlackStandin
from tests.slack_standin.workspace import TEAM_ID
from tests.test_proxy import REST_PREFIX, discord_json
from tests.test_startup import COHORTBOT, TOKEN, WAIT, one_line, refused_port


def env(**values: str) -> dict[str, str]:
    return {"DISCORD_TOKEN": "", **values}


def test_no_slack_tokens_means_no_slack():
    assert Settings.from_env({"DISCORD_TOKEN": "x"}).slack is None


def test_slack_alone_needs_no_discord_token():
    settings = Settings.from_env(
        env(SLACK_BOT_TOKEN="xoxb-1", SLACK_APP_TOKEN="xapp-1", SLACK_API_BASE="http://h/api/")
    )
    assert settings.slack is not None and settings.slack.api_base == "http://h/api"
    assert "xoxb" not in repr(settings) and "xapp" not in repr(settings)


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN is not set"),
        ({"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN is not set"),
        ({"SLACK_BOT_TOKEN": "xoxp-1", "SLACK_APP_TOKEN": "xapp-1"}, "must start with xoxb-"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"}, "must start with xapp-"),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "SLACK_API_BASE": "ftp://x"},
            "SLACK_API_BASE",
        ),
        ({"SLACK_API_BASE": "http://h/api/"}, "SLACK_BOT_TOKEN is not"),
    ],
)
def test_a_bad_slack_setting_is_named(values, says):
    with pytest.raises(SettingsError, match=says):
        Settings.from_env(env(**values))


async def run(tmp_path: Path, **settings: str) -> tuple[int, str]:
    variables = {"PATH": os.environ.get("PATH", ""), **settings}
    process = await asyncio.create_subprocess_exec(
        str(COHORTBOT), "run", cwd=tmp_path, env=variables,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(process.communicate(), WAIT)
    return await process.wait(), err.decode()


async def test_a_malformed_slack_token_is_one_line_and_status_2(tmp_path):
    status, err = await run(tmp_path, SLACK_BOT_TOKEN="xoxp-nope", SLACK_APP_TOKEN="xapp-1")
    assert status == 2 and "SLACK_BOT_TOKEN must start with xoxb-" in one_line(err)
    assert "xoxp-nope" not in err


async def test_a_bot_token_slack_refuses_is_one_line_and_status_3(tmp_path):
    async with SlackStandin() as slack:
        status, err = await run(
            tmp_path, SLACK_BOT_TOKEN="xoxb-wrong", SLACK_APP_TOKEN=APP_TOKEN,
            SLACK_API_BASE=slack.api_base,
        )  # fmt: skip
    assert status == 3 and "SLACK_BOT_TOKEN" in one_line(err)
    assert BOT_TOKEN not in err


async def test_with_both_tokens_discord_unreachable_or_refusing_is_named_as_discord(tmp_path):
    """Slack starts first; Discord's failure is still Discord's line and status, not a
    traceback nor a word about Slack."""

    async def unauthorized(request: web.Request) -> web.Response:
        return discord_json({"message": "401: Unauthorized", "code": 0}, status=401)

    refusing = web.Application()
    refusing.router.add_route("*", "/{path:.*}", unauthorized)
    runner = web.AppRunner(refusing, shutdown_timeout=1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = int(runner.addresses[0][1])
    try:
        async with SlackStandin() as slack:
            both = {
                "DISCORD_TOKEN": TOKEN,
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_APP_TOKEN": APP_TOKEN,
                "SLACK_API_BASE": slack.api_base,
                "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
            }
            unreachable = f"http://127.0.0.1:{refused_port()}/api/v10"
            status, err = await run(tmp_path, **both, DISCORD_API_BASE=unreachable)
            assert status == 4 and f"cannot reach Discord at {unreachable}" in one_line(err)
            refused = f"http://127.0.0.1:{port}{REST_PREFIX}"
            status, err = await run(tmp_path, **both, DISCORD_API_BASE=refused)
            assert status == 3 and "Discord refused DISCORD_TOKEN" in one_line(err)
            assert TOKEN not in err and BOT_TOKEN not in err
            assert slack.count("auth.test") == 2  # Slack had started: it was not the cause
    finally:
        await runner.cleanup()


async def test_a_process_whose_shards_do_not_hold_the_workspace_leaves_slack_alone(tmp_path):
    """A workspace is one shard's (``team_shard``); a Slack process of the other shards says
    so in one line and ends, never connecting to it (the workspace's own process serves it)."""
    other = 1 - team_shard(TEAM_ID, 2)
    async with SlackStandin() as slack:
        status, err = await run(
            tmp_path, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN,
            SLACK_API_BASE=slack.api_base, SHARD_COUNT="2", SHARD_IDS=str(other),
            DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
        )  # fmt: skip
        assert status == 0, err
        assert f"Slack workspace {TEAM_ID} is shard {1 - other}'s" in err
        assert slack.count("apps.connections.open") == 0
