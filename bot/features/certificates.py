"""Certificates of completion at the consultation end, on any platform: who completed (the
participation report's rule), one certificate each (issued once, kept on record), sent by
the platform's DM (a PDF, or first the question of the printed name), and the instructor
told the counts."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from bot.certificate import Certificate, cohort_dates, new_code, render_pdf
from bot.clock import Clock
from bot.cohort import Cohort
from bot.features.deliveries import DeliveryRunner, Job, Sent
from bot.features.fanout import FanoutResult
from bot.features.participation import ParticipationFeature
from bot.features.platform import Platform
from bot.library import CourseLibrary
from bot.store import Store
from bot.timetable import ItemKind
from bot.vocabulary import Vocabulary

# One fan-out key per cohort: a learner gets their certificate by DM once, whether it
# was issued at the consultation end or by an instructor before it.
DM_KEY = ItemKind.CERTIFICATES.value

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
