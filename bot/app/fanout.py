"""Direct messages to many people, each DMed exactly once per fan-out, even across crashes.

Per recipient: claim (a conditional INSERT, so of two processes only one
holds it), send the DM carrying the fan-out's marker, record the outcome.
A claim older than the lease belongs to a process that died between
sending and recording: the recipient's DM channel is searched for the
marker, and the DM is recorded if found, sent if not. A fresh claim held
by another process is left to it; the fan-out then ends with
``StillSending``, so a scheduled delivery looks again when that claim
would be stale (the rules: ``bot.dms``).

A member who closed their DMs is skipped and counted, never named in a
public channel. A rate limit or server error releases that recipient's
claim and stops the fan-out with the error, so the delivery is retried;
whoever was already reached is recorded and not messaged again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import discord

from bot.app.deliveries import NotYet
from bot.app.markers import find_dm, marked_text
from bot.clock import Clock
from bot.cohort import retry_delay
from bot.dms import Outcome, Step, marker, next_step, stale_after
from bot.store import Store

log = logging.getLogger(__name__)

DMS_CLOSED = 50007  # Discord: "Cannot send messages to this user"


@dataclass
class FanoutResult:
    sent: int = 0
    dms_closed: int = 0
    failed: int = 0
    already: int = 0  # reached by an earlier try of the same fan-out
    in_flight: list[datetime] = field(default_factory=list)  # when to look again, per recipient

    def summary(self) -> str:
        parts = [f"{self.sent} sent"]
        if self.dms_closed:
            parts.append(f"{self.dms_closed} skipped (DMs closed)")
        if self.failed:
            parts.append(f"{self.failed} failed")
        if self.already:
            parts.append(f"{self.already} already reached")
        if self.in_flight:
            parts.append(f"{len(self.in_flight)} being sent by another process")
        return ", ".join(parts)


class StillSending(NotYet):
    """Some recipients are claimed by another process (alive, or dead less than a lease ago)."""

    def __init__(self, result: FanoutResult) -> None:
        super().__init__(
            f"{result.summary()}. Another process is sending the rest right now (or stopped"
            " while it was). Nobody gets the same DM twice: run this again in a couple of"
            " minutes to reach anyone it missed.",
            until=max(result.in_flight),
        )
        self.result = result


async def send_dms(
    store: Store,
    clock: Clock,
    cohort_id: int,
    key: str,
    recipients: Iterable[discord.User | discord.Member],
    message: Callable[[discord.User | discord.Member], dict[str, Any]],
) -> FanoutResult:
    """DM each recipient ``message(user)`` (keyword arguments for ``send``), once per ``key``.

    Raises ``StillSending`` (after everyone else is done) when another process
    holds some recipients' claims, so that nobody is DMed twice or forgotten.
    """
    result = FanoutResult()
    tag = marker(cohort_id, key)
    reached = await store.deliveries.recipients(cohort_id, key)
    for user in recipients:
        now = clock.now()
        before = reached.get(user.id)
        step = next_step(before, now)
        if step == Step.DONE:
            result.already += 1
            continue
        if step == Step.IN_FLIGHT:
            assert before is not None
            result.in_flight.append(stale_after(before))
            continue
        if step == Step.SETTLE:
            assert before is not None
            try:
                found = await find_dm(user, tag, before.at)
            except discord.HTTPException:
                log.warning("could not read user %s's DMs for %s; will look again", user.id, key)
                result.in_flight.append(now + retry_delay(1))
                continue
            if found is not None:
                log.info("found the DM %s to user %s already sent; recording it", key, user.id)
                await store.deliveries.record_recipient(
                    cohort_id, key, user.id, Outcome.SENT, clock.now()
                )
                result.already += 1
                continue
            taken = await store.deliveries.reclaim_recipient(cohort_id, key, user.id, before, now)
        else:
            taken = await store.deliveries.claim_recipient(cohort_id, key, user.id, now)
        if not taken:  # another process claimed them since we looked
            result.in_flight.append(now + retry_delay(1))
            continue
        await _send_one(store, clock, cohort_id, key, user, message, tag, result)
    if result.in_flight:
        raise StillSending(result)
    return result


async def _send_one(
    store: Store,
    clock: Clock,
    cohort_id: int,
    key: str,
    user: discord.User | discord.Member,
    message: Callable[[discord.User | discord.Member], dict[str, Any]],
    tag: str,
    result: FanoutResult,
) -> None:
    """Send one claimed DM and record what came of it."""
    kwargs = message(user)
    kwargs["content"] = marked_text(kwargs.get("content") or "", tag)
    try:
        await user.send(**kwargs)
        outcome = Outcome.SENT
        result.sent += 1
    except discord.Forbidden as error:
        if error.code != DMS_CLOSED:
            await store.deliveries.release_recipient(cohort_id, key, user.id)
            raise
        outcome = Outcome.DMS_CLOSED
        result.dms_closed += 1
    except discord.NotFound:
        outcome = Outcome.FAILED  # the account is gone
        result.failed += 1
    except discord.HTTPException:
        # Discord answered with an error: the DM did not go. Release it for the retry.
        await store.deliveries.release_recipient(cohort_id, key, user.id)
        raise
    await store.deliveries.record_recipient(cohort_id, key, user.id, outcome, clock.now())
