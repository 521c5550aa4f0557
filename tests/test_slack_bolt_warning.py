"""What a self-hoster reads when the Slack app starts: no warning from slack-bolt that the
bot token "will be unused" (it is used: the bot's own Web API client carries it)."""

from __future__ import annotations

import logging

from bot.settings import SlackSettings
from bot.slack.app import SlackBot


def test_no_token_will_be_unused_warning_with_the_token_in_the_environment(
    tmp_path, monkeypatch, caplog
):
    # cohortbot run loads .env into the environment, where slack-bolt looks for it too
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    settings = SlackSettings(bot_token="xoxb-1", app_token="xapp-1")
    with caplog.at_level(logging.WARNING):
        bot = SlackBot(settings, database=tmp_path / "bot.sqlite3", scheduled=False)
    assert bot.app.client.token == "xoxb-1"
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
