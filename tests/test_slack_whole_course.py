"""Each seed course file, unchanged, runs a whole cohort on Slack: every week posted, every
session announced, reminded and started, nudges, digests, the wrap-up, the consultation, the
certificates, the archive and the purge, each done once and none failed; a learner who takes
part (writes, hands in, checks in) completes and gets a certificate, one who does not is
nudged and gets none. The real slack-bolt app on the stand-in, the clock moved by the test."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.cohort import DeliveryState
from bot.slack.blocks import mrkdwn
from tests.slack_helpers import SlackWorld
from tests.slack_standin import Message

LATE = timedelta(minutes=1)


def marked(sworld: SlackWorld, key: str, channel: str = "cohort") -> list[Message]:
    """The bot's top-level posts in ``channel`` carrying the delivery ``key``'s marker."""
    return [
        m
        for m in sworld.posts(channel)
        if m.metadata and m.metadata["event_payload"].get("marker", "").endswith(f"· {key}")
    ]


async def take_part(sworld: SlackWorld, week: int, channel: str) -> None:
    """learner1 writes a post and two replies in the week's thread (what the discussion asks),
    and hands in the week's assignment."""
    (post,) = marked(sworld, f"module:{week}", channel)
    learner = sworld.slack.person("learner1")
    await learner.post(channel, f"My thoughts on week {week}")
    await learner.reply(channel, post, "I agree, and here is why")
    await learner.reply(channel, post, "And one more thought")
    if "cohortbot_submit" in str(post.blocks):
        await learner.press(channel, post, "cohortbot_submit")
        view = sworld.slack.workspace.views[-1]["view"]
        values = {"note": {"value": {"type": "plain_text_input", "value": f"Week {week} work"}}}
        done = await learner.submit(view, values)
        assert done["view"]["title"]["text"] == "Handed in", done


@pytest.mark.parametrize("channel", ["cohort", "cohort-private"])
@pytest.mark.parametrize("course", ["de-escalation", "safe-workplace"])
async def test_a_seed_course_runs_a_whole_cohort_on_slack(
    sworld: SlackWorld, course: str, channel: str
):
    await run_whole_course(sworld, course, channel)


async def run_whole_course(sworld: SlackWorld, course: str, channel: str) -> None:
    """The whole cohort in ``channel`` (public or private), with the manifest's scopes only
    (the stand-in grants exactly those)."""
    assert await sworld.create_cohort(course=course, channel=channel) == {}
    cohort = await sworld.cohort()
    name = {"printed_name": {"value": {"type": "plain_text_input", "value": "Amara Okafor"}}}
    learner1 = sworld.slack.person("learner1")
    await learner1.command("/certificate", "name")
    assert await learner1.submit(sworld.slack.workspace.views[-1]["view"], name) == {}

    done_weeks: set[int] = set()
    for _ in range(200):  # each instant something falls due, in order, until nothing is left
        waiting = [
            d
            for d in await sworld.bot.store.deliveries.for_cohort(cohort.id)
            if d.state == DeliveryState.PENDING
        ]
        if not waiting:
            break
        await sworld.advance_to(min(d.due for d in waiting) + LATE)
        for delivery in await sworld.bot.store.deliveries.for_cohort(cohort.id):
            week = int(delivery.key.split(":")[1]) if delivery.key.startswith("module:") else 0
            if week and delivery.state == DeliveryState.DONE and week not in done_weeks:
                done_weeks.add(week)
                await take_part(sworld, week, channel)
    rows = await sworld.bot.store.deliveries.for_cohort(cohort.id)
    states = {d.key: d.state for d in rows}
    assert set(states.values()) <= {DeliveryState.DONE, DeliveryState.SKIPPED}, states
    library = sworld.bot.library.get(course)
    assert done_weeks == {w.number for w in library.weeks}
    for key in ("wrapup", "consultation", "certificates", "archive", "purge"):
        assert states[key] == DeliveryState.DONE, (key, states[key])
    assert all(len(marked(sworld, f"module:{w}", channel)) == 1 for w in done_weeks)  # once

    ws = sworld.slack.workspace
    instructor = ws.user_named("instructor")
    told = " ".join(m.text for m in ws.dms(instructor))
    assert "could not" not in told and "failed" not in told.lower(), told
    (certificate,) = await sworld.bot.store.certificates.of_user(
        await sworld.bot.platform.number(learner1.id)
    )
    assert certificate.name == "Amara Okafor" and certificate.hours == library.hours
    assert certificate.course_title == library.title
    pdfs = [f for f in ws.files.values() if f["name"].endswith(".pdf")]
    assert len(pdfs) == 1 and pdfs[0]["content"].startswith(b"%PDF")
    learner2 = await sworld.bot.platform.number(ws.user_named("learner2").id)
    assert await sworld.bot.store.certificates.of_user(learner2) == []
    assert [m for m in ws.dms(ws.user_named("learner2")) if "friendly note" in m.text.lower()]
    assert ws.channel_named(channel).messages[-1].text.startswith(f"{cohort.name} has ended")
    shown = everything_shown(sworld)
    assert "<!date^" in shown and "<t:" not in shown  # Slack's date tokens, never Discord's
    assert "**" not in shown  # Slack's mrkdwn bold is one star


@pytest.mark.parametrize(
    ("markdown", "shown"),
    [
        ("a **bold** word", "a *bold* word"),
        (
            "feel. **Name one thing\nthat helps.** Photos",
            "feel. *Name one thing*\n*that helps.* Photos",
        ),
        ("**Where does\n  it tell\nstaff?** Add", "*Where does*\n  *it tell*\n*staff?* Add"),
        ("2**3 is eight\n\nand **this** is bold", "2**3 is eight\n\nand *this* is bold"),
    ],
)
def test_bold_wrapped_over_lines_is_bold_on_each_line(markdown: str, shown: str):
    """A course file's prose wraps inside ``**…**``; Slack's ``*…*`` cannot cross a line break,
    and a ``**`` never pairs across a blank line."""
    assert mrkdwn(markdown) == shown


def everything_shown(sworld: SlackWorld) -> str:
    """All the app put in front of people: its messages and DMs (with their blocks), its
    ephemeral answers and its forms, as one text."""
    ws = sworld.slack.workspace
    posted = [
        {"text": m.text, "blocks": m.blocks}
        for c in ws.conversations.values()
        for m in ws.posted(c)
    ]
    return json.dumps([posted, ws.ephemeral, [v["view"] for v in ws.views]])
