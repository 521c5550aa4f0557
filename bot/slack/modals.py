"""``/cohort create`` as a modal: course, name, channel, learner user group, start, time zone."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.access import RoleFacts, check_cohort_roles
from bot.cohort import NAME_LIMIT, NewCohort, PlatformName, cohort_name, first_day
from bot.errors import UserError
from bot.features.planning import plan_cohort
from bot.localtime import zone
from bot.slack import blocks
from bot.slack.deadline import answer_form
from bot.timetable import sessions_for

if TYPE_CHECKING:
    from bot.slack.app import SlackBot

CREATE = "cohortbot_cohort_create"


def _input(
    block: str, label: str, element: dict[str, Any], optional: bool = False
) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "element": {"action_id": "value", **element},
    }


def create_view(bot: SlackBot) -> dict[str, Any]:
    courses = [
        {"text": {"type": "plain_text", "text": bot.library.get(i).title[:75]}, "value": i}
        for i in sorted(bot.library.ids())
    ][:100]
    return blocks.modal(
        CREATE,
        "New cohort",
        "Create",
        [
            _input("course", "Course", {"type": "static_select", "options": courses}),
            _input("name", "Cohort name", {"type": "plain_text_input", "max_length": NAME_LIMIT}),
            _input(
                "channel",
                "Channel",
                {"type": "conversations_select", "filter": {"include": ["public", "private"]}},
            ),
            _input(
                "learners",
                "Learner user group id (blank: the channel's members less staff)",
                {"type": "plain_text_input"},
                optional=True,
            ),
            _input(
                "instructors",
                "Instructor user group id (blank: course staff only)",
                {"type": "plain_text_input"},
                optional=True,
            ),
            _input("start", "First day", {"type": "datepicker"}),
            _input(
                "timezone",
                "Time zone (blank: the course's)",
                {"type": "plain_text_input"},
                optional=True,
            ),
        ],
    )


async def open_create(bot: SlackBot, trigger_id: str) -> None:
    await bot.client.views_open(trigger_id=trigger_id, view=create_view(bot))


def _value(values: dict[str, Any], block: str) -> str:
    element = values.get(block, {}).get("value", {})
    for key in ("selected_option", "selected_conversation", "selected_date", "value"):
        found = element.get(key)
        if isinstance(found, dict):
            return str(found.get("value", ""))
        if found:
            return str(found).strip()
    return ""


def register(bot: SlackBot) -> None:
    @bot.app.view(CREATE)
    async def create(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        await answer_form(bot, ack, view, created(bot, body["user"]["id"], view))


async def created(bot: SlackBot, user: str, view: dict[str, Any]) -> dict[str, Any]:
    """The form's answer: errors in it, or (the cohort made and planned) it closes."""
    try:
        if not await bot.platform.is_staff(user):
            raise UserError("Only course staff can create a cohort.")
        cohort = await create_cohort(bot, user, view["state"]["values"])
    except UserError as error:  # under the field at fault (else under the name)
        return {"response_action": "errors", "errors": {_block(error): str(error)}}
    except SlackApiError as error:  # e.g. a missing scope: said in the form, never a hang
        reason = bot.platform.describe(error) or "Slack refused"
        return {"response_action": "errors", "errors": {"name": reason}}
    await bot.platform.tell_instructors(cohort, "created; its timetable is planned.")
    return {}


class _Wrong(UserError):
    """What is wrong with one field of the form (``block``): shown under it."""

    def __init__(self, block: str, message: str) -> None:
        super().__init__(message)
        self.block = block


def _block(error: UserError) -> str:
    return error.block if isinstance(error, _Wrong) else "name"


@contextmanager
def _field(block: str) -> Iterator[None]:
    """A refusal raised inside is about the form's ``block``."""
    try:
        yield
    except _Wrong:
        raise
    except UserError as error:
        raise _Wrong(block, str(error)) from error


