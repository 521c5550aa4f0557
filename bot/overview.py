"""What staff read about a cohort: its timetable (``/cohort create``) and its state (``/cohort show``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.cohort import Cohort, Delivery, DeliveryState
from bot.course import Course
from bot.localtime import discord_timestamp
from bot.render import item_label, jump_url
from bot.timetable import CohortSession

SHOWN_DONE = 10  # the most recent posts
SHOWN_UPCOMING = 8  # the next items
TEXT_LIMIT = 4096  # an embed's description


def timetable_text(cohort: Cohort, course: Course, sessions: Iterable[CohortSession]) -> str:
    """Every week's post, the live sessions, the end and the archive, as Discord timestamps."""
    calendar = cohort.calendar(course)
    lines = [
        f"**Course:** {course.title} · **Starts:** {cohort.start:%A %d %B %Y} ({cohort.timezone})",
        "",
    ]
    for week, window in zip(course.weeks, calendar.weeks, strict=True):
        lines.append(
            f"**Week {week.number}: {week.title}** — {discord_timestamp(window.opens)}"
            f" ({discord_timestamp(window.opens, 'R')})"
        )
    live = [s for s in sessions if not s.cancelled]
    if live:
        lines += ["", "**Live sessions**"]
        lines += [
            f"• {s.title} — {discord_timestamp(s.start)} ({discord_timestamp(s.start, 'R')})"
            for s in live
        ]
    lines += [
        "",
        f"**Course ends** {discord_timestamp(calendar.ends)}",
        f"**Posts archived** {discord_timestamp(calendar.archives, 'D')}",
    ]
    return "\n".join(lines)


@dataclass(frozen=True)
class Sorted:
    """A cohort's deliveries in the three lists staff look at, each in timetable order."""

    done: list[str]
    upcoming: list[str]
    attention: list[str]  # failed, or waiting for a retry after a failure


def sort_deliveries(
    guild_id: int, deliveries: Iterable[Delivery], links: Mapping[str, str] | None = None
) -> Sorted:
    """``links``: each posted item's link by its key, where it is not a Discord message."""
    done, upcoming, attention = [], [], []
    for d in deliveries:
        label = item_label(d.kind, d.week, d.session, d.key)
        if d.state == DeliveryState.DONE:
            url = (links or {}).get(d.key)
            if url is None and d.channel_id and links is None:
                url = jump_url(guild_id, d.channel_id, d.message_id)
            link = f" — {url}" if url else ""
            done.append(f"✅ {label}{' (late)' if d.late else ''}{link}")
        elif d.state == DeliveryState.PENDING and d.note:
            attention.append(f"⚠️ {label}: {d.note} — retrying {discord_timestamp(d.ready_at, 'R')}")
        elif d.state == DeliveryState.PENDING:
            upcoming.append(
                f"• {label} — {discord_timestamp(d.due)} ({discord_timestamp(d.due, 'R')})"
            )
        elif d.state == DeliveryState.FAILED:
            attention.append(f"❌ {label}: {d.note}")
    return Sorted(done, upcoming, attention)


def cohort_overview(
    cohort: Cohort, deliveries: Iterable[Delivery], links: Mapping[str, str] | None = None
) -> str:
    """``/cohort show``: what needs attention, the latest posts, and what comes next
    (posted items link to Discord messages, or to ``links``, by item key, on Slack)."""
    found = sort_deliveries(cohort.guild_id, deliveries, links)
    lines = [f"**{cohort.name}** ({cohort.course_id}) — {cohort.state}"]
    if found.attention:
        lines += ["", "**Needs attention**", *found.attention]
    lines += ["", "**Posted**", *(found.done[-SHOWN_DONE:] or ["nothing yet"])]
    lines += ["", "**Next**", *(found.upcoming[:SHOWN_UPCOMING] or ["nothing left"])]
    return "\n".join(lines)[:TEXT_LIMIT]
