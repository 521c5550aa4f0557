"""Assignments: handing in a week's work, and what staff see of it.

Pure: times and ids in, decisions and words out. What a learner hands in (a
link, a note, files) is posted on the platform and never kept here or in the store:
only who, which week, when, where, and whether it was reviewed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.errors import InvalidInput, NotAllowed
from bot.localtime import discord_timestamp
from bot.participation import Learner, fit, plural, who, who_in_file
from bot.render import MESSAGE_LIMIT, TITLE_LIMIT
from bot.sessions import https_link
from bot.timetable import Calendar
from bot.vocabulary import Vocabulary

LINK_LIMIT = 500
NOTE_LIMIT = 1500  # with the heading, the post fits one message


@dataclass(frozen=True)
class Submission:
    """One learner's hand-in for one week: where it is, never what it says."""

    cohort_id: int
    user_id: int
    week: int
    submitted_at: datetime
    late: bool
    channel_id: int  # the private thread it was posted in
    message_id: int
    reviewed_by: int | None = None
    reviewed_at: datetime | None = None

    @property
    def reviewed(self) -> bool:
        return self.reviewed_at is not None


def hand_in_is_late(calendar: Calendar, week: int, now: datetime) -> bool:
    """Whether a hand-in now is late; refused once the consultation window has closed."""
    if now >= calendar.consultation_ends:
        raise NotAllowed(
            "Hand-ins for this course closed with the consultation period,"
            f" {discord_timestamp(calendar.consultation_ends, 'f')}."
        )
    if now < calendar.week(week).opens:
        raise NotAllowed(f"Week {week} has not opened yet.")
    return now >= calendar.week(week).closes


def hand_in(link: str | None, note: str | None, words: Vocabulary) -> tuple[str | None, str | None]:
    """The link (https only) and note as typed, blanks dropped; at least one of them.
    ``words``: the platform's, for where files go (a Discord thread, a Slack channel)."""
    link = (link or "").strip() or None
    note = (note or "").strip() or None
    if link is None and note is None:
        raise InvalidInput(
            f"Give a link or a note (or both); you can add files in your {words.hand_ins}"
            " afterwards."
        )
    if link is not None:
        link = https_link(link, "link")
    return link, note


def thread_name(name: str) -> str:
    return f"Assignments: {name}"[:TITLE_LIMIT]


def submission_post(
    user_mention: str, week: int, link: str | None, note: str | None, late: bool
) -> str:
    """What is posted in the learner's private thread (and nowhere stored)."""
    lines = [f"**Week {week} assignment** from {user_mention}" + (" (late)" if late else "")]
    if link:
        lines.append(f"Link: {link}")
    if note:
        lines.append(note)
    lines.append("-# Add files here if you like. Your instructor will review it in this thread.")
    return "\n".join(lines)[:MESSAGE_LIMIT]


def listing(
    week: int,
    learners: Iterable[Learner],
    submissions: Sequence[Submission],
    links: Mapping[int, str],
    room: int | None = None,
) -> str:
    """Who handed in week ``week`` (when, late, reviewed, where: ``links`` by user id) and
    who did not.

    In ``room`` characters (a message) the count and who did not hand in always show;
    the hand-ins that do not fit are counted (the whole list is for a file). Each learner is
    their mention in a message and their name and mention in the file (``who``).
    """
    named = who if room is not None else who_in_file
    by_user = {s.user_id: s for s in submissions}
    people = sorted(learners, key=lambda item: (item.name.casefold(), item.user_id))
    handed = [(p, by_user[p.user_id]) for p in people if p.user_id in by_user]
    missing = [named(p) for p in people if p.user_id not in by_user]
    head = f"**Week {week}**: {len(handed)} handed in, {len(missing)} not yet."
    lines = []
    for person, sub in handed:
        marks = ["late"] if sub.late else []
        marks.append("reviewed ✅" if sub.reviewed else "not reviewed")
        lines.append(
            f"• {named(person)} — {discord_timestamp(sub.submitted_at, 'f')},"
            f" {', '.join(marks)}: {links[sub.user_id]}"
        )
    label = f"**Not handed in ({len(missing)}):** "
    if room is None:
        return "\n".join([head, *lines, label + (", ".join(missing) or "nobody")])
    names = fit(missing, room // 2 - len(label), ", ", lambda n: f"… and {n} more") or "nobody"
    rest = room - len(head) - len(label) - len(names) - 2
    shown = fit(lines, rest - 1, "\n", lambda n: f"… and {n} more hand-ins: see the file")
    return "\n".join(part for part in (head, shown, label + names) if part)


def feedback_dm(course_title: str, week: int, feedback: str | None, link: str) -> str:
    text = f"Your week {week} assignment for **{course_title}** has been reviewed."
    if feedback:
        text += f"\n\nFeedback from your instructor:\n{feedback}"
    return (text + f"\n\nYour hand-in: {link}")[:MESSAGE_LIMIT]


def counted(submissions: Sequence[Submission]) -> str:
    reviewed = sum(s.reviewed for s in submissions)
    return f"{plural(len(submissions), 'hand-in', 'hand-ins')}, {reviewed} reviewed"
