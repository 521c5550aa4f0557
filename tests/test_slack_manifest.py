"""The app manifest in the repo creates exactly the app the adapter needs."""

from __future__ import annotations

from contextlib import aclosing
from functools import partial
from pathlib import Path
from typing import Any

import yaml
from slack_bolt.app.async_app import AsyncApp

from bot.slack.commands import LEARNER_COMMANDS, STAFF_COMMANDS
from tests import test_slack_e2e as e2e
from tests.slack_helpers import SlackWorld, slack_world
from tests.slack_standin.workspace import BOT_SCOPES
from tests.test_slack_whole_course import run_whole_course

MANIFEST = Path(__file__).resolve().parent.parent / "slack-manifest.yaml"


def test_the_manifest_has_every_command_socket_mode_and_interactivity():
    manifest = yaml.safe_load(MANIFEST.read_text())
    commands = [c["command"] for c in manifest["features"]["slash_commands"]]
    assert commands == [*STAFF_COMMANDS, *LEARNER_COMMANDS]
    assert all(c["description"] for c in manifest["features"]["slash_commands"])
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] and settings["interactivity"]["is_enabled"]


# The events Slack sends for what the app listens to: a cohort's channel is public or private.
EVENTS = {"message": {"message.channels", "message.groups"}}


async def test_the_manifest_subscribes_to_exactly_the_events_the_app_listens_to(
    sworld: SlackWorld, monkeypatch
):
    heard: set[str] = set()
    listen = AsyncApp.event

    def event(self: AsyncApp, kind: Any, *args: Any, **kwargs: Any) -> Any:
        heard.add(str(kind))
        return listen(self, kind, *args, **kwargs)

    monkeypatch.setattr(AsyncApp, "event", event)
    await sworld.restart()  # a new app registers its listeners
    wanted = {e for kind in heard for e in EVENTS.get(kind, {kind})}
    manifest = yaml.safe_load(MANIFEST.read_text())
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == wanted
    assert {"message", "user_change", "subteam_members_changed"} <= heard


async def test_the_manifest_grants_exactly_the_scopes_the_bot_asks_for(tmp_path: Path):
    """The stand-in grants the manifest's scopes (as a workspace installed from it) and notes
    each scope a call needs. A whole course in a public and in a private channel, and a
    crash's look into a DM's history, ask for every scope in the manifest and no other
    (``commands`` is for the slash commands themselves, which need no Web API call)."""
    flows = [
        partial(run_whole_course, course="de-escalation", channel="cohort"),
        partial(run_whole_course, course="safe-workplace", channel="cohort-private"),
        e2e.test_killed_between_a_nudge_dm_and_its_record_nobody_is_nudged_twice,
    ]
    asked: set[str] = set()
    for n, flow in enumerate(flows):
        (tmp_path / str(n)).mkdir()
        async with aclosing(slack_world(tmp_path / str(n))) as worlds:
            async for world in worlds:
                assert world.slack.workspace.bot_scopes == set(BOT_SCOPES)
                await flow(world)
                asked |= world.slack.workspace.scopes_asked
    scopes = set(yaml.safe_load(MANIFEST.read_text())["oauth_config"]["scopes"]["bot"])
    assert asked == scopes - {"commands"}


async def test_slack_has_every_discord_command_by_the_same_name(world):
    """The same names and meanings on both platforms: every top-level Discord command is a
    Slack slash command, and every Discord staff subcommand is one of Slack's (Slack has user
    groups, not roles: ``/setup staff-role`` is ``/setup staff`` there)."""
    from bot.slack.commands import STAFF_COMMANDS as SLACK_STAFF
    from tests.helpers import commands_of, is_staff_command

    slack = {*SLACK_STAFF, *LEARNER_COMMANDS}
    discord_roots = {f"/{(c.root_parent or c).name}" for c in commands_of(world)}
    assert discord_roots == slack
    for command in filter(is_staff_command, commands_of(world)):
        if command.parent is not None:
            root = f"/{command.root_parent.name}"
            name = command.name.replace("staff-role", "staff")
            assert name in SLACK_STAFF[root], (root, command.name)
