"""Direct messages to many people, each reached at most once per fan-out, even across restarts.

A member who closed their DMs is skipped and counted, never named in a
public channel. A rate limit or server error stops the fan-out with the
error, so the delivery is retried; whoever was already reached is recorded
and not messaged again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import discord

from bot.clock import Clock
from bot.store import Store

DMS_CLOSED = 50007  # Discord: "Cannot send messages to this user"


@dataclass
class FanoutResult:
    sent: int = 0
    dms_closed: int = 0
    failed: int = 0
    already: int = 0  # reached by an earlier try of the same fan-out
    closed_ids: list[int] = field(default_factory=list)  # for the instructor's private view only

    def summary(self) -> str:
        parts = [f"{self.sent} sent"]
        if self.dms_closed:
            parts.append(f"{self.dms_closed} skipped (DMs closed)")
        if self.failed:
            parts.append(f"{self.failed} failed")
        if self.already:
            parts.append(f"{self.already} already reached")
        return ", ".join(parts)


async def send_dms(
    store: Store,
    clock: Clock,
    cohort_id: int,
    key: str,
    recipients: Iterable[discord.User | discord.Member],
    message: Callable[[discord.User | discord.Member], dict[str, Any]],
) -> FanoutResult:
    """DM each recipient ``message(user)`` (keyword arguments for ``send``), once per ``key``."""
    result = FanoutResult()
    reached = await store.deliveries.recipients(cohort_id, key)
    for user in recipients:
        if user.id in reached:
            result.already += 1
            continue
        try:
            await user.send(**message(user))
            outcome = "sent"
            result.sent += 1
        except discord.Forbidden as error:
            if error.code != DMS_CLOSED:
                raise
            outcome = "dms_closed"
            result.dms_closed += 1
            result.closed_ids.append(user.id)
        except discord.NotFound:
            outcome = "failed"  # the account is gone
            result.failed += 1
        await store.deliveries.record_recipient(cohort_id, key, user.id, outcome, clock.now())
    return result
