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
public channel. A server error releases that recipient's claim and stops the
fan-out with the error, so the delivery is retried; whoever was already
reached is recorded and not messaged again.

DMs are paced under Discord's global limit by the bot's ``Pacer`` (the
policy: ``bot.pacing``), waiting before each claim, so a claim is only held
around its send. A 429 that still comes back releases the claim, pauses the
pacer for its ``retry_after`` and tries the same recipient again; a wait too
long or too many 429s stop the fan-out like a server error.
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
from bot.dms import Outcome, Reached, Step, marker, next_step, stale_after
from bot.pacing import DM_CHANNEL_REQUESTS, DM_REQUESTS, Pacer
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
    *,
    pacer: Pacer | None = None,
) -> FanoutResult:
    """DM each recipient ``message(user)`` (keyword arguments for ``send``), once per ``key``.

    Raises ``StillSending`` (after everyone else is done) when another process
    holds some recipients' claims, so that nobody is DMed twice or forgotten.
    ``pacer`` is the bot's (shared by its fan-outs; a fresh one if None); its waits
    are the clock's (virtual time on SimCord).
    """
    fanout = _Fanout(store, clock, pacer or Pacer(), cohort_id, key, message)
    reached = await store.deliveries.recipients(cohort_id, key)
    for user in recipients:
        limited = 0
        before = reached.get(user.id)
        while True:
            try:
                await fanout.reach(user, before)
                break
            except _RateLimited as hit:
                limited += 1
                wait = fanout.pacer.rate_limited(clock.now(), hit.retry_after, limited)
                if wait is None:
                    log.warning("rate-limited DMing user %s for %s; stopping", user.id, key)
                    raise hit.error from None
                log.info("rate-limited DMing user %s for %s; again in %.1f s", user.id, key, wait)
                before = None  # its claim was released
    if fanout.result.in_flight:
        raise StillSending(fanout.result)
    return fanout.result


class _RateLimited(Exception):
    """Discord answered 429 to a DM whose claim is now released."""

    def __init__(self, error: Exception, retry_after: float | None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


def _retry_after(error: Exception) -> float | None:
    """The wait a 429 asks for: discord.py's ``RateLimited``, or the ``Retry-After`` header."""
    if isinstance(error, discord.RateLimited):
        return error.retry_after
    headers = getattr(getattr(error, "response", None), "headers", None) or {}
    try:
        return float(headers["Retry-After"])
    except (KeyError, TypeError, ValueError):
        return None


@dataclass
class _Fanout:
    """One fan-out's context, and what it has done so far."""

    store: Store
    clock: Clock
    pacer: Pacer
    cohort_id: int
    key: str
    message: Callable[[discord.User | discord.Member], dict[str, Any]]
    result: FanoutResult = field(default_factory=FanoutResult)

    @property
    def tag(self) -> str:
        return marker(self.cohort_id, self.key)

    async def pace(self, user: discord.User | discord.Member) -> None:
        """Wait for the pacer: one request if the DM channel is known, two if it must be opened."""
        cost = DM_REQUESTS if user.dm_channel is not None else DM_CHANNEL_REQUESTS
        wait = self.pacer.reserve(self.clock.now(), cost)
        if wait > 0:
            await self.clock.sleep(wait)
        # A 429 that another fan-out met while this one waited holds this one too.
        while (hold := self.pacer.paused_for(self.clock.now())) > 0:
            await self.clock.sleep(hold)

    async def reach(self, user: discord.User | discord.Member, before: Reached | None) -> None:
        """Do what one recipient needs: nothing, look for their DM, or claim and send."""
        store, result, cohort_id, key = self.store, self.result, self.cohort_id, self.key
        step = next_step(before, self.clock.now())
        if step == Step.DONE:
            result.already += 1
            return
        if step == Step.IN_FLIGHT:
            assert before is not None
            result.in_flight.append(stale_after(before))
            return
        await self.pace(user)
        now = self.clock.now()
        if step == Step.SETTLE:
            assert before is not None
            try:
                found = await find_dm(user, self.tag, before.at)
            except discord.HTTPException:
                log.warning("could not read user %s's DMs for %s; will look again", user.id, key)
                result.in_flight.append(now + retry_delay(1))
                return
            if found is not None:
                log.info("found the DM %s to user %s already sent; recording it", key, user.id)
                await store.deliveries.record_recipient(
                    cohort_id, key, user.id, Outcome.SENT, self.clock.now()
                )
                result.already += 1
                return
            await self.pace(user)
            now = self.clock.now()
            taken = await store.deliveries.reclaim_recipient(cohort_id, key, user.id, before, now)
        else:
            taken = await store.deliveries.claim_recipient(cohort_id, key, user.id, now)
        if not taken:  # another process claimed them since we looked
            result.in_flight.append(now + retry_delay(1))
            return
        await self.send_one(user)

    async def send_one(self, user: discord.User | discord.Member) -> None:
        """Send one claimed DM and record what came of it."""
        store, result, cohort_id, key = self.store, self.result, self.cohort_id, self.key
        kwargs = self.message(user)
        kwargs["content"] = marked_text(kwargs.get("content") or "", self.tag)
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
        except (discord.HTTPException, discord.RateLimited) as error:
            # Discord answered with an error: the DM did not go. Release it for the retry.
            await store.deliveries.release_recipient(cohort_id, key, user.id)
            if isinstance(error, discord.RateLimited) or error.status == 429:
                raise _RateLimited(error, _retry_after(error)) from error
            raise
        await store.deliveries.record_recipient(cohort_id, key, user.id, outcome, self.clock.now())
