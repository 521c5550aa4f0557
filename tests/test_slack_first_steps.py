"""A workspace admin and a learner meeting the Slack app for the first time: what they type
from the README and the manifest's hints, and the wrong things they type next."""

from __future__ import annotations

from tests.slack_helpers import SlackWorld, shown, snapshot


def private(answer: dict) -> str:
    assert answer.get("response_type") != "in_channel", answer
    return answer["text"]


async def reminders_off(sworld: SlackWorld) -> set[int]:
    return await sworld.bot.store.participation.reminders_off()


async def test_reminders_takes_on_or_off_and_nothing_else_changes_the_setting(
    sworld: SlackWorld,
):
    learner = sworld.slack.person("learner1")
    user = await sworld.bot.platform.number(learner.id)
    off = private(await learner.command("/reminders", "off"))
    assert off.endswith("`/reminders on` turns them back on.")  # as on Discord
    assert user in await reminders_off(sworld)
    assert "on again" in private(await learner.command("/reminders", "on"))
    assert user not in await reminders_off(sworld)
    assert "no more nudges" in private(await learner.command("/reminders", "OFF"))
    assert "on again" in private(await learner.command("/reminders", "On"))
    for typed in ("", "maybe", "of", "yes"):  # the manifest's hint is "on | off"
        answer = private(await learner.command("/reminders", typed))
        assert answer == "usage: `/reminders on` or `/reminders off`", typed
        assert user not in await reminders_off(sworld), typed


async def test_setup_staff_with_a_group_that_is_not_there_says_so(sworld: SlackWorld):
    """README step 3: `/setup staff S0123ABCD`. A mistyped id, or the group's @handle typed
    as text, is told plainly (it was an apology for a fault on the bot's side)."""
    admin = sworld.slack.person("admin")
    before = await snapshot(sworld)
    for typed in ("S0NOPE", "@cohort-staff"):
        answer = private(await admin.command("/setup", f"staff {typed}"))
        assert answer == (
            f"There is no user group {typed!r} in this workspace: give the group's id"
            " (it starts with S), e.g. `/setup staff S0123ABCD`."
        )
    group = sworld.group("cohort-staff")
    for who in ("learner1", "outsider", "instructor"):  # not workspace admins
        for typed in ("S0NOPE", group):
            refused = private(await sworld.slack.person(who).command("/setup", f"staff {typed}"))
            assert refused in (
                "Only course staff can do that.",
                "Only a workspace admin sets who is course staff (`/setup`).",
            ), who
    assert await snapshot(sworld) == before
    assert "course staff" in private(await admin.command("/setup", f"staff {group}"))


async def test_a_missing_argument_gets_the_whole_usage_line(sworld: SlackWorld):
    """Not a bare ``usage: <cohort>``: the command and subcommand as they are typed."""
    instructor, admin = sworld.slack.person("instructor"), sworld.slack.person("admin")
    for person, command, typed, usage in (
        (instructor, "/session", "list", "usage: `/session list <cohort>`"),
        (instructor, "/participation", "summary", "usage: `/participation summary <cohort>`"),
        (instructor, "/assignment", "list", "usage: `/assignment list <cohort> <week>`"),
        (
            instructor,
            "/recording",
            "add",
            "usage: `/recording add <cohort> <session> <https link>`",
        ),
        (admin, "/setup", "staff", "usage: `/setup staff <user group id>`"),
    ):
        assert shown(private(await person.command(command, typed))) == usage


async def test_a_cohort_name_with_spaces_typed_without_quotes_is_told_to_quote_it(
    sworld: SlackWorld,
):
    await sworld.create_cohort()  # "Fall 2026"
    instructor = sworld.slack.person("instructor")
    before = await snapshot(sworld)
    answer = private(await instructor.command("/cohort", "pause Fall 2026"))
    assert answer == (
        "no cohort called 'Fall' in this workspace; yours: Fall 2026"
        ' (a name with spaces goes in quotes: "Fall 2026")'
    )
    assert await snapshot(sworld) == before
    assert private(await instructor.command("/cohort", "show Nope")) == (
        "no cohort called 'Nope' in this workspace; yours: Fall 2026"
    )
