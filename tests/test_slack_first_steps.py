"""A workspace admin and a learner meeting the Slack app for the first time: what they type
from the README and the manifest's hints, and the wrong things they type next."""

from __future__ import annotations

from tests.slack_helpers import SlackWorld


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
    assert "no more nudges" in private(await learner.command("/reminders", "off"))
    assert user in await reminders_off(sworld)
    assert "on again" in private(await learner.command("/reminders", "on"))
    assert user not in await reminders_off(sworld)
    assert "no more nudges" in private(await learner.command("/reminders", "OFF"))
    assert "on again" in private(await learner.command("/reminders", "On"))
    for typed in ("", "maybe", "of", "yes"):  # the manifest's hint is "on | off"
        answer = private(await learner.command("/reminders", typed))
        assert answer == "usage: `/reminders on` or `/reminders off`", typed
        assert user not in await reminders_off(sworld), typed
