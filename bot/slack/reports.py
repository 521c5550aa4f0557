"""``/participation learner|excuse|chart`` on Slack, on the shared rules
(``bot.features.participation``): one learner's weeks, excusing a week, and the heatmap,
a PNG by DM (``files_upload_v2``) like the CSV export."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any

from bot.chart import heatmap_png
from bot.cohort import Cohort
from bot.errors import InvalidInput, NotFound
from bot.participation import Learner, plain
from bot.slack.files import dm_file

if TYPE_CHECKING:
    from bot.slack.app import SlackBot

SUBCOMMANDS = ("learner", "excuse", "chart")
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
MAX_WEEK = 52  # as Discord's option allows


def mentioned(text: str) -> str:
    """The Slack user id of an ``@mention`` (``<@U123>`` or ``<@U123|name>``)."""
    found = MENTION.fullmatch(text.strip())
    if found is None:
        raise InvalidInput(f"name the learner with an @mention (e.g. @alex), not {text!r}")
    return found.group(1)


async def learner_of(bot: SlackBot, cohort: Cohort, mention: str) -> Learner:
    """The mentioned person, when they are one of the cohort's learners."""
    user = mentioned(mention)
    if user not in await bot.platform.learner_ids(cohort):
        raise NotFound(f"<@{user}> is not a learner in {cohort.name}.")
    return Learner(await bot.platform.number(user), await bot.platform.name(user), f"<@{user}>")


async def participation_subcommand(
    bot: SlackBot, command: dict[str, Any], sub: str, rest: list[str]
) -> str:
    from bot.slack.commands import arguments, participation, workspace_cohort

    cohort = await workspace_cohort(bot, arguments(rest, "cohort")[0], command["user_id"])
    feature = participation(bot)
    if sub == "learner":
        _, mention, *_ = arguments(rest, "cohort", "@learner")
        learner = await learner_of(bot, cohort, mention)
        title = f"**{plain(learner.name)} in {cohort.name}**"
        return f"{title}\n{await feature.progress(cohort, learner)}"
    if sub == "excuse":
        _, mention, week_text, *_ = arguments(rest, "cohort", "@learner", "week")
        if not week_text.isdigit() or not 1 <= int(week_text) <= MAX_WEEK:
            raise InvalidInput(f"the week is a number from 1, not {week_text!r}")
        feature.require_week(cohort, int(week_text))  # before anyone is looked up
        learner = await learner_of(bot, cohort, mention)
        by = await bot.platform.number(command["user_id"])
        return await feature.excuse(cohort, learner, int(week_text), by)
    report = await feature.report(cohort)
    # Drawn in a worker thread (bot.chart holds one chart at a time), so the app keeps answering.
    png = await asyncio.to_thread(heatmap_png, report, f"Participation: {cohort.name}")
    await dm_file(
        bot.client,
        command["user_id"],
        filename=f"participation-{cohort.id}.png",
        content=png,
        title=f"Participation in {cohort.name}",
        comment=f"Participation in {cohort.name}: {len(report.learners)} learners.",
    )
    return f"The chart of {cohort.name} is in your DMs with me."
