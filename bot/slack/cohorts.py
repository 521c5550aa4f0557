"""``/cohort show|pause|resume|end <cohort>`` on Slack, on the shared rules
(``bot.features.cohorts``) and words (``bot.overview``). As on Discord, ``end`` asks for no
confirmation: it is one command naming one cohort, and it says what it cancelled."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.cohort import Cohort, CohortState, DeliveryState
from bot.features import cohorts as shared
from bot.overview import cohort_overview

if TYPE_CHECKING:
    from bot.slack.app import SlackBot

SUBCOMMANDS = ("show", "pause", "resume", "end")
STATES = {"pause": CohortState.PAUSED, "resume": CohortState.ACTIVE}


async def cohort_subcommand(
    bot: SlackBot, command: dict[str, Any], sub: str, rest: list[str]
) -> str:
    from bot.slack.commands import arguments, workspace_cohort

    name = arguments(rest, "cohort")[0]
    cohort = await workspace_cohort(bot, name, command["user_id"])
    if sub == "show":
        return await show(bot, cohort)
    if sub == "end":
        answer = await shared.end(bot.store, bot.clock, cohort)
    else:
        answer = await shared.pause_or_resume(bot.store, cohort, STATES[sub])
    await bot.reschedule()
    return answer


async def show(bot: SlackBot, cohort: Cohort) -> str:
    """What the cohort has posted (linked to its Slack messages) and what comes next."""
    deliveries = await bot.store.deliveries.for_cohort(cohort.id)
    links = {
        d.key: await bot.platform.link(cohort, d.channel_id, d.message_id)
        for d in deliveries
        if d.state == DeliveryState.DONE and d.channel_id is not None
    }
    return cohort_overview(cohort, deliveries, links)
