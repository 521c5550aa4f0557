"""Slash commands on Slack: the same names and meanings as on Discord, answered ephemerally.

Every staff command (``STAFF_COMMANDS``) first checks that the person is staff (a workspace
admin, or in the staff user group ``/setup staff`` set); learners and outsiders are refused
privately. Multi-field input (``/cohort create``) opens a modal (``bot.slack.actions``).
"""

from __future__ import annotations

import csv
import io
import logging
import shlex
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bot.cohort import Cohort, PlatformName
from bot.errors import InvalidInput, NotAllowed, NotFound, UserError
from bot.features import cohorts as cohort_rules
from bot.features import recordings
from bot.features import session_changes as changes
from bot.features.modules import ModulePosts
from bot.features.participation import ParticipationFeature, set_reminders
from bot.features.privacy import in_words
from bot.participation import Learner, Report, Summary, week_summary
from bot.slack import (
    actions,
    assignments,
    certificates,
    listings,
    modals,
    reports,
    sessions,
    setup,
)
from bot.slack import cohorts as running
from bot.slack.blocks import fitting, mrkdwn, pieces
from bot.slack.deadline import SORRY, answer_command
from bot.slack.files import dm_file

if TYPE_CHECKING:
    from bot.slack.app import SlackBot

log = logging.getLogger(__name__)

# Staff commands, as on Discord; the Slack adapter does these subcommands (others say so).
STAFF_COMMANDS = {
    "/cohort": ("create", "list", "show", "pause", "resume", "end"),
    "/module": ("post", "preview"),
    "/participation": ("summary", "learner", "export", "chart", "excuse", "nudge"),
    "/setup": ("staff", "show", "clear-staff"),
    "/session": ("add", "list", "reschedule", "cancel"),
    "/recording": ("add",),
    "/course": ("reload",),
    "/assignment": ("list", "review"),
    "/certificates": ("list", "issue"),
}
LEARNER_COMMANDS = (
    "/mydata",
    "/forgetme",
    "/progress",
    "/reminders",
    "/certificate",
    "/sessions",
    "/recordings",
)

Handler = Callable[["SlackBot", dict[str, Any], list[str]], Awaitable[Any]]


def register(bot: SlackBot) -> None:
    for name in STAFF_COMMANDS:
        bot.app.command(name)(_listener(bot, name, staff=True))
    for name in LEARNER_COMMANDS:
        bot.app.command(name)(_listener(bot, name, staff=False))
    actions.register(bot)
    sessions.register(bot)
    certificates.register(bot)

    @bot.app.event("message")
    async def on_message(event: dict[str, Any]) -> None:
        await bot.tracker.on_message(event)


def _listener(bot: SlackBot, name: str, *, staff: bool) -> Callable[..., Awaitable[None]]:
    async def listener(ack: Any, command: dict[str, Any], respond: Any) -> None:
        await answer_command(bot, ack, respond, _answer(bot, name, staff, command))

    return listener


async def _answer(
    bot: SlackBot, name: str, staff: bool, command: dict[str, Any]
) -> list[dict[str, Any]]:
    """The command's answer as Slack takes it (an ack's or a response_url's payloads): a
    long text in pieces within Slack's limits (``blocks.pieces``), the first the answer."""
    try:
        words = shlex.split(command.get("text") or "")
    except ValueError:
        words = (command.get("text") or "").split()
    try:
        if staff:
            await require_runs_a_cohort(bot, command["user_id"])
        answer = await HANDLERS[name](bot, command, words)
    except UserError as error:
        answer = str(error)
        if answer.startswith("usage: <") and words:  # from ``arguments``: say what to type
            answer = f"usage: `{name} {words[0]} {answer.removeprefix('usage: ')}`"
    except Exception:
        log.exception("Slack command %s failed", name)
        answer = SORRY
    if isinstance(answer, list):  # payloads already (a preview and its follow-ups)
        return answer
    if isinstance(answer, dict):
        return [answer]
    return [{"text": piece} for piece in pieces(answer)] if answer else [{}]


async def require_staff(bot: SlackBot, user: str) -> None:
    if not await bot.platform.is_staff(user):
        raise NotAllowed("Only course staff can do that.")


async def runnable_cohorts(bot: SlackBot, user: str) -> list[Cohort]:
    """The workspace's cohorts the user may run: all for staff, else those they instruct."""
    team = await bot.platform.number(bot.platform.team)
    cohorts = await bot.store.cohorts.in_guild(team)
    if await bot.platform.is_staff(user):
        return cohorts
    return [
        c for c in cohorts if c.instructor_role_id and await bot.platform.is_instructor(user, c)
    ]


async def require_runs_a_cohort(bot: SlackBot, user: str) -> None:
    """Staff commands: course staff, or an instructor of some cohort here (which one is
    checked when the cohort is named, by ``workspace_cohort``)."""
    if not await bot.platform.is_staff(user) and not await runnable_cohorts(bot, user):
        raise NotAllowed("Only course staff can do that.")


