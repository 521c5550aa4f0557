"""DMs on Discord: the shared exactly-once fan-out (``bot.features.fanout``) over a user's
DM channel. Every DM carries the fan-out's marker as its last line (``bot.app.markers``).
A member who closed their DMs is skipped and counted, never named in a public channel.
A 429 becomes the shared ``RateLimited`` (with Discord's ``retry_after``), so the fan-out
waits it out under the bot's pacer and tries the same person again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import discord

from bot.app.markers import find_dm, marked_text
from bot.clock import Clock
from bot.dms import Outcome
from bot.features.fanout import CannotLook, FanoutResult, RateLimited, StillSending
from bot.features.fanout import send_dms as send_through
from bot.pacing import DM_CHANNEL_REQUESTS, DM_REQUESTS, Pacer
from bot.store import Store

__all__ = ["DiscordMessenger", "FanoutResult", "StillSending", "send_dms"]

DMS_CLOSED = 50007  # Discord: "Cannot send messages to this user"

User = discord.User | discord.Member


class DiscordMessenger:
    def __init__(self, message: Callable[[User], dict[str, Any]]) -> None:
        self._message = message

    def id_of(self, person: User) -> int:
        return person.id

    def cost(self, person: User) -> int:
        """One request when discord.py still holds the DM channel, two when it must open it."""
        return DM_REQUESTS if person.dm_channel is not None else DM_CHANNEL_REQUESTS

    async def send(self, person: User, tag: str) -> Outcome:
        kwargs = self._message(person)
        kwargs["content"] = marked_text(kwargs.get("content") or "", tag)
        try:
            await person.send(**kwargs)
        except discord.Forbidden as error:
            if error.code != DMS_CLOSED:
                raise
            return Outcome.DMS_CLOSED
        except discord.NotFound:
            return Outcome.FAILED  # the account is gone
        except (discord.HTTPException, discord.RateLimited) as error:
            if isinstance(error, discord.RateLimited) or error.status == 429:
                raise RateLimited(error, _retry_after(error)) from error
            raise
        return Outcome.SENT

    async def find(self, person: User, tag: str, since: datetime) -> bool:
        try:
            return await find_dm(person, tag, since) is not None
        except discord.HTTPException as error:
            raise CannotLook(str(error)) from error


def _retry_after(error: Exception) -> float | None:
    """The wait a 429 asks for: discord.py's ``RateLimited``, or the ``Retry-After`` header."""
    if isinstance(error, discord.RateLimited):
        return error.retry_after
    headers = getattr(getattr(error, "response", None), "headers", None) or {}
    try:
        return float(headers["Retry-After"])
    except (KeyError, TypeError, ValueError):
        return None


async def send_dms(
    store: Store,
    clock: Clock,
    cohort_id: int,
    key: str,
    recipients: Iterable[User],
    message: Callable[[User], dict[str, Any]],
    *,
    pacer: Pacer | None = None,
) -> FanoutResult:
    """DM each recipient ``message(user)`` (keyword arguments for ``send``), once per ``key``."""
    return await send_through(
        store, clock, cohort_id, key, recipients, DiscordMessenger(message), pacer=pacer
    )
