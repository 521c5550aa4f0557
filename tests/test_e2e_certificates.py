"""Certificates of completion end to end: issued at the consultation end, by hand, verified, erased."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import discord
import pypdf
import pytest
import simcord

from bot.certificate import Certificate
from bot.cohort import CLAIM_LEASE
from bot.errors import NotAllowed, NotFound
from tests.helpers import World, dms, other_cohorts_instructor, refusals
from tests.scenarios import COHORT, course_in_week, exported, instructor

EXCUSE_ALL = range(1, 5)


async def complete(world: World, learner: simcord.MemberActor) -> None:
    """The course's rule met: every week counts as met (excused is met)."""
    for week in EXCUSE_ALL:
        await instructor(world, "participation excuse", member=learner, week=week)


async def consultation_ends(world: World) -> datetime:
    (cohort,) = await world.bot.store.cohorts.all()
    return cohort.calendar(world.bot.library.get(cohort.course_id)).consultation_ends


async def set_name(
    world: World, learner: simcord.MemberActor, name: str
) -> simcord.InteractionResult:
    shown = await learner.slash(world.server.staff, "certificate name")
    assert shown.modal is not None
    return await learner.submit_modal(shown, {"printed_name": name})


async def certified_at_the_consultation_end(
    world: World,
) -> tuple[simcord.MemberActor, Certificate]:
    """Amara, who gave her name and completed, and the certificate she got at the end."""
    await course_in_week(world, 1)
    amara = world.server.learners[0]
    await set_name(world, amara, "Amara Okafor")
    await complete(world, amara)
    await world.advance_to(await consultation_ends(world) + timedelta(minutes=1))
    (issued,) = await world.bot.store.certificates.of_user(amara.id)
    return amara, issued


def in_dms(world: World, member: simcord.MemberActor) -> simcord.UserHandle:
    """The same person acting in their DMs with the bot (pressing a button there)."""
    return simcord.UserHandle(world.env, world.env.backend.get_user(member.id))


def certificate_dms(world: World, learner: simcord.MemberActor) -> list[discord.Message]:
    return [m for m in dms(world, learner) if "Congratulations" in m.content]


async def pdf_text(attachment: discord.Attachment) -> str:
    assert attachment.filename.startswith("certificate-") and attachment.filename.endswith(".pdf")
    reader = pypdf.PdfReader(io.BytesIO(await attachment.read()))
    (page,) = reader.pages
    return page.extract_text()


async def test_completers_get_their_pdf_by_dm_at_the_consultation_end_once_across_a_restart(
    world: World,
):
    await course_in_week(world, 1)
    amara, bao, carmen = world.server.learners[:3]
    saved = await set_name(world, amara, "  Amara  N. Okafor ")
    assert saved.response.ephemeral and "**Amara N. Okafor**" in saved.response.content
    await complete(world, amara)
    await complete(world, bao)
    await instructor(world, "participation excuse", member=carmen, week=1)  # not every week
    ends = await consultation_ends(world)

    await world.advance_to(ends - timedelta(minutes=1))
    assert certificate_dms(world, amara) == [] and certificate_dms(world, bao) == []
    await world.advance_to(ends + timedelta(minutes=1))

    (dm,) = certificate_dms(world, amara)
    (code,) = [c.code for c in await world.bot.store.certificates.of_user(amara.id)]
    assert f"verification code is **{code}**" in dm.content
    (attachment,) = dm.attachments
    text = await pdf_text(attachment)
    for field in (
        "Amara N. Okafor",
        "De-escalation in the Library",
        "13 October 2026 – 10 November 2026",
        "15 course hours",
        "Instructor: Becky Russell",
        f"Verification code: {code}",
        "Issued 24 November 2026",
    ):
        assert field in text, field
    # Bao gave no name: asked once, privately, with a button; no PDF yet.
    (asked,) = certificate_dms(world, bao)
    assert asked.attachments == [] and "how should your name appear" in asked.content
    assert asked.components[0].children[0].label == "Set the name for my certificate"
    assert certificate_dms(world, carmen) == []
    nothing = await carmen.slash(world.server.staff, "certificate get")  # not someone else's
    assert nothing.ephemeral and nothing.response.attachments == []
    assert nothing.response.content.startswith("You have no certificate of completion yet.")
    assert [type(e) for e in refusals(world)] == [NotFound]
    told = [m.content.splitlines()[0] for m in dms(world, world.server.instructor)]
    assert told.count(f"**{COHORT}**: Certificates of completion: 2 completed; DMs 2 sent.") == 1

    await world.restart()
    await world.advance_to(ends + timedelta(weeks=1))
    assert len(certificate_dms(world, amara)) == 1 and len(certificate_dms(world, bao)) == 1
    assert len(await world.bot.store.certificates.in_cohort(1)) == 2


