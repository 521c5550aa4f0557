"""The words the bot posts, as plain strings: testable without Discord.

Discord's limits shape them: a thread title holds 100 characters, an embed
description 4,096, a message 2,000. Long text is split at paragraph or line
breaks, never mid-word where it can be helped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from bot.course import Course, Meets, Option, Requirement, WeekRule
from bot.localtime import discord_timestamp
from bot.timetable import Calendar, ItemKind
from bot.vocabulary import Vocabulary

TITLE_LIMIT = 100
EMBED_LIMIT = 4096
MESSAGE_LIMIT = 2000


@dataclass(frozen=True)
class Post:
    title: str
    body: str  # fits an embed description
    more: list[str] = field(default_factory=list)  # follow-up messages, each fits a message


def requirement_text(requirement: Requirement) -> str:
    parts = []
    if requirement.original_posts:
        n = requirement.original_posts
        parts.append(f"start **{n}** discussion post{'s' if n != 1 else ''} of your own")
    if requirement.replies:
        n = requirement.replies
        parts.append(f"reply to **{n}** classmate{'s' if n != 1 else ''}")
    if not parts:
        return "Taking part is welcome; nothing is required this week."
    return "To complete this week, " + " and ".join(parts) + "."


OPTION_WORDS = {
    Option.DISCUSSION: "take part in the discussion",
    Option.SESSION: "check in to the week's live session",
    Option.ASSIGNMENT: "hand in the assignment",
}


def how_to_meet(requirement: Requirement, rule: WeekRule, options: tuple[Option, ...]) -> str:
    """How a week is met, in a sentence: the discussion rule alone, or the week's options."""
    if options == (Option.DISCUSSION,):
        return requirement_text(requirement)
    parts = []
    for option in options:
        words = OPTION_WORDS[option]
        if option == Option.DISCUSSION:
            o, r = requirement.original_posts, requirement.replies
            words += (
                f" ({o} post{'s' if o != 1 else ''} of your own,"
                f" {r} repl{'ies' if r != 1 else 'y'} to classmates)"
            )
        if option == Option.SESSION and rule.recording:
            words += " or watch its recording"
        parts.append(words)
    joined = (" **or** " if rule.meets == Meets.ANY else " **and** ").join(parts)
    return "To complete this week, " + joined + "."


def week_title(number: int, title: str) -> str:
    return f"Week {number}: {title}"[:TITLE_LIMIT]


def module_post(
    course: Course,
    calendar: Calendar,
    number: int,
    *,
    late_since: datetime | None = None,
    options: tuple[Option, ...] | None = None,
) -> Post:
    """Week ``number``'s post. ``options``: what meets the week in this cohort (default: the
    rule's options, a live session assumed)."""
    week = course.week(number)
    rule = course.rule_of(number)
    if options is None:
        options = rule.offered(True, week.assignment is not None) or rule.options
    closes = calendar.week(number).closes
    lines = ["**Objectives**", *(f"• {o}" for o in week.objectives), ""]
    if len(week.prompts) == 1:
        lines += ["**Discussion prompt**", week.prompts[0].strip(), ""]
    else:
        lines.append("**Discussion prompts** — choose one:")
        for i, prompt in enumerate(week.prompts, 1):
            lines += [f"**{i}.** {prompt.strip()}", ""]
    if week.assignment:
        lines += ["**Assignment**", week.assignment.strip(), ""]
    lines += [
        f"**This week closes** {discord_timestamp(closes, 'F')} ({discord_timestamp(closes, 'R')}).",
        f"**How participation counts:** {how_to_meet(course.requirement, rule, options)}",
    ]
    if late_since is not None:
        lines.append(
            f"\n*Posted late: I was offline when this was due ({discord_timestamp(late_since, 'f')}).*"
        )
    body, *more = split_text("\n".join(lines), EMBED_LIMIT, MESSAGE_LIMIT)
    return Post(week_title(week.number, week.title), body, more)


