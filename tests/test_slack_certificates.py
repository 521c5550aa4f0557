"""Certificates of completion on Slack: the PDF by DM at the consultation end (once), the
printed name asked once by a button and a modal, ``/certificate get|name|verify`` and staff's
``/certificates list|issue``; the real slack-bolt app on the stand-in."""

from __future__ import annotations

from datetime import timedelta

from bot.cohort import CLAIM_LEASE
from tests.slack_helpers import SlackWorld, snapshot


async def complete(sworld: SlackWorld, who: str) -> None:
    """The course's rule met: every week excused (as ``/participation excuse`` does on Discord)."""
    cohort = await sworld.cohort()
    user = await sworld.bot.platform.number(sworld.slack.workspace.user_named(who).id)
    for week in range(1, len(sworld.bot.library.get(cohort.course_id).weeks) + 1):
        await sworld.bot.store.participation.excuse(cohort.id, user, week, 0, sworld.clock.now())


async def consultation_end(sworld: SlackWorld):
    cohort = await sworld.cohort()
    return cohort.calendar(sworld.bot.library.get(cohort.course_id)).consultation_ends


async def set_name(sworld: SlackWorld, who: str, name: str) -> dict:
    person = sworld.slack.person(who)
    assert await person.command("/certificate", "name") == {}
    view = sworld.slack.workspace.views[-1]["view"]
    values = {"printed_name": {"value": {"type": "plain_text_input", "value": name}}}
    return await person.submit(view, values)


def pdfs_to(sworld: SlackWorld, who: str) -> list[dict]:
    ws = sworld.slack.workspace
    im = ws.open_im(ws.user_named(who).id).id
    return [f for f in ws.files.values() if im in f["channels"] and f["name"].endswith(".pdf")]


def congratulations(sworld: SlackWorld, who: str):
    ws = sworld.slack.workspace
    return [m for m in ws.dms(ws.user_named(who)) if "Congratulations" in m.text]


async def test_completers_get_their_pdf_by_dm_at_the_consultation_end_once(sworld: SlackWorld):
    await sworld.create_cohort()
    assert await set_name(sworld, "learner1", "  Amara  N. Okafor ") == {}
    await complete(sworld, "learner1")
    await complete(sworld, "learner2")  # has given no name yet
    ends = await consultation_end(sworld)
    await sworld.advance_to(ends + timedelta(minutes=1))
    (sent,) = congratulations(sworld, "learner1")
    assert sent.metadata and "certificates" in str(sent.metadata)
    (pdf,) = pdfs_to(sworld, "learner1")
    assert pdf["content"].startswith(b"%PDF") and pdf["thread_ts"] == sent.ts
    (asked,) = congratulations(sworld, "learner2")
    assert asked.blocks[-1]["elements"][0]["action_id"] == "cohortbot_certname"
    assert not pdfs_to(sworld, "learner2") and not congratulations(sworld, "learner3")
    cohort = await sworld.cohort()
    row = await sworld.bot.store.deliveries.get(cohort.id, "certificates")
    assert row.state == "done"

    await sworld.restart()
    await sworld.advance_to(ends + timedelta(hours=1))
    assert len(congratulations(sworld, "learner1")) == 1 and len(pdfs_to(sworld, "learner1")) == 1

    # learner2 presses the button in the DM (after the restart), names herself, gets the PDF
    ws = sworld.slack.workspace
    im = ws.open_im(ws.user_named("learner2").id)
    other = sworld.slack.person("learner3")
    opened = len(ws.views)
    await other.press(im, asked, "cohortbot_certname")  # not hers: no form opens
    assert len(ws.views) == opened
    assert "Only the person" in ws.dms(ws.user_named("learner3"))[-1].text
    learner2 = sworld.slack.person("learner2")
    await learner2.press(im, asked, "cohortbot_certname")
    view = ws.views[-1]["view"]
    bad = await learner2.submit(view, {"printed_name": {"value": {"value": "   "}}})
    assert bad["response_action"] == "errors"
    assert await learner2.submit(view, {"printed_name": {"value": {"value": "Bao Tran"}}}) == {}
    (pdf2,) = pdfs_to(sworld, "learner2")
    (mine,) = await sworld.bot.store.certificates.of_user(
        await sworld.bot.platform.number(learner2.id)
    )
    assert mine.name == "Bao Tran" and mine.code in pdf2["title"]


