"""``/setup staff|show|clear-staff`` on Slack: who is course staff (workspace admins only,
as on Discord only members with Manage Server)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.access import RoleFacts, check_staff_role
from bot.errors import InvalidInput, NotAllowed
from bot.slack.blocks import mrkdwn

if TYPE_CHECKING:
    from bot.slack.app import SlackBot

USAGE = "`/setup staff <user group id>`, `/setup show`, `/setup clear-staff`"


async def setup_command(bot: SlackBot, command: dict[str, Any], words: list[str]) -> Any:
    from bot.slack.commands import arguments

    sub, *rest = words or [""]
    if sub not in ("staff", "show", "clear-staff"):
        raise InvalidInput(f"usage: {USAGE}")
    info = (await bot.client.users_info(user=command["user_id"]))["user"]
    if not (info.get("is_admin") or info.get("is_owner")):
        raise NotAllowed("Only a workspace admin sets who is course staff (`/setup`).")
    team = await bot.platform.number(bot.platform.team)
    if sub == "show":
        held = await bot.store.guilds.staff_role(team)
        group = f"<!subteam^{await bot.platform.slack_id(held)}>" if held else ""
        staff = (
            f"members of {group}, and workspace admins and owners."
            if held
            else "workspace admins and owners (no staff user group is set: `/setup staff`)."
        )
        text = (
            f"Course staff: {staff} A cohort's instructors are course staff and the members of"
            " its instructor user group."
        )
        return {"text": mrkdwn(text, keep=(group,))}  # the group's name, not its id
    if sub == "clear-staff":
        if await bot.store.guilds.clear_staff_role(team):
            return "The staff user group is cleared: only workspace admins and owners are course staff now."
        return "There was no staff user group; nothing changed."
    (group,) = arguments(rest[:1], "user group id")
    group = group.removeprefix("<!subteam^").split("|")[0].rstrip(">")
    try:
        await bot.client.usergroups_users_list(usergroup=group)  # it exists
    except SlackApiError as error:
        if error.response.get("error") not in ("no_such_subteam", "invalid_arguments"):
            raise
        raise InvalidInput(
            f"There is no user group {group!r} in this workspace: give the group's id"
            " (it starts with S), e.g. `/setup staff S0123ABCD`."
        ) from None
    number = await bot.platform.number(group)
    cohorts = await bot.store.cohorts.in_guild(team)
    shown = f"<!subteam^{group}>"
    facts = RoleFacts(number, shown, everyone=False, managed=False)
    try:
        learner_groups = frozenset(c.learner_role_id for c in cohorts)
        check_staff_role(facts, learner_groups, words=bot.platform.words)
    except InvalidInput as refusal:  # said with the group's name, as /setup show says it
        return {"text": mrkdwn(str(refusal), keep=(shown,))}
    await bot.store.guilds.set_staff_role(team, number)
    return "Done: the members of that user group are course staff here."
