"""Building a cohort's participation report from the store and the server's member list."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from bot.cohort import Cohort
from bot.course import Course
from bot.participation import Learner, Report, build_report

if TYPE_CHECKING:
    from bot.app.client import CohortBot


def learners_of(guild: discord.Guild, cohort: Cohort, also: list[int]) -> list[Learner]:
    """Members with the learner role, plus anyone with activity who has since lost it."""
    role = guild.get_role(cohort.learner_role_id)
    members = {m.id: m for m in role.members} if role else {}
    for user_id in also:
        if user_id not in members and (member := guild.get_member(user_id)) is not None:
            members[user_id] = member
    found = [Learner(m.id, m.display_name) for m in members.values() if not m.bot]
    known = {learner.user_id for learner in found}
    found += [Learner(uid, f"former member {uid}") for uid in also if uid not in known]
    return found


async def cohort_report(
    bot: CohortBot, cohort: Cohort, guild: discord.Guild
) -> tuple[Report, Course]:
    if not guild.chunked:
        await guild.chunk()  # every learner, including those who never posted
    course = bot.library.get(cohort.course_id)
    calendar = cohort.calendar(course)
    counts = await bot.store.activity.counts(cohort.id)
    active = await bot.store.activity.active_users(cohort.id)
    now = bot.clock.now()
    current = calendar.current_week(now) or (len(course.weeks) if now >= calendar.ends else None)
    report = build_report(
        learners_of(guild, cohort, active), counts, len(course.weeks), course.requirement, current
    )
    return report, course