async def test_the_name_is_asked_once_by_a_button_that_outlives_a_restart(world: World):
    await course_in_week(world, 1)
    bao = world.server.learners[1]
    await complete(world, bao)
    await world.advance_to(await consultation_ends(world) + timedelta(minutes=1))
    (asked,) = certificate_dms(world, bao)
    await world.restart()

    shown = await in_dms(world, bao).click(asked, label="Set the name for my certificate")
    with pytest.raises(simcord.SetupError):
        await in_dms(world, world.server.learners[0]).submit_modal(shown, {"printed_name": "X"})
    answered = await in_dms(world, bao).submit_modal(shown, {"printed_name": "Bao Tran"})

    assert not answered.response.ephemeral  # in the DM: it stays in the conversation
    assert "your certificates will read **Bao Tran**" in answered.response.content
    (attachment,) = answered.response.attachments
    assert "Bao Tran" in await pdf_text(attachment)
    (certificate,) = await world.bot.store.certificates.of_user(bao.id)
    assert certificate.name == "Bao Tran"
    # Fetched again later, privately, with the same code.
    again = await bao.slash(world.server.staff, "certificate get")
    assert again.ephemeral
    followup = again.response  # the deferred answer
    assert certificate.code in followup.content
    assert "Bao Tran" in await pdf_text(followup.attachments[0])
    assert len(certificate_dms(world, bao)) == 1  # never asked twice


async def test_a_name_the_certificate_cannot_print_is_refused_with_the_reason(world: World):
    await course_in_week(world, 1)
    amara = world.server.learners[0]
    empty = await set_name(world, amara, "   ")
    assert "Write the name as it should appear" in empty.response.content
    unprintable = await set_name(world, amara, "李明")
    assert "cannot print" in unprintable.response.content
    assert empty.ephemeral and unprintable.ephemeral
    assert await world.bot.store.certificates.printed_name(amara.id) is None


async def test_the_button_works_only_for_the_person_it_names(world: World):
    await course_in_week(world, 1)
    amara, bao = world.server.learners[:2]
    from cogs._certificate_views import ask_name

    staff = world.bot.get_channel(world.server.staff.id)
    shown = await staff.send("Amara's button, visible to all", view=ask_name(amara.id))
    pressed = await bao.click(shown, label="Set the name for my certificate")
    assert pressed.ephemeral and pressed.modal is None
    assert pressed.response.content == "Only the person this certificate is for can set its name."


async def test_killed_after_the_dms_before_recording_sends_nobody_a_second_certificate(
    world: World,
):
    await course_in_week(world, 1)
    amara = world.server.learners[0]
    await set_name(world, amara, "Amara Okafor")
    await complete(world, amara)
    ends = await consultation_ends(world)
    await world.advance_to(ends + timedelta(seconds=1))
    (first,) = certificate_dms(world, amara)
    (issued,) = await world.bot.store.certificates.of_user(amara.id)
    await world.forget_it_was_sent(1, "certificates")  # sent, then died before recording

    await world.restart()
    await world.advance_to(ends + CLAIM_LEASE + timedelta(minutes=1))

    assert certificate_dms(world, amara) == [first]
    assert await world.bot.store.certificates.of_user(amara.id) == [issued]
    row = await world.bot.store.deliveries.get(1, "certificates")
    assert row.state == "done"


async def test_a_failed_dm_is_retried_with_the_same_certificate(world: World):
    await course_in_week(world, 1)
    amara = world.server.learners[0]
    await set_name(world, amara, "Amara Okafor")
    await complete(world, amara)
    dm_channel = world.env.backend.get_dm_channel(amara.id)
    world.env.inject_error("POST", f"/channels/{dm_channel.id}/messages", status=500, times=1)
    ends = await consultation_ends(world)
    await world.advance_to(ends + timedelta(seconds=1))
    assert certificate_dms(world, amara) == []
    (issued,) = await world.bot.store.certificates.of_user(amara.id)  # recorded, not yet sent

    await world.advance_to(ends + timedelta(minutes=5))

    (dm,) = certificate_dms(world, amara)
    assert issued.code in dm.content
    assert await world.bot.store.certificates.of_user(amara.id) == [issued]


async def test_anyone_can_verify_a_code_and_a_wrong_one_is_named_wrong(world: World):
    _, issued = await certified_at_the_consultation_end(world)
    typed = " " + issued.code.lower().replace("-", " ") + " "

    checked = await world.server.outsider.slash(
        world.server.staff, "certificate verify", code=typed
    )

    assert checked.ephemeral
    lines = checked.response.content.splitlines()
    assert lines[0] == f"✅ **{issued.code}** is a real certificate of completion."
    assert lines[1] == (
        "**Amara Okafor** completed **De-escalation in the Library** (13 October 2026 – "
        "10 November 2026, 15 course hours), instructor Becky Russell."
    )
    assert lines[2] == "Issued 24 November 2026, on completing the course."
    wrong = issued.code[:-1] + ("A" if issued.code[-1] != "A" else "B")
    for code in (wrong, "not a code"):
        answer = await world.server.outsider.slash(
            world.server.staff, "certificate verify", code=code
        )
        assert answer.response.content.startswith("❌ No certificate has the code")


