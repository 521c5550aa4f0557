"""``cohortbot run``: settings from the environment and ``.env``, then the bot, for real."""

from __future__ import annotations

import logging
import os
import sys

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route
from dotenv import find_dotenv, load_dotenv

from bot.app.client import CohortBot
from bot.settings import Settings, SettingsError


def point_at(api_base: str | None, gateway_url: str | None) -> None:
    """Send REST calls and the gateway through proxies, when the settings name them.

    discord.py reads these two class attributes for every request and every
    connection; nothing else in the bot knows about proxies.
    """
    if api_base:
        Route.BASE = api_base
    if gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def run_bot() -> int:
    # The .env beside the operator (the working folder), as scripts/run and the README say:
    # a bare load_dotenv() searches upward from this module's file, i.e. the install folder.
    load_dotenv(find_dotenv(usecwd=True))
    try:
        settings = Settings.from_env(os.environ)
    except SettingsError as error:
        print(f"cohortbot: {error}", file=sys.stderr)
        return 2
    discord.utils.setup_logging(level=logging.getLevelName(settings.log_level))
    point_at(settings.api_base, settings.gateway_url)
    bot = CohortBot(
        database=settings.database,
        prompts_dir=settings.prompts_dir,
        dev_guild_id=settings.dev_guild_id,
    )
    bot.run(settings.token, log_handler=None)  # logging is already set up
    return 0
