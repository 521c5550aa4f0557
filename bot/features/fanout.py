"""Direct messages to many people, on any platform, each DMed exactly once per fan-out, even across crashes.

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

DMs are paced under the platform's rate limit by the bot's ``Pacer`` (the
policy: ``bot.pacing``), waiting before each claim, so a claim is only held
around its send. A rate limit that still comes back (``RateLimited``)
releases the claim, pauses the pacer for its ``retry_after`` and tries the
same recipient again; a wait too long or too many stop the fan-out like a
server error.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from bot.clock import Clock
from bot.cohort import retry_delay
from bot.dms import Outcome, Reached, Step, marker, next_step, stale_after
from bot.features.platform import NotYet
from bot.pacing import Pacer
from bot.store import Store

log = logging.getLogger(__name__)

Person = TypeVar("Person")
PersonIn = TypeVar("PersonIn", contravariant=True)


class CannotLook(Exception):
    """The platform would not show a person's DMs just now: look again later."""


class RateLimited(Exception):
    """The platform refused a DM for its rate limit (HTTP 429): wait ``retry_after`` seconds
    (None: it did not say), then try again."""

    def __init__(self, error: Exception, retry_after: float | None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


class Messenger(Protocol, Generic[PersonIn]):
    """How one platform DMs a person and finds its DM again."""

    def id_of(self, person: PersonIn) -> int:
        """The person's id as the store keeps it."""

    def cost(self, person: PersonIn) -> int:
        """How many requests DMing ``person`` takes (against the rate limit)."""

    async def send(self, person: PersonIn, tag: str) -> Outcome:
        """DM ``person`` their message carrying ``tag``: SENT, DMS_CLOSED, or FAILED (account
        gone). Raises ``RateLimited`` for a rate limit, anything else worth retrying as is."""

    async def find(self, person: PersonIn, tag: str, since: datetime) -> bool:
        """Whether the DM carrying ``tag`` went to ``person`` after ``since`` (CannotLook)."""


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
    recipients: Iterable[Person],
    messenger: Messenger[Person],
    *,
    pacer: Pacer | None = None,
) -> FanoutResult:
    """DM each recipient through ``messenger``, once per ``key``.

    Raises ``StillSending`` (after everyone else is done) when another process
    holds some recipients' claims, so that nobody is DMed twice or forgotten.
    ``pacer`` is the bot's (shared by its fan-outs; a fresh one if None); its waits
    are the clock's (virtual time on SimCord).
    """
    fanout = _Fanout(store, clock, pacer or Pacer(), cohort_id, key, messenger)
    reached = await store.deliveries.recipients(cohort_id, key)
    for person in recipients:
        limited = 0
        before = reached.get(messenger.id_of(person))
        while True:
            try:
                await fanout.reach(person, before)
                break
            except RateLimited as hit:
                limited += 1
                wait = fanout.pacer.rate_limited(clock.now(), hit.retry_after, limited)
                user_id = messenger.id_of(person)
                if wait is None:
                    log.warning("rate-limited DMing user %s for %s; stopping", user_id, key)
                    raise hit.error from None
                log.info("rate-limited DMing user %s for %s; again in %.1f s", user_id, key, wait)
                before = None  # its claim was released
    if fanout.result.in_flight:
        raise StillSending(fanout.result)
    return fanout.result


@dataclass
class _Fanout(Generic[Person]):
    """One fan-out's context, and what it has done so far."""

    store: Store
    clock: Clock
    pacer: Pacer
    cohort_id: int
    key: str
    messenger: Messenger[Person]
    result: FanoutResult = field(default_factory=FanoutResult)

    @property
    def tag(self) -> str:
        return marker(self.cohort_id, self.key)

    async def pace(self, person: Person) -> None:
        """Wait for the pacer; then while a rate limit another fan-out met holds everyone."""
        wait = self.pacer.reserve(self.clock.now(), self.messenger.cost(person))
        if wait > 0:
            await self.clock.sleep(wait)
        while (hold := self.pacer.paused_for(self.clock.now())) > 0:
            await self.clock.sleep(hold)

    async def reach(self, person: Person, before: Reached | None) -> None:
        """Do what one recipient needs: nothing, look for their DM, or claim and send."""
        store, result, cohort_id, key = self.store, self.result, self.cohort_id, self.key
        user_id = self.messenger.id_of(person)
        step = next_step(before, self.clock.now())
        if step == Step.DONE:
            result.already += 1
            return
        if step == Step.IN_FLIGHT:
            assert before is not None
            result.in_flight.append(stale_after(before))
            return
        await self.pace(person)
        now = self.clock.now()
        if step == Step.SETTLE:
            assert before is not None
            try:
                found = await self.messenger.find(person, self.tag, before.at)
            except CannotLook:
                log.warning("could not read user %s's DMs for %s; will look again", user_id, key)
                result.in_flight.append(now + retry_delay(1))
                return
            if found:
                log.info("found the DM %s to user %s already sent; recording it", key, user_id)
                await store.deliveries.record_recipient(
                    cohort_id, key, user_id, Outcome.SENT, self.clock.now()
                )
                result.already += 1
                return
            await self.pace(person)
            now = self.clock.now()
            taken = await store.deliveries.reclaim_recipient(cohort_id, key, user_id, before, now)
        else:
            taken = await store.deliveries.claim_recipient(cohort_id, key, user_id, now)
        if not taken:  # another process claimed them since we looked
            result.in_flight.append(now + retry_delay(1))
            return
        try:
            outcome = await self.messenger.send(person, self.tag)
        except Exception:
            # The platform answered with an error: the DM did not go. Release it for the retry.
            await store.deliveries.release_recipient(cohort_id, key, user_id)
            raise
        if outcome == Outcome.SENT:
            result.sent += 1
        elif outcome == Outcome.DMS_CLOSED:
            result.dms_closed += 1
        else:
            result.failed += 1
        await store.deliveries.record_recipient(cohort_id, key, user_id, outcome, self.clock.now())