async def workspace_cohort(bot: SlackBot, name: str, user: str) -> Cohort:
    """The named cohort, when ``user`` is one of its instructors or course staff."""
    team = await bot.platform.number(bot.platform.team)
    cohort = await bot.store.cohorts.by_name(team, name)
    if cohort is None or cohort.platform != PlatformName.SLACK:
        yours = [c.name for c in await runnable_cohorts(bot, user)]
        names = ", ".join(yours) or "none yet"
        # an unquoted "Fall 2026" arrives as the word "Fall"
        split = next((n for n in yours if n.startswith(f"{name} ")), None)
        hint = f' (a name with spaces goes in quotes: "{split}")' if split else ""
        raise NotFound(f"no cohort called {name!r} in this workspace; yours: {names}{hint}")
    if not await bot.platform.is_instructor(user, cohort):
        raise NotAllowed(f"Only {cohort.name}'s instructors (or course staff) can do that.")
    return cohort


def week_number(typed: str) -> int:
    """A week as typed (Discord's option is a number already); which weeks the course has
    is the shared rule's (``Cohort.require_week``)."""
    if not typed.isdigit():
        raise InvalidInput(f"the week is a number, not {typed!r}")
    return int(typed)


def arguments(words: list[str], *names: str) -> list[str]:
    if len(words) < len(names):
        raise InvalidInput(f"usage: {' '.join(f'<{n}>' for n in names)}")
    return words


def participation(bot: SlackBot) -> ParticipationFeature:
    return ParticipationFeature(bot.platform, bot.store, bot.library, bot.clock, bot._flush)


async def cohort_command(bot: SlackBot, command: dict[str, Any], words: list[str]) -> Any:
    sub = words[0] if words else ""
    if sub == "create":
        await require_staff(bot, command["user_id"])
        await modals.open_create(bot, command["trigger_id"])
        return None
    if sub == "list":
        cohorts = await runnable_cohorts(bot, command["user_id"])
        return await cohort_rules.listing(bot.platform, cohorts)
    if sub in running.SUBCOMMANDS:
        return await running.cohort_subcommand(bot, command, sub, words[1:])
    raise InvalidInput(f"usage: {usage('/cohort')}")


async def module_command(bot: SlackBot, command: dict[str, Any], words: list[str]) -> Any:
    sub, *rest = words or [""]
    if sub not in ("post", "preview"):
        raise InvalidInput(f"usage: {usage('/module')}")
    name, week_text, *more = arguments(rest, "cohort", "week")
    cohort = await workspace_cohort(bot, name, command["user_id"])
    week = week_number(week_text)
    posts = ModulePosts(bot.platform, bot.store, bot.library)
    posts.require_week(cohort, week)
    if sub == "preview":
        from bot.slack.blocks import post_blocks

        post = await posts.week_post(cohort, week)
        follow = [{"text": piece} for text in post.more for piece in pieces(text)]
        return [{"text": mrkdwn(post.title), "blocks": post_blocks(post)}, *follow]
    answer = await posts.post_now(
        bot.deliveries, cohort, week, "repost" in more, "Add `repost` to post it again."
    )
    await bot.reschedule()
    return answer


async def participation_command(bot: SlackBot, command: dict[str, Any], words: list[str]) -> Any:
    sub, *rest = words or [""]
    if sub in reports.SUBCOMMANDS:
        return await reports.participation_subcommand(bot, command, sub, rest)
    if sub not in STAFF_COMMANDS["/participation"]:
        raise InvalidInput(f"usage: {usage('/participation')}")
    (name, *more) = arguments(rest, "cohort")
    cohort = await workspace_cohort(bot, name, command["user_id"])
    feature = participation(bot)
    if sub == "summary":
        week = feature.week_to_show(cohort, week_number(more[0]) if more else None)
        summary = await fitting_summary(await feature.report(cohort, week=week), week)
        if summary.full is None:
            return summary.text
        await dm_file(
            bot.client,
            command["user_id"],
            filename=f"participation-week-{week}.txt",
            content=summary.full.encode("utf-8"),
            title=f"Participation in {cohort.name}, week {week}",
        )
        return summary.text + IN_YOUR_DMS
    if sub == "export":
        csv_text, said = await feature.export(cohort)
        await dm_file(
            bot.client,
            command["user_id"],
            filename=f"participation-{cohort.id}.csv",
            content=(await slack_ids_in_csv(bot, csv_text)).encode("utf-8-sig"),
            title=f"Participation in {cohort.name}",
            comment=said,
        )
        return f"The CSV of {cohort.name} is in your DMs with me."
    return await feature.nudge_now(cohort)


IN_YOUR_DMS = "\n(The whole list is in your DMs with me.)"


