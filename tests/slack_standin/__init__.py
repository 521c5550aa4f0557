"""A loopback Slack for the tests: Web API, Socket Mode, and people who use the workspace.

See README.md in this folder for what it covers and how to drive it."""

from tests.slack_standin.actors import NotAllowed, Person
from tests.slack_standin.server import APP_TOKEN, BOT_TOKEN, SlackStandin
from tests.slack_standin.workspace import (
    BOT_USER_ID,
    Conversation,
    Message,
    User,
    Workspace,
    standard_workspace,
)

__all__ = [
    "APP_TOKEN",
    "BOT_TOKEN",
    "BOT_USER_ID",
    "Conversation",
    "Message",
    "NotAllowed",
    "Person",
    "SlackStandin",
    "User",
    "Workspace",
    "standard_workspace",
]