async def test_certificate_get_and_verify(sworld: SlackWorld):
    await sworld.create_cohort()
    none_yet = await sworld.slack.person("learner1").command("/certificate", "get")
    assert "no certificate of completion yet" in none_yet["text"]
    await set_name(sworld, "learner1", "Amara Okafor")
    await complete(sworld, "learner1")
    await sworld.advance_to(await consultation_end(sworld) + timedelta(minutes=1))
    got = await sworld.slack.person("learner1").command("/certificate", "get")
    assert "Amara Okafor" in got["text"] and got.get("response_type") != "in_channel"
    assert len(pdfs_to(sworld, "learner1")) == 2  # the DM's, and the one fetched again
    (certificate,) = await sworld.bot.store.certificates.of_user(
        await sworld.bot.platform.number(sworld.slack.workspace.user_named("learner1").id)
    )
    checked = await sworld.slack.person("outsider").command(
        "/certificate", f"verify {certificate.code.lower()}"
    )
    assert "Amara Okafor" in checked["text"] and "is a real certificate" in checked["text"]
    unknown = await sworld.slack.person("outsider").command("/certificate", "verify ZZZZZ-ZZZZZ")
    assert "Amara" not in unknown["text"] and "is a real" not in unknown["text"]


async def test_staff_issue_by_hand_and_list(sworld: SlackWorld):
    await sworld.create_cohort()
    ws = sworld.slack.workspace
    learner3 = ws.user_named("learner3").id
    instructor = sworld.slack.person("instructor")
    issued = await instructor.command("/certificates", f'issue "Fall 2026" <@{learner3}|learner3>')
    assert "Issued certificate" in issued["text"] and "sent it by DM" in issued["text"], issued
    [asked] = congratulations(sworld, "learner3")  # no name yet: the button
    assert asked.blocks[-1]["elements"][0]["action_id"] == "cohortbot_certname"
    again = await instructor.command("/certificates", f'issue "Fall 2026" <@{learner3}>')
    assert "already has certificate" in again["text"] and "had it by DM already" in again["text"]
    listing = await instructor.command("/certificates", 'list "Fall 2026"')
    assert "1 certificate of completion in Fall 2026" in listing["text"]
    assert f"<@{learner3}>" in listing["text"] and "name not given yet" in listing["text"]
    before = await snapshot(sworld)
    outsider = ws.user_named("outsider").id
    refused = await instructor.command("/certificates", f'issue "Fall 2026" <@{outsider}>')
    assert "is not a learner in Fall 2026" in refused["text"]
    for who in ("learner1", "outsider"):
        for text in (f'issue "Fall 2026" <@{learner3}>', 'list "Fall 2026"'):
            answer = await sworld.slack.person(who).command("/certificates", text)
            assert answer["text"] == "Only course staff can do that."
    assert await snapshot(sworld) == before


async def test_a_crash_between_the_dm_and_its_pdf_sends_neither_twice(sworld: SlackWorld):
    """The marked message went out, the upload did not (the process died, or Slack failed):
    the retry finds the message by its marker and sends nothing again; the message says
    ``/certificate get`` fetches the PDF, and it does."""
    await sworld.create_cohort()
    await set_name(sworld, "learner1", "Amara Okafor")
    await complete(sworld, "learner1")
    sworld.slack.faults.error("files.getUploadURLExternal", "internal_error")
    ends = await consultation_end(sworld)
    await sworld.advance_to(ends + timedelta(minutes=1))
    (sent,) = congratulations(sworld, "learner1")
    assert "/certificate get" in sent.text and not pdfs_to(sworld, "learner1")
    await sworld.restart()
    for later in (CLAIM_LEASE, 2 * CLAIM_LEASE, timedelta(hours=2)):
        await sworld.advance_to(ends + later + timedelta(minutes=2))
    assert len(congratulations(sworld, "learner1")) == 1 and not pdfs_to(sworld, "learner1")
    cohort = await sworld.cohort()
    assert (await sworld.bot.store.deliveries.get(cohort.id, "certificates")).state == "done"
    await sworld.slack.person("learner1").command("/certificate", "get")
    (pdf,) = pdfs_to(sworld, "learner1")
    assert pdf["content"].startswith(b"%PDF")