async def _group(bot: SlackBot, values: dict[str, Any], block: str) -> str:
    """A user group's id as typed (bare, or as Slack's mention), checked to exist; or ""."""
    group = _value(values, block).removeprefix("<!subteam^").split("|")[0].rstrip(">")
    if group:
        try:
            await bot.client.usergroups_users_list(usergroup=group)  # it exists
        except SlackApiError as error:
            if error.response.get("error") not in ("no_such_subteam", "invalid_arguments"):
                raise
            raise UserError(f"no user group {group!r} in this workspace: check its id") from None
    return group


async def _check_groups(
    bot: SlackBot, team: int, learners: tuple[int, str], instructors: tuple[int | None, str]
) -> None:
    """The shared rule (``bot.access.check_cohort_roles``): the learner group is not the
    staff group; the instructor group is neither it nor another cohort's learner group (whose
    learners would else run this cohort). Each number with the group's id as typed."""

    def facts(number: int, typed: str) -> RoleFacts:
        return RoleFacts(number, f"user group {typed}", everyone=False, managed=False)

    staff = await bot.store.guilds.staff_role(team)
    others = frozenset(c.learner_role_id for c in await bot.store.cohorts.in_guild(team))
    learner = facts(*learners)
    with _field("learners"):
        check_cohort_roles(learner, None, staff_role_id=staff, words=bot.platform.words)
    if instructors[0] is None:
        return
    with _field("instructors"):
        check_cohort_roles(
            learner,
            facts(instructors[0], instructors[1]),
            staff_role_id=staff,
            learner_roles=others - {0},  # 0: the channel's members, no group
            words=bot.platform.words,
        )


async def create_cohort(bot: SlackBot, user: str, values: dict[str, Any]) -> Any:
    with _field("course"):
        course_id = _value(values, "course")
        if course_id not in bot.library.ids():
            raise UserError(f"no course {course_id!r}")
        course = bot.library.get(course_id)
    with _field("name"):
        name = cohort_name(_value(values, "name"))
    with _field("start"):
        start = first_day(_value(values, "start"))
    with _field("timezone"):
        tz = zone(_value(values, "timezone") or course.timezone)
    with _field("channel"):
        channel = _value(values, "channel")
        try:
            info = (await bot.client.conversations_info(channel=channel))["channel"]
        except SlackApiError as error:  # not found, or a missing scope: said under the field
            raise UserError(bot.platform.describe(error) or "Slack refused") from error
        if info.get("is_archived"):
            raise UserError("that channel is archived: choose another, or unarchive it first")
        if not info.get("is_member"):
            raise UserError(
                f"I am not in <#{channel}>: invite me there first (`/invite @cohortbot`)"
            )
        if info.get("is_private") and user not in await bot.platform.channel_members(channel):
            # The form offers only channels one is in; a forged one would show its members
            # (the learners) and who writes there to someone who cannot read it.
            raise UserError("that channel is private and you are not in it: choose one you are in")
    with _field("learners"):
        group = await _group(bot, values, "learners")
    with _field("instructors"):
        instructors = await _group(bot, values, "instructors")
    team = await bot.platform.number(bot.platform.team)
    learner_id = await bot.platform.number(group) if group else 0
    instructor_id = await bot.platform.number(instructors) if instructors else None
    await _check_groups(bot, team, (learner_id, group), (instructor_id, instructors))
    new = NewCohort(
        guild_id=team,
        name=name,
        course_id=course.id,
        start=start,
        timezone=tz.key,
        channel_id=await bot.platform.number(channel),
        learner_role_id=learner_id,
        instructor_role_id=instructor_id,
        announcements_channel_id=None,
        created_by=await bot.platform.number(user),
    )
    now = bot.clock.now()
    try:
        cohort = await bot.store.cohorts.create(
            new, sessions_for(course, start, tz), now, platform=PlatformName.SLACK
        )
    except UserError as error:  # the store names the channel by its number: Slack's id here
        raise UserError(str(error).replace(f"<#{new.channel_id}>", f"<#{channel}>")) from error
    await plan_cohort(bot.store, bot.library, bot.clock, cohort)
    await bot.reschedule()
    return cohort