def split_text(
    text: str,
    first_limit: int,
    rest_limit: int | None = None,
    whole: re.Pattern[str] | None = None,
) -> list[str]:
    """Split into chunks: the first at most ``first_limit`` long, the rest ``rest_limit``;
    never inside a match of ``whole`` (markup that a cut shows broken, e.g. an entity)."""
    rest_limit = rest_limit or first_limit
    chunks: list[str] = []
    remaining = text.strip()
    limit = first_limit
    while len(remaining) > limit:
        cut = _cut_point(remaining, limit, whole)
        chunks.append(remaining[:cut].rstrip())
        remaining = remaining[cut:].lstrip()
        limit = rest_limit
    chunks.append(remaining)
    return chunks


def _cut_point(text: str, limit: int, whole: re.Pattern[str] | None = None) -> int:
    """At most ``limit``: after a paragraph, line, sentence or word in the second half, else
    as late as can be; never inside a match of ``whole``."""
    spans = []
    for match in whole.finditer(text) if whole else ():
        if match.start() >= limit:
            break
        spans.append(match.span())

    def clean(cut: int) -> bool:
        return not any(start < cut < end for start, end in spans)

    for separator in ("\n\n", "\n", ". ", " "):
        at = text.rfind(separator, 0, limit)
        while at > limit // 2:
            if clean(at + len(separator)):
                return at + len(separator)
            at = text.rfind(separator, 0, at)
    return next((cut for cut in range(limit, 0, -1) if clean(cut)), limit)


def wrapup_post(course: Course, calendar: Calendar, words: Vocabulary) -> Post:
    """``words``: the platform's (Discord's forum, Slack's channel)."""
    weeks = ", ".join(f"week {w.number} ({w.title})" for w in course.weeks)
    body = (
        f"**{course.title}** has come to an end. Thank you for the discussions across {weeks}.\n\n"
        f"The {words.discussion} stays open for questions: your instructor, {course.instructor}, is available "
        f"until {discord_timestamp(calendar.consultation_ends, 'D')}. The course's posts will be "
        f"archived {discord_timestamp(calendar.archives, 'R')}.\n\n"
        "Use `/progress` to see your own participation, and `/recordings` for the live sessions."
    )
    return Post("Course wrap-up", body)


def consultation_post(course: Course, calendar: Calendar, words: Vocabulary) -> Post:
    """``words``: the platform's (Discord locks the posts' threads; Slack cannot)."""
    body = (
        f"The consultation period for **{course.title}** is over. Thank you all.\n\n"
        f"The course's posts will be {words.locked} {discord_timestamp(calendar.archives, 'F')};"
        " you can still read them afterwards."
    )
    return Post("Consultation period ended", body)


ITEM_NAMES: dict[str, str] = {  # an ItemKind is its own string
    ItemKind.MODULE: "Week {week} module post",
    ItemKind.ANNOUNCE: "Session announcement: {session}",
    ItemKind.REMINDER: "Reminder: {session}",
    ItemKind.STARTING: "Starting now: {session}",
    ItemKind.NUDGE: "Nudges for week {week}",
    ItemKind.DIGEST: "Instructor digest, week {week}",
    ItemKind.WRAPUP: "Wrap-up post",
    ItemKind.CONSULTATION: "End of consultation",
    ItemKind.CERTIFICATES: "Certificates of completion",
    ItemKind.ARCHIVE: "Archive the cohort's posts",
    ItemKind.PURGE: "Purge participation data",
}


def item_label(kind: str, week: int | None, session: str | None, key: str) -> str:
    template = ITEM_NAMES.get(kind)
    if template is None:
        return key
    label = template.format(week=week, session=session)
    if kind == ItemKind.REMINDER:
        label += f" ({key.rsplit(':', 1)[-1]} before)"
    return label


def jump_url(guild_id: int, channel_id: int, message_id: int | None = None) -> str:
    tail = f"/{message_id}" if message_id else ""
    return f"https://discord.com/channels/{guild_id}/{channel_id}{tail}"


def plural(count: int, one: str, many: str | None = None) -> str:
    """``1 week``, ``2 weeks``; ``many`` for irregular nouns (``reply``, ``replies``)."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


_MARKDOWN_ESCAPED = str.maketrans({c: "\\" + c for c in "\\*_~`|[]<>#"})


def plain(name: str) -> str:
    """A name someone typed, shown as written, not as Markdown."""
    return name.translate(_MARKDOWN_ESCAPED)
