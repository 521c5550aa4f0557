"""DMs on Discord: the shared exactly-once fan-out (``bot.features.fanout``) over a user's
DM channel. Every DM carries the fan-out's marker as its last line (``bot.app.markers``).
A member who closed their DMs is skipped and counted, never named in a public channel.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import discord

from bot.app.markers import find_dm, marked_text
from bot.clock import Clock
from bot.dms import Outcome
from bot.features.fanout import CannotLook, FanoutResult, StillSending
from bot.features.fanout import send_dms as send_through
from bot.store import Store

__all__ = ["DiscordMessenger", "FanoutResult", "StillSending", "send_dms"]

DMS_CLOSED = 50007  # Discord: "Cannot send messages to this user"

User = discord.User | discord.Member


class DiscordMessenger:
    def __init__(self, message: Callable[[User], dict[str, Any]]) -> None:
        self._message = message

    def id_of(self, person: User) -> int:
        return person.id

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
        return Outcome.SENT

    async def find(self, person: User, tag: str, since: datetime) -> bool:
        try:
            return await find_dm(person, tag, since) is not None
        except discord.HTTPException as error:
            raise CannotLook(str(error)) from error


async def send_dms(
    store: Store,
    clock: Clock,
    cohort_id: int,
    key: str,
    recipients: Iterable[User],
    message: Callable[[User], dict[str, Any]],
) -> FanoutResult:
    """DM each recipient ``message(user)`` (keyword arguments for ``send``), once per ``key``."""
    return await send_through(store, clock, cohort_id, key, recipients, DiscordMessenger(message))
