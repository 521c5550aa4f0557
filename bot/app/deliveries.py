"""The delivery runner on Discord: how Discord's errors read to an instructor.

The runner itself (claim, send, record, retry) is shared by both platforms and lives in
``bot.features.deliveries``; its log lines keep this module's logger name on Discord.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import discord

from bot.cohort import PlatformName
from bot.features import deliveries as shared
from bot.features.deliveries import Job, NotYet, Sent

__all__ = ["DeliveryRunner", "DiscordErrors", "Job", "NotYet", "Sent", "describe", "log"]

log = logging.getLogger(__name__)

PERMISSION_CODES = {50013: "missing permissions", 50001: "missing access", 50007: "DMs closed"}


def describe(error: BaseException) -> str | None:
    """A one-line reason an instructor can act on, for Discord's refusals; None for others."""
    if not isinstance(error, discord.HTTPException):
        return None
    what = PERMISSION_CODES.get(error.code) or error.text or "error"
    if error.status == 429:
        return "Discord is rate-limiting me (HTTP 429)"
    if error.status >= 500:
        return f"Discord had a server error (HTTP {error.status})"
    return f"Discord refused (HTTP {error.status}, {what})"


class DiscordErrors:
    def describe(self, error: BaseException) -> str | None:
        return describe(error)

    def relative(self, moment: datetime) -> str:
        return discord.utils.format_dt(moment, "R")


class DeliveryRunner(shared.DeliveryRunner):
    """The shared runner with Discord's words for its errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("errors", DiscordErrors())
        kwargs.setdefault("log", log)
        kwargs.setdefault("platform", PlatformName.DISCORD)
        super().__init__(*args, **kwargs)
