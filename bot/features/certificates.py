"""Certificates of completion at the consultation end, on any platform: who completed (the
participation report's rule), one certificate each (issued once, kept on record), sent by
the platform's DM (a PDF, or first the question of the printed name), and the instructor
told the counts."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from bot.certificate import (
    Certificate,
    certifies,
    cohort_dates,
    new_code,
    normalise_code,
    printed_name,
    render_pdf,
    verify_text,
)
from bot.clock import Clock
from bot.cohort import Cohort
from bot.errors import NotFound
from bot.features.deliveries import DeliveryRunner, Job, Sent
from bot.features.fanout import FanoutResult
from bot.features.participation import ParticipationFeature
from bot.features.platform import Platform
from bot.library import CourseLibrary
from bot.render import plain
from bot.store import Store
from bot.timetable import ItemKind
from bot.vocabulary import Vocabulary

# One fan-out key per cohort: a learner gets their certificate by DM once, whether it
# was issued at the consultation end or by an instructor before it.
DM_KEY = ItemKind.CERTIFICATES.value

# A message holds ten files: at most ten certificates are shown (and sent) at once.
SHOWN = 10
WAITING = "Your certificate is waiting for your name as it should be printed."

# How a platform DMs the certificates: to these user ids, each theirs.
SendCertificates = Callable[[Cohort, list[int], dict[int, Certificate]], Awaitable[FanoutResult]]


async def pdfs(certificates: Sequence[Certificate], words: Vocabulary) -> dict[str, bytes]:
    """The named certificates' PDFs by code (drawn in a worker thread: the bot keeps
    answering), in the words of the platform they are sent on."""
    printed = [c for c in certificates if c.name is not None]
    data = await asyncio.to_thread(lambda: [render_pdf(c, words) for c in printed])
    return {c.code: pdf for c, pdf in zip(printed, data, strict=True)}


class CertificateIssuing:
    def __init__(
        self,
        platform: Platform,
        store: Store,
        library: CourseLibrary,
        clock: Clock,
        participation: ParticipationFeature,
        send: SendCertificates,
    ) -> None:
        self.platform = platform
        self.store = store
        self.library = library
        self.clock = clock
        self.participation = participation
        self.send = send

    def register(self, runner: DeliveryRunner) -> None:
        runner.handle(ItemKind.CERTIFICATES, self.issue_due)

    async def certificate_for(
        self, cohort: Cohort, user_id: int, issued_by: int | None
    ) -> tuple[Certificate, bool]:
        """The learner's certificate for the cohort: the one on record, or a new one."""
        course = self.library.get(cohort.course_id)
        starts, ends = cohort_dates(cohort.calendar(course), cohort.zone)
        wanted = Certificate(
            code=new_code(),
            cohort_id=cohort.id,
            user_id=user_id,
            name=await self.store.certificates.printed_name(user_id),
            course_title=course.title,
            starts=starts,
            ends=ends,
            hours=course.hours,
            instructor=course.instructor,
            issued_at=self.clock.now(),
            issued_by=issued_by,
        )
        return await self.store.certificates.issue(wanted, new_code)

    async def completed(self, cohort: Cohort) -> list[int]:
        """Who has completed the course, by its rule (the participation report's ``completed``)."""
        report = await self.participation.report(cohort)
        return [row.learner.user_id for row in report.learners if row.completed]

    async def issue_due(self, job: Job) -> Sent:
        """At the consultation end: a certificate for everyone who completed, by DM."""
        cohort = job.cohort
        people = await self.platform.people(cohort, await self.completed(cohort))
        certificates = {}
        for person in people:
            certificates[person.user_id], _ = await self.certificate_for(
                cohort, person.user_id, None
            )
        result = await self.send(cohort, [p.user_id for p in people], certificates)
        told = f"Certificates of completion: {len(people)} completed; DMs {result.summary()}."
        await self.platform.tell_instructors(cohort, told, once=f"{job.delivery.key}:told")
        return Sent(note=told)


# -- what learners and staff are told, on any platform ---------------------------------------


def issued_by_hand(who: str, cohort: Cohort, certificate: Certificate, new: bool) -> str:
    """``/certificates issue``: issued now, or the one on record (``who``: the learner)."""
    if new:
        return f"Issued certificate **{certificate.code}** to {who}, recorded as issued by you."
    return f"{who} already has certificate **{certificate.code}** for {cohort.name}."


def dm_outcome(result: FanoutResult) -> str:
    """What became of the certificate's DM, said after ``issued_by_hand``."""
    if result.sent:
        return " I sent it by DM."
    if result.already:
        return " They had it by DM already."
    if result.dms_closed:
        return " Their DMs are closed: they can fetch it with `/certificate get`."
    if result.failed:
        return " I could not DM it: they can fetch it with `/certificate get`."
    return ""


async def verify(store: Store, typed: str) -> str:
    """``/certificate verify``: whether a code is a real certificate, and what it certifies."""
    normal = normalise_code(typed)
    found = await store.certificates.get(normal) if normal else None
    return verify_text(normal or plain(typed.strip()[:40]), found)


async def mine(
    store: Store, user_id: int | None, cohort_id: int | None = None
) -> list[Certificate]:
    """``/certificate get``: the person's certificates (of one cohort, if named); none is
    refused with when they come. ``user_id`` None: someone the bot knows nothing of."""
    found = await store.certificates.of_user(user_id) if user_id is not None else []
    if cohort_id is not None:
        found = [c for c in found if c.cohort_id == cohort_id]
    if not found:
        raise NotFound(
            "You have no certificate of completion yet. They are sent by DM when the"
            " consultation period ends, to everyone who completed the course."
        )
    return found


def waiting_for_a_name(certificates: Sequence[Certificate]) -> bool:
    """None is printed until the person has said how their name should read."""
    return any(c.name is None for c in certificates)


def listing(certificates: Sequence[Certificate]) -> str:
    """The first ``SHOWN`` certificates, each its code and what it certifies."""
    return "\n".join(f"**{c.code}**: {certifies(c)}" for c in certificates[:SHOWN])


async def save_printed_name(
    store: Store, clock: Clock, user_id: int, typed: str
) -> tuple[str, list[Certificate]]:
    """Keep the printed name; what the person is told, and the certificates that waited for
    it (now printable: the platform sends their PDFs, at most ``SHOWN``)."""
    name = printed_name(typed)
    waiting = {c.code for c in await store.certificates.of_user(user_id) if c.name is None}
    await store.certificates.set_printed_name(user_id, name, clock.now())
    named = [c for c in await store.certificates.of_user(user_id) if c.code in waiting][:SHOWN]
    text = f"Saved: your certificates will read **{plain(name)}**."
    if named:
        text += " Here it is:" if len(named) == 1 else " Here they are:"
    return text, named
