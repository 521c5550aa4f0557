"""``/sessions [upcoming] [cohort]``, ``/sessions calendar [cohort]`` and ``/recordings
[cohort]`` on Slack: learner commands, on the shared rules and words
(``bot.features.listings``). A learner sees only their own cohorts; times are Slack date
tokens, so each reader sees their own time zone; the ``.ics`` comes by DM."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.cohort import Cohort, PlatformName
from bot.errors import InvalidInput
from bot.features import listings
from bot.slack.files import dm_file

if TYPE_CHECKING:
    from bot.slack.app import SlackBot

USAGE = "`/sessions [cohort]`, `/sessions upcoming [cohort]`, `/sessions calendar [cohort]`"


async def taking_part(bot: SlackBot, user: str, name: str | None) -> list[Cohort]:
    """The named cohort, or the user's: those they learn in, else those they instruct."""
    team = await bot.platform.number(bot.platform.team)
    here = [c for c in await bot.store.cohorts.in_guild(team) if c.platform == PlatformName.SLACK]
    visible, learning = [], []
    for cohort in here:
        if user in await bot.platform.learner_ids(cohort):
            learning.append(cohort)
            visible.append(cohort)
        elif await bot.platform.is_instructor(user, cohort):
            visible.append(cohort)
    named = next((c for c in here if c.name == name), None)
    return listings.cohorts_taking_part(name, named, visible, learning, bot.platform.words.home)


async def sessions_command(bot: SlackBot, command: dict[str, Any], words: list[str]) -> Any:
    sub, *rest = words or ["upcoming"]
    if sub not in ("upcoming", "calendar") and len(words) == 1:
        sub, rest = "upcoming", words  # /sessions <cohort>
    if sub not in ("upcoming", "calendar") or len(rest) > 1:
        raise InvalidInput(f"usage: {USAGE} (quote a cohort name with spaces)")
    user = command["user_id"]
    found = await taking_part(bot, user, rest[0] if rest else None)
    if sub == "upcoming":
        return await listings.upcoming(bot.store, found, bot.clock.now())
    cohort = found[0]
    name, data = await listings.calendar(bot.store, cohort, bot.clock.now())
    await dm_file(
        bot.client,
        user,
        filename=name,
        content=data,
        title=f"Live sessions of {cohort.name}",
    )
    return f"The calendar of {cohort.name}'s live sessions is in your DMs with me."


async def recordings_command(bot: SlackBot, command: dict[str, Any], words: list[str]) -> Any:
    if len(words) > 1:
        raise InvalidInput("usage: `/recordings [cohort]` (quote a cohort name with spaces)")
    found = await taking_part(bot, command["user_id"], words[0] if words else None)
    return await listings.recordings(bot.store, bot.library, found, bot.clock.now())
