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
public channel. A rate limit or server error releases that recipient's
claim and stops the fan-out with the error, so the delivery is retried;
whoever was already reached is recorded and not messaged again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from bot.clock import Clock
from bot.cohort import retry_delay
from bot.dms import Outcome, Step, marker, next_step, stale_after
from bot.features.platform import NotYet
from bot.store import Store

log = logging.getLogger(__name__)

Person = TypeVar("Person")
PersonIn = TypeVar("PersonIn", contravariant=True)


class CannotLook(Exception):
    """The platform would not show a person's DMs just now: look again later."""


class Messenger(Protocol, Generic[PersonIn]):
    """How one platform DMs a person and finds its DM again."""

    def id_of(self, person: PersonIn) -> int:
        """The person's id as the store keeps it."""

    async def send(self, person: PersonIn, tag: str) -> Outcome:
        """DM ``person`` their message carrying ``tag``: SENT, DMS_CLOSED, or FAILED (account
        gone). Raises for anything worth retrying (rate limit, server error)."""

    async def find(self, person: PersonIn, tag: str, since: datetime) -> bool:
        """Whether the DM carrying ``tag`` went to ``person`` after ``since`` (CannotLook)."""


@dataclass
class FanoutResult:
    sent: int = 0
    dms_closed: int = 0
    failed: int = 0
    already: int = 0  # reached by an earlier try of the same fan-out
    closed_ids: list[int] = field(default_factory=list)  # for the instructor's private view only
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
) -> FanoutResult:
    """DM each recipient through ``messenger``, once per ``key``.

    Raises ``StillSending`` (after everyone else is done) when another process
    holds some recipients' claims, so that nobody is DMed twice or forgotten.
    """
    result = FanoutResult()
    tag = marker(cohort_id, key)
    reached = await store.deliveries.recipients(cohort_id, key)
    for person in recipients:
        user_id = messenger.id_of(person)
        now = clock.now()
        before = reached.get(user_id)
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
                found = await messenger.find(person, tag, before.at)
            except CannotLook:
                log.warning("could not read user %s's DMs for %s; will look again", user_id, key)
                result.in_flight.append(now + retry_delay(1))
                continue
            if found:
                log.info("found the DM %s to user %s already sent; recording it", key, user_id)
                await store.deliveries.record_recipient(
                    cohort_id, key, user_id, Outcome.SENT, clock.now()
                )
                result.already += 1
                continue
            taken = await store.deliveries.reclaim_recipient(cohort_id, key, user_id, before, now)
        else:
            taken = await store.deliveries.claim_recipient(cohort_id, key, user_id, now)
        if not taken:  # another process claimed them since we looked
            result.in_flight.append(now + retry_delay(1))
            continue
        try:
            outcome = await messenger.send(person, tag)
        except Exception:
            # The platform answered with an error: the DM did not go. Release it for the retry.
            await store.deliveries.release_recipient(cohort_id, key, user_id)
            raise
        if outcome == Outcome.SENT:
            result.sent += 1
        elif outcome == Outcome.DMS_CLOSED:
            result.dms_closed += 1
            result.closed_ids.append(user_id)
        else:
            result.failed += 1
        await store.deliveries.record_recipient(cohort_id, key, user_id, outcome, clock.now())
    if result.in_flight:
        raise StillSending(result)
    return result
