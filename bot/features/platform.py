"""What the features need of a chat platform, and nothing more.

A *place* is where a cohort lives (a Discord forum or channel, a Slack channel), named by
the integer id the store keeps. A post carries its delivery's *marker* so that it can be
found again after a crash between sending it and recording it (an embed footer on
Discord, message ``metadata`` on Slack).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol, TypeVar

from bot.cohort import Cohort
from bot.errors import UserError
from bot.pacing import Pacer
from bot.participation import Learner
from bot.render import Post
from bot.timetable import CohortSession
from bot.vocabulary import Vocabulary

if TYPE_CHECKING:
    from bot.features.fanout import Messenger

log = logging.getLogger(__name__)
Person = TypeVar("Person")


async def instructors_to_tell(
    cohort: Cohort,
    creator: Person | None,
    creator_may_run: bool,
    instructors: Callable[[], Awaitable[list[Person]]],
) -> list[Person]:
    """Who gets a cohort's private notices (they name learners): whoever created it while
    they are still here and may run it; once they may not, the members of its instructor
    group (a role on Discord, a user group on Slack; asked only then) instead."""
    if creator is not None and creator_may_run:
        return [creator]
    log.info("cohort %s's creator can no longer run it: telling its instructors", cohort.id)
    return await instructors()


def instructor_notice(cohort: Cohort, text: str) -> str:
    """A notice as the instructor reads it, among their other cohorts' ones."""
    return f"**{cohort.name}**: {text}"


@dataclass(frozen=True)
class Sent:
    """Where a delivery went: the channel (or thread) and message that carry its marker."""

    channel_id: int | None = None
    message_id: int | None = None
    note: str | None = None
    thread_id: int | None = None  # the thread the post opened, kept for the archive


@dataclass(frozen=True)
class Readers:
    """Who can read a place: anyone in the server or workspace, and the cohort's learners."""

    everyone: bool
    learners: bool


class NotYet(UserError):
    """Part of a delivery is in another process's hands: look again at ``until``, no failure."""

    def __init__(self, message: str, *, until: datetime) -> None:
        super().__init__(message)
        self.until = until


class Action(StrEnum):
    """A button under a post; each adapter draws it its own way, and it outlives restarts."""

    SUBMIT = "submit"  # Submit assignment, under a week that sets one
    REMIND = "remind"  # Remind me, under a session's announcement
    ICS = "ics"  # Add to calendar
    CHECKIN = "checkin"  # Check in, under "starting now"
    WATCHED = "watched"  # Watched it, under a recording where one stands in for the session


@dataclass(frozen=True)
class Buttons:
    """The buttons under one post, and what they are about (the week, or the session)."""

    cohort_id: int
    actions: tuple[Action, ...]
    week: int | None = None
    session: str | None = None


class Errors(Protocol):
    """How a platform's failures read to an instructor."""

    def describe(self, error: BaseException) -> str | None:
        """A one-line reason for a platform error, or None if it is not the platform's."""

    def relative(self, moment: datetime) -> str:
        """``moment`` as the platform shows a time relative to now ("in 5 minutes")."""


class Platform(Errors, Protocol):
    """One chat platform, as the shared features see it."""

    pacer: Pacer  # paces every DM fan-out under the platform's rate limits
    words: Vocabulary  # what the platform calls things the shared texts name

    async def publish(
        self,
        place_id: int,
        post: Post,
        marker: str,
        *,
        week: int | None = None,
        buttons: Buttons | None = None,
    ) -> Sent:
        """Post ``post`` in the place, marked; a week's post opens its discussion thread."""

    async def find_published(self, place_id: int, marker: str, since: datetime) -> Sent | None:
        """The post ``publish`` made for ``marker`` after ``since``, if a crash hid it."""

    async def rewrite(
        self, sent: Sent, post: Post, marker: str, *, buttons: Buttons | None = None
    ) -> None:
        """Put ``post`` (still marked) in place of what ``sent`` shows, with ``buttons`` (none:
        its buttons removed)."""

    async def reply(
        self,
        cohort: Cohort,
        sent: Sent,
        text: Callable[[Readers], str],
        *,
        buttons: Buttons | None = None,
    ) -> str | None:
        """Answer a post where its discussion is (a reply, or in the thread it opened on
        Discord; in its thread on Slack), saying ``text(who can read it there)``; how the
        place is named to an instructor, or None if it is gone."""

    async def tell_instructors(self, cohort: Cohort, text: str, *, once: str | None = None) -> None:
        """Private word to the cohort's instructor; with ``once`` (a key), sent once per key
        even if the process dies between sending and recording it."""

    async def learners(self, cohort: Cohort) -> list[Learner]:
        """The people in the cohort's learner group (bots never), whether or not they wrote."""

    async def people(self, cohort: Cohort, user_ids: list[int]) -> list[Learner]:
        """Those of ``user_ids`` still in the cohort's workspace or server, in that order."""

    async def sessions_planned(self, cohort: Cohort, sessions: list[CohortSession]) -> None:
        """The platform's calendar shows these sessions (Discord events; Slack has none)."""

    async def hand_ins_closed(self, cohort: Cohort) -> None:
        """The cohort's Submit buttons now say hand-ins are closed."""

    async def archive(self, cohort: Cohort, now: datetime) -> str:
        """Close the cohort's discussions as the platform allows; a note of what was done."""

    def messenger(self, cohort: Cohort, text: Callable[[Learner], str]) -> Messenger[Learner]:
        """DMs to the cohort's people, each saying ``text(person)``."""

    async def link(self, cohort: Cohort, channel_id: int | None, message_id: int | None) -> str:
        """A link to a message (or the place, without ``message_id``)."""

    async def mention(self, place_id: int) -> str:
        """A channel (or forum) named in a text as the platform shows it, a link to it."""