async def test_an_instructor_issues_one_by_hand_and_it_shows_in_the_list_and_the_csv(world: World):
    await course_in_week(world, 1)
    server = world.server
    amara, carmen = server.learners[0], server.learners[2]
    await set_name(world, amara, "Amara Okafor")
    await complete(world, amara)

    issued = await instructor(world, "certificates issue", member=carmen)

    (certificate,) = await world.bot.store.certificates.of_user(carmen.id)
    assert issued.response.content == (
        f"Issued certificate **{certificate.code}** to Carmen, recorded as issued by you."
        " I sent it by DM."
    )
    assert certificate.issued_by == server.instructor.id and certificate.name is None
    (asked,) = certificate_dms(world, carmen)  # her name first
    again = await instructor(world, "certificates issue", member=carmen)
    assert again.response.content == (
        f"Carmen already has certificate **{certificate.code}** for {COHORT}."
        " They had it by DM already."
    )

    await world.advance_to(await consultation_ends(world) + timedelta(minutes=1))
    assert certificate_dms(world, carmen) == [asked]  # not twice
    listed = await instructor(world, "certificates list")
    assert listed.response.content == f"2 certificates of completion in {COHORT}."
    lines = listed.response.embeds[0].description.splitlines()
    (amara_line,) = [line for line in lines if "Amara Okafor" in line]
    assert amara_line.endswith("on completion") and f"<@{amara.id}>" in amara_line
    (carmen_line,) = [line for line in lines if f"<@{carmen.id}>" in line]
    assert "(name not given yet)" in carmen_line
    assert carmen_line.endswith(f"by <@{server.instructor.id}>")

    rows = {row["display_name"]: row for row in await exported(world)}
    assert (rows["Amara"]["completed"], rows["Amara"]["certificate_override"]) == ("yes", "no")
    assert rows["Carmen"]["completed"] == "no"
    assert (rows["Carmen"]["certificate"], rows["Carmen"]["certificate_override"]) == (
        certificate.code,
        "yes",
    )
    assert rows["Bao"]["certificate"] == ""

    not_a_learner = await instructor(world, "certificates issue", member=server.outsider)
    assert not_a_learner.response.content == f"passer-by is not a learner in {COHORT}."
    assert await world.bot.store.certificates.of_user(server.outsider.id) == []
    assert [type(e) for e in refusals(world)] == [NotFound]


async def test_a_dm_that_fails_when_issued_by_hand_is_sent_when_issued_again(world: World):
    await course_in_week(world, 1)
    carmen = world.server.learners[2]
    await set_name(world, carmen, "Carmen Ruiz")
    dm_channel = world.env.backend.get_dm_channel(carmen.id)
    world.env.inject_error("POST", f"/channels/{dm_channel.id}/messages", status=500, times=1)

    failed = await instructor(world, "certificates issue", member=carmen)

    (certificate,) = await world.bot.store.certificates.of_user(carmen.id)  # recorded, not sent
    assert failed.response.content.endswith(
        "I could not DM it (Discord had a server error (HTTP 500)): run this again to retry."
    )
    assert certificate_dms(world, carmen) == []
    again = await instructor(world, "certificates issue", member=carmen)
    assert again.response.content == (
        f"Carmen already has certificate **{certificate.code}** for {COHORT}. I sent it by DM."
    )
    (dm,) = certificate_dms(world, carmen)
    assert "Carmen Ruiz" in await pdf_text(dm.attachments[0])
    await world.advance_to(await consultation_ends(world) + timedelta(minutes=1))
    assert len(certificate_dms(world, carmen)) == 1


STAFF_ONLY = [
    ("certificates list", {}),
    ("certificates issue", {"member": 1}),
]


@pytest.mark.parametrize(("command", "options"), STAFF_ONLY, ids=[c for c, _ in STAFF_ONLY])
@pytest.mark.parametrize("who", ["learner", "outsider", "other instructor"])
async def test_staff_commands_refuse_everyone_else_privately_and_change_nothing(
    world: World, command: str, options: dict, who: str
):
    await course_in_week(world, 1)
    server = world.server
    amara, bao = server.learners[:2]
    await complete(world, bao)
    await instructor(world, "certificates issue", member=bao)  # something to list
    caller = {
        "learner": amara,
        "outsider": server.outsider,
        "other instructor": await other_cohorts_instructor(world),
    }[who]
    if "member" in options:
        options = {**options, "member": amara}
    before = await world.bot.store.certificates.in_cohort(1)
    world.show_staff_commands_to_everyone()  # hidden otherwise; the bot must refuse anyway

    refused = await caller.slash(server.staff, command, cohort=COHORT, **options)

    assert refused.ephemeral
    assert refused.response.content.startswith(f"Only {COHORT}'s instructors")
    assert refused.response.embeds == [] and refused.response.attachments == []
    assert [type(e) for e in refusals(world)] == [NotAllowed]
    assert await world.bot.store.certificates.in_cohort(1) == before
    assert certificate_dms(world, amara) == []


