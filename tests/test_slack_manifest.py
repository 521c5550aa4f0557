"""The app manifest in the repo creates exactly the app the adapter needs."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.slack.commands import LEARNER_COMMANDS, STAFF_COMMANDS
from tests.slack_standin.workspace import Workspace

MANIFEST = Path(__file__).resolve().parent.parent / "slack-manifest.yaml"


def test_the_manifest_has_every_command_socket_mode_and_interactivity():
    manifest = yaml.safe_load(MANIFEST.read_text())
    commands = [c["command"] for c in manifest["features"]["slash_commands"]]
    assert commands == [*STAFF_COMMANDS, *LEARNER_COMMANDS]
    assert all(c["description"] for c in manifest["features"]["slash_commands"])
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] and settings["interactivity"]["is_enabled"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "message.channels",
        "message.groups",
        "user_change",
        "subteam_members_changed",
    }


def test_the_manifest_asks_for_no_scope_the_stand_in_does_not_require():
    """The stand-in checks each method's scope as Slack does: the manifest grants those."""
    scopes = set(yaml.safe_load(MANIFEST.read_text())["oauth_config"]["scopes"]["bot"])
    granted = Workspace().bot_scopes
    assert scopes <= granted | {"commands"}, scopes - granted
    assert {"chat:write", "channels:history", "im:write", "files:write", "users:read"} <= scopes


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
