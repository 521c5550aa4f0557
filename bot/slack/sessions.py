"""``/session add|list|reschedule|cancel`` on Slack, on the shared rules
(``bot.features.session_changes``). ``/session add`` with no arguments opens a modal.

Slack has no scheduled events: a moved or cancelled session's posted announcement is
rewritten (``chat.update``) and a notice goes to the cohort's place, as on Discord
(``session_changes.tell``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot import sessions as words
from bot.cohort import Cohort, PlatformName
from bot.course import Course
from bot.errors import InvalidInput, UserError
from bot.features import course_files as files
from bot.features import session_changes as changes
from bot.features.planning import plan_cohort
from bot.slack import blocks
from bot.timetable import CohortSession

if TYPE_CHECKING:
    from bot.slack.app import SlackBot

ADD = "cohortbot_session_add"
USAGE = (
    "`/session add` (a form), `/session add <cohort> <title> <YYYY-MM-DD HH:MM> <duration> [url]`,"
    " `/session list <cohort>`, `/session reschedule <cohort> <session> <YYYY-MM-DD HH:MM>`,"
    " `/session cancel <cohort> <session>`"
)


async def session_command(bot: SlackBot, command: dict[str, Any], words_: list[str]) -> Any:
    from bot.slack.commands import arguments, workspace_cohort

    sub, *rest = words_ or [""]
    now = bot.clock.now()
    if sub == "add" and not rest:
        await bot.client.views_open(trigger_id=command["trigger_id"], view=add_view())
        return None
    if sub not in ("add", "list", "reschedule", "cancel"):
        raise InvalidInput(f"usage: {USAGE}")
    cohort = await workspace_cohort(bot, arguments(rest, "cohort")[0], command["user_id"])
    if sub == "list":
        return await changes.listing(bot.store, cohort)
    if sub == "add":
        _, title, start, duration, *url = arguments(rest, "cohort", "title", "start", "duration")
        session = await add(bot, cohort, title, start, duration, url[0] if url else None)
        return f"Added **{session.title}** (`{session.key}`): {words.when(session)}"
    _, key, *more = arguments(rest, "cohort", "session")
    old = await changes.named(bot.store, cohort, key)
    if sub == "reschedule":
        if not more:
            raise InvalidInput("usage: `/session reschedule <cohort> <session> <YYYY-MM-DD HH:MM>`")
        moved = changes.moved_to(old, " ".join(more), cohort.zone, now)
        await save(bot, cohort, moved)
        await changes.tell(bot.platform, bot.store, cohort, [(old, moved)], by_hand=True)
        return f"Moved **{moved.title}** to {words.when(moved)}."
    gone = changes.cancelled(old, now)
    await save(bot, cohort, gone)
    await changes.tell(bot.platform, bot.store, cohort, [(old, gone)], by_hand=True)
    return f"Cancelled **{old.title}**."


async def add(
    bot: SlackBot, cohort: Cohort, title: str, start: str, duration: str, url: str | None
) -> CohortSession:
    existing = await bot.store.cohorts.sessions(cohort.id)
    session = changes.to_add(existing, title, start, duration, url, cohort.zone, bot.clock.now())
    await save(bot, cohort, session)  # announced with its week's other posts when due
    return session


async def save(bot: SlackBot, cohort: Cohort, session: CohortSession) -> None:
    await bot.store.cohorts.save_session(cohort.id, session)
    await plan_cohort(bot.store, bot.library, bot.clock, cohort)
    await bot.reschedule()


def add_view() -> dict[str, Any]:
    from bot.slack.modals import _input

    text = {"type": "plain_text_input"}
    return blocks.modal(
        ADD,
        "New live session",
        "Add",
        [
            _input("cohort", "Cohort name", text),
            _input("title", "Title", {**text, "max_length": 90}),
            _input("start", "Start, YYYY-MM-DD HH:MM in the cohort's time zone", text),
            _input("duration", "How long, e.g. 60m or 1h15m", text),
            _input("url", "Join link (https)", text, optional=True),
        ],
    )


def register(bot: SlackBot) -> None:
    from bot.slack.commands import require_runs_a_cohort, workspace_cohort
    from bot.slack.modals import _value

    @bot.app.view(ADD)
    async def submitted(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = view["state"]["values"]
        try:
            await require_runs_a_cohort(bot, body["user"]["id"])
            cohort = await workspace_cohort(bot, _value(values, "cohort"), body["user"]["id"])
            session = await add(
                bot,
                cohort,
                _value(values, "title"),
                _value(values, "start"),
                _value(values, "duration"),
                _value(values, "url") or None,
            )
        except UserError as error:
            await ack(response_action="errors", errors={"title": str(error)})
            return
        await ack()
        await bot.platform.tell_instructors(
            cohort, f"gained a live session: **{session.title}**, {words.when(session)}."
        )


async def course_command(bot: SlackBot, command: dict[str, Any], words_: list[str]) -> Any:
    """``/course reload`` (course staff): re-read the course files; this workspace's running
    cohorts follow them (``bot.features.course_files``), announcements are corrected."""
    from bot.slack.commands import require_staff

    if (words_ or [""])[0] != "reload":
        raise InvalidInput("usage: `/course reload`")
    await require_staff(bot, command["user_id"])
    reloaded = await bot.courses.reload(bot.store)  # Discord's cohorts too, in one process
    return "\n".join(bot.courses.answer(reloaded))  # in pieces, as every answer


async def follow_course_files(bot: SlackBot, before: Mapping[str, Course]) -> int:
    """After a reload (from either platform): this workspace's running cohorts follow their
    course files, announcements are corrected, instructors told by DM; how many re-planned."""
    team = await bot.platform.number(bot.platform.team)
    replanned = 0
    for cohort in await bot.store.cohorts.in_guild(team):
        if cohort.platform != PlatformName.SLACK or not files.follows(cohort, bot.library):
            continue
        changed, plan = await files.follow_course_file(
            bot.store, bot.library, bot.clock, cohort, before
        )
        await bot.reschedule()
        await changes.tell(bot.platform, bot.store, cohort, changed)
        if plan:
            replanned += 1
            await bot.platform.tell_instructors(cohort, files.reload_notice(cohort.course_id, plan))
    return replanned