async def fitting_summary(report: Report, week: int) -> Summary:
    """The week's summary, cut so that its answer (with ``IN_YOUR_DMS``) fits one Slack
    answer as Slack counts it (``blocks.fitting``)."""

    async def summary(limit: int) -> Summary:
        return week_summary(report, week, limit)

    return await fitting(summary, lambda made: made.text + IN_YOUR_DMS)


async def slack_ids_in_csv(bot: SlackBot, text: str) -> str:
    """The CSV with each learner's Slack user id (U…) in ``user_id``, not the store's number."""
    rows = list(csv.reader(io.StringIO(text)))
    column = rows[0].index("user_id")
    for row in rows[1:]:
        row[column] = await bot.platform.slack_id(int(row[column]))
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)  # as export_csv writes it
    return out.getvalue()


def usage(name: str) -> str:
    """A wrong subcommand's answer: the command's subcommands on Slack."""
    return f"`{name} {'|'.join(STAFF_COMMANDS[name])} …` (see the command's hint)"


async def mydata_command(bot: SlackBot, command: dict[str, Any], words: list[str]) -> Any:
    import json

    user = await bot.platform.known_number(command["user_id"])  # asking keeps nothing new
    found = await bot.store.privacy.everything_about(user) if user is not None else {}
    if found:
        await dm_file(
            bot.client,
            command["user_id"],
            filename="my-data.json",
            content=json.dumps(found, indent=2, ensure_ascii=False).encode("utf-8"),
            title="Everything I keep about you",
        )
    return in_words(found, bot.platform.words) + (
        "\n(The file is in your DMs with me.)" if found else ""
    )


async def forgetme_command(bot: SlackBot, command: dict[str, Any], words: list[str]) -> Any:
    return actions.forget_confirmation(command["user_id"])


async def progress_command(bot: SlackBot, command: dict[str, Any], words: list[str]) -> Any:
    """``/progress ["<cohort>"]``: the shared rule (``ParticipationFeature.my_progress``)."""
    if len(words) > 1:
        raise InvalidInput("usage: `/progress [cohort]` (quote a cohort name with spaces)")
    name = words[0] if words else None
    team = await bot.platform.number(bot.platform.team)
    here = [c for c in await bot.store.cohorts.in_guild(team) if c.platform == PlatformName.SLACK]
    user = command["user_id"]
    taught = [(c, await bot.tracker.learners(c)) for c in here]  # numbers learners first
    number = await bot.platform.known_number(user)  # a stranger gets no row
    learning = [c for c, learners in taught if number is not None and number in learners]
    named = next((c for c in here if c.name == name), None)
    # Without a number they learn nowhere here: refused before ``learner`` is read.
    learner = Learner(number or 0, await bot.platform.name(user), f"<@{user}>")
    shown = await participation(bot).my_progress(learner, name, named, learning)
    return "\n\n".join(f"**{title}**\n{text}" for title, text in shown)


async def reminders_command(bot: SlackBot, command: dict[str, Any], words: list[str]) -> Any:
    choice = words[0].lower() if words else ""
    if choice not in ("on", "off"):  # a typo must not switch anyone's reminders off
        raise InvalidInput("usage: `/reminders on` or `/reminders off`")
    user = await bot.platform.number(command["user_id"])
    return await set_reminders(bot.store, bot.clock, user, choice == "on")


async def recording_command(bot: SlackBot, command: dict[str, Any], words: list[str]) -> Any:
    """``/recording add <cohort> <session> <https link> [passcode|-] [note…]``."""
    sub, *rest = words or [""]
    if sub != "add":
        raise InvalidInput(f"usage: {usage('/recording')}")
    name, key, url, *more = arguments(rest, "cohort", "session", "https link")
    cohort = await workspace_cohort(bot, name, command["user_id"])
    session = await changes.named(bot.store, cohort, key)
    passcode = more[0] if more and more[0] != "-" else None
    note = " ".join(more[1:]) or None
    return await recordings.add_recording(
        bot.platform,
        bot.store,
        bot.library,
        bot.clock,
        cohort,
        session,
        await bot.platform.number(command["user_id"]),
        url,
        passcode,
        note,
    )


HANDLERS: dict[str, Handler] = {
    "/cohort": cohort_command,
    "/module": module_command,
    "/participation": participation_command,
    "/setup": setup.setup_command,
    "/mydata": mydata_command,
    "/forgetme": forgetme_command,
    "/progress": progress_command,
    "/reminders": reminders_command,
    "/recording": recording_command,
    "/session": sessions.session_command,
    "/certificate": certificates.certificate_command,
    "/certificates": certificates.certificates_command,
    "/course": sessions.course_command,
    "/sessions": listings.sessions_command,
    "/recordings": listings.recordings_command,
    "/assignment": assignments.assignment_command,
}