async def test_killed_between_the_certificate_dm_and_its_record_it_is_not_sent_twice(
    sworld: SlackWorld,
):
    await sworld.create_cohort()
    await set_name(sworld, "learner1", "Amara Okafor")
    await complete(sworld, "learner1")
    ends = await consultation_end(sworld)
    await sworld.advance_to(ends + timedelta(minutes=1))
    assert len(congratulations(sworld, "learner1")) == 1
    cohort = await sworld.cohort()
    # The process DMed learner1 (message and PDF) and died before recording either.
    await sworld.forget_it_was_sent(cohort.id, "certificates")
    number = await sworld.bot.platform.number(sworld.slack.workspace.user_named("learner1").id)
    await sworld.bot.store.db.execute(
        "UPDATE delivery_recipients SET outcome = 'sending', at = ?"
        " WHERE cohort_id = ? AND item_key = 'certificates' AND user_id = ?",
        ((ends + timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), cohort.id, number),
    )
    await sworld.bot.store.db.commit()
    await sworld.restart()
    await sworld.advance_to(ends + CLAIM_LEASE + timedelta(minutes=2))
    assert len(congratulations(sworld, "learner1")) == 1 and len(pdfs_to(sworld, "learner1")) == 1
    assert (await sworld.bot.store.deliveries.get(cohort.id, "certificates")).state == "done"


async def test_a_printed_name_is_shown_as_typed_never_as_a_link(sworld: SlackWorld):
    """What an employer reads in ``/certificate verify`` cannot be dressed up by the name a
    learner typed: on Slack ``<url|label>`` is a masked link, and Discord's backslash
    escapes are shown, not read."""
    await sworld.create_cohort()
    name = "<https://evil.example|Amara Okafor> [MD] #1"
    assert await set_name(sworld, "learner1", name) == {}
    await complete(sworld, "learner1")
    await sworld.advance_to(await consultation_end(sworld) + timedelta(minutes=1))
    (certificate,) = await sworld.bot.store.certificates.of_user(
        await sworld.bot.platform.number(sworld.slack.workspace.user_named("learner1").id)
    )
    checked = await sworld.slack.person("outsider").command(
        "/certificate", f"verify {certificate.code}"
    )
    text = checked["text"]
    assert "is a real certificate" in text and "<" not in text and ">" not in text, text
    assert "&lt;https://evil.example|Amara Okafor&gt; [MD] #1" in text, text
    listed = await sworld.slack.person("instructor").command("/certificates", 'list "Fall 2026"')
    assert "&lt;https://evil.example|Amara Okafor&gt; [MD] #1" in listed["text"], listed


async def test_a_printed_name_shows_without_discord_backslashes(sworld: SlackWorld):
    """``Amara_Okafor *MD*`` reads so in the saved-name DM, ``/certificate verify`` and
    ``/certificates list``: Slack has no backslash escapes to show."""
    await sworld.create_cohort()
    name = "Amara_Okafor *MD* ~x~"
    assert await set_name(sworld, "learner1", name) == {}
    ws = sworld.slack.workspace
    (saved,) = [m for m in ws.dms(ws.user_named("learner1")) if m.text.startswith("Saved:")]
    await complete(sworld, "learner1")
    await sworld.advance_to(await consultation_end(sworld) + timedelta(minutes=1))
    (certificate,) = await sworld.bot.store.certificates.of_user(
        await sworld.bot.platform.number(ws.user_named("learner1").id)
    )
    checked = await sworld.slack.person("outsider").command(
        "/certificate", f"verify {certificate.code}"
    )
    listed = await sworld.slack.person("instructor").command("/certificates", 'list "Fall 2026"')
    for text in (saved.text, checked["text"], listed["text"]):
        assert name in text and "\\" not in text, text