async def test_forgetme_erases_the_printed_name_and_the_certificate(world: World):
    amara, issued = await certified_at_the_consultation_end(world)

    shown = await amara.slash(world.server.staff, "mydata")
    assert "• 1 × certificates of completion issued to you" in shown.response.content
    assert "• 1 × the name you want printed on your certificates" in shown.response.content
    asked = await amara.slash(world.server.staff, "forgetme")
    await amara.click(asked.response.message, label="Erase my data")

    assert await world.bot.store.certificates.of_user(amara.id) == []
    assert await world.bot.store.certificates.printed_name(amara.id) is None
    checked = await world.server.outsider.slash(
        world.server.staff, "certificate verify", code=issued.code
    )
    assert checked.response.content.startswith("❌")
    fetched = await amara.slash(world.server.staff, "certificate get")
    assert "no certificate of completion yet" in fetched.response.content
    assert [type(e) for e in refusals(world)] == [NotFound]


async def test_the_purge_keeps_certificates_as_proof_of_completion(world: World):
    await course_in_week(world, 1)
    amara = world.server.learners[0]
    await set_name(world, amara, "Amara Okafor")
    await complete(world, amara)
    (cohort,) = await world.bot.store.cohorts.all()
    purges = cohort.calendar(world.bot.library.get(cohort.course_id)).purges

    await world.advance_to(purges + timedelta(minutes=1))

    assert (await world.bot.store.deliveries.get(cohort.id, "purge")).state == "done"
    assert await world.bot.store.participation.excusals(cohort.id) == []  # purged
    (kept,) = await world.bot.store.certificates.of_user(amara.id)
    checked = await world.server.outsider.slash(
        world.server.staff, "certificate verify", code=kept.code
    )
    assert checked.response.content.startswith("✅")
    assert datetime(2026, 1, 1, tzinfo=UTC) < kept.issued_at < purges


async def test_fetching_a_certificate_still_waiting_for_its_name_asks_for_it(world: World):
    await course_in_week(world, 1)
    bao = world.server.learners[1]
    await complete(world, bao)
    await world.advance_to(await consultation_ends(world) + timedelta(minutes=1))

    fetched = await bao.slash(world.server.staff, "certificate get")

    assert fetched.ephemeral and fetched.response.attachments == []
    assert "waiting for your name" in fetched.response.content
    shown = await bao.click(fetched.response.message, label="Set the name for my certificate")
    answered = await bao.submit_modal(shown, {"printed_name": "Bao Tran"})
    assert answered.response.ephemeral  # in the server: only Bao sees it
    (attachment,) = answered.response.attachments
    assert "Bao Tran" in await pdf_text(attachment)


async def test_a_certificate_dm_retried_after_a_429_still_carries_the_whole_pdf(
    world: World, monkeypatch
):
    await course_in_week(world, 1)
    amara = world.server.learners[0]
    await set_name(world, amara, "Amara Okafor")
    await complete(world, amara)
    # Discord answers 429 to the first DM with a file after it was uploaded (the file was
    # read). SimCord refuses before reading, so this stands in for that one answer.
    send = discord.abc.Messageable.send
    refused = []

    async def uploaded_then_429(self, *args, **kwargs):
        file = kwargs.get("file")
        if file is not None and not refused:
            refused.append(file.fp.read())
            raise discord.RateLimited(1.0)
        return await send(self, *args, **kwargs)

    monkeypatch.setattr(discord.abc.Messageable, "send", uploaded_then_429)

    await world.advance_to(await consultation_ends(world) + timedelta(minutes=1))

    assert world.bot.pacer.rate_limits == 1 and refused[0].startswith(b"%PDF")
    (dm,) = certificate_dms(world, amara)
    (attachment,) = dm.attachments
    assert "Amara Okafor" in await pdf_text(attachment)


async def test_the_name_form_opened_before_a_restart_is_saved_after_it(world: World):
    await course_in_week(world, 1)
    amara = world.server.learners[0]
    shown = await amara.slash(world.server.staff, "certificate name")
    await world.restart()

    saved = await amara.submit_modal(shown, {"printed_name": "Amara Okafor"})

    assert saved.ephemeral and "**Amara Okafor**" in saved.response.content
    assert await world.bot.store.certificates.printed_name(amara.id) == "Amara Okafor"
