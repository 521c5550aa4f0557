"""Exactly-once direct messages to many people: the rules, without Discord.

A fan-out (a week's nudges, a session's reminders, a recording) DMs each
recipient at most once per key, and records that it did. Each recipient's
row in ``delivery_recipients`` is claimed before the DM (outcome
``sending``, with the moment of the claim), and finished after it (``sent``,
``dms_closed`` or ``failed``). Every DM carries the fan-out's marker, so a
claim left by a process that died between sending and recording is settled
by looking for the marker in that person's DM channel: found, it is
recorded; not found, it is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.cohort import CLAIM_LEASE


class Outcome(StrEnum):
    SENDING = "sending"  # claimed: a process is sending it right now (or died doing so)
    SENT = "sent"
    DMS_CLOSED = "dms_closed"  # the person does not accept DMs from the server's members
    FAILED = "failed"  # the account is gone


@dataclass(frozen=True)
class Reached:
    """What is recorded for one recipient of one fan-out, and when."""

    outcome: Outcome
    at: datetime


class Step(StrEnum):
    SEND = "send"  # nobody has tried: claim, then send
    DONE = "done"  # settled before: never again
    IN_FLIGHT = "in_flight"  # another process holds a fresh claim: leave it to them, look later
    SETTLE = "settle"  # a claim older than the lease: look for the DM, then record or send


def next_step(reached: Reached | None, now: datetime) -> Step:
    """What a fan-out does about one recipient, given what the database holds for them."""
    if reached is None:
        return Step.SEND
    if reached.outcome != Outcome.SENDING:
        return Step.DONE
    if now < stale_after(reached):
        return Step.IN_FLIGHT
    return Step.SETTLE


def stale_after(reached: Reached) -> datetime:
    """When a claim stops being presumed alive."""
    return reached.at + CLAIM_LEASE


def marker(cohort_id: int, key: str) -> str:
    """The tag every DM of one fan-out carries (as posts carry theirs in a footer)."""
    return f"cohort {cohort_id} · {key}"
