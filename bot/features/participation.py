"""Participation reports, nudges, the digest and the purge, on any platform.

Who is a learner comes from the platform; what a report says, who is nudged and what
the digest tells the instructor are the core's rules (``bot.participation``,
``bot.nudges``), applied here once for both platforms.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from bot.clock import Clock
from bot.cohort import Cohort, CohortState
from bot.errors import InvalidInput, NotAllowed
from bot.features.deliveries import DeliveryRunner, Job, Sent
from bot.features.fanout import FanoutResult, send_dms
from bot.features.listings import no_cohort_called
from bot.features.modules import plans_of
from bot.features.platform import Platform
from bot.library import CourseLibrary
from bot.nudges import by_hand_key, nudge_recipients
from bot.participation import (
    CoursePosition,
    Learner,
    Report,
    build_report,
    course_position,
    digest,
    export_csv,
    nudge_text,
    plain,
    progress_text,
)
from bot.store import Store
from bot.timetable import ItemKind

PROGRESS_MOST = 10  # cohorts in one /progress answer (Discord's embeds in one message)


def progress_cohorts(
    name: str | None, named: Cohort | None, learning: Sequence[Cohort], where: str
) -> list[Cohort]:
    """Which cohorts ``/progress`` shows: the one named (``named``: found by ``name``), which
    the asker must learn in, ended or not; else every cohort they learn in that has not
    ended, at most ``PROGRESS_MOST``. ``learning``: the cohorts of this server or workspace
    they learn in; ``where``: the platform's ``Vocabulary.home``, for the refusals."""
    if name:
        if named is None:
            raise no_cohort_called(name, learning, where)
        if named.id not in {c.id for c in learning}:
            raise NotAllowed(f"You are not a learner in {named.name}.")
        return [named]
    running = [c for c in learning if c.state != CohortState.ENDED]
    if not running:
        raise NotAllowed(f"You are not a learner in any cohort in this {where}.")
    return running[:PROGRESS_MOST]


async def set_reminders(store: Store, clock: Clock, user_id: int, on: bool) -> str:
    """``/reminders on|off``: nudges and reminder DMs for this person, on every platform;
    what they are told. Off still lets a session's **Remind me** DM them (they asked)."""
    await store.participation.set_reminders(user_id, on, clock.now())
    if on:
        return "Nudges and reminders are on again."
    return (
        "Done: no more nudges, and no session reminders unless you press **Remind me**. "
        "`/reminders on` turns them back on."
    )


class ParticipationFeature:
    def __init__(
        self,
        platform: Platform,
        store: Store,
        library: CourseLibrary,
        clock: Clock,
        flush: Callable[[], Awaitable[None]],
    ) -> None:
        self.platform = platform
        self.store = store
        self.library = library
        self.clock = clock
        self.flush = flush  # counts buffered in memory reach the store

    def register(self, runner: DeliveryRunner) -> None:
        runner.handle(ItemKind.NUDGE, self.nudge_due)
        runner.handle(ItemKind.DIGEST, self.digest_due)
        runner.handle(ItemKind.PURGE, self.purge_due)

    # -- reports ---------------------------------------------------------------------------

    async def report(
        self, cohort: Cohort, *, week: int | None = None, learner: Learner | None = None
    ) -> Report:
        """The cohort's learners (or one of them) for every week, or for one week."""
        course = self.library.get(cohort.course_id)
        learners = [learner] if learner else await self.platform.learners(cohort)
        await self.flush()  # what was written a moment ago is in the report
        counts = await self.store.participation.counts(
            cohort.id, week=week, users=[one.user_id for one in learners]
        )
        weeks = [week] if week else [w.number for w in course.weeks]
        plans = await plans_of(self.store, self.library, cohort)
        return build_report(
            learners, counts, weeks, course.requirement, self.position(cohort), plans
        )

    async def progress(self, cohort: Cohort, learner: Learner) -> str:
        """One learner's weeks so far and what is left this week (``/progress``, and
        ``/participation learner`` for instructors)."""
        course = self.library.get(cohort.course_id)
        report = await self.report(cohort, learner=learner)
        week = report.position.current_week
        closes = cohort.calendar(course).week(week).closes if week else None
        return progress_text(
            report.learners[0], course.requirement, report.position, closes, report.plans
        )

    async def my_progress(
        self, learner: Learner, name: str | None, named: Cohort | None, learning: Sequence[Cohort]
    ) -> list[tuple[str, str]]:
        """``/progress [cohort]``: a title and the progress of each cohort it shows
        (``progress_cohorts``), for the adapter to lay out."""
        cohorts = progress_cohorts(name, named, learning, self.platform.words.home)
        return [(f"{learner.name} in {c.name}", await self.progress(c, learner)) for c in cohorts]

    async def excuse(self, cohort: Cohort, learner: Learner, week: int, by: int) -> str:
        """Excuse one of the cohort's learners (the adapter checked that they are one) for a
        week, which then counts as met; what to tell the instructor."""
        self.require_week(cohort, week)
        await self.store.participation.excuse(
            cohort.id, learner.user_id, week, by, self.clock.now()
        )
        return (
            f"{plain(learner.name)} is excused for week {week} of {cohort.name}: it counts as met."
        )

    def require_week(self, cohort: Cohort, week: int) -> None:
        cohort.require_week(self.library.get(cohort.course_id), week)

    def week_to_show(self, cohort: Cohort, week: int | None) -> int:
        """The week a summary shows: the one named (one of the course's), else by default."""
        if week is None:
            return self.default_week(cohort)
        self.require_week(cohort, week)
        return week

    def position(self, cohort: Cohort) -> CoursePosition:
        course = self.library.get(cohort.course_id)
        return course_position(cohort.calendar(course), self.clock.now())

    def default_week(self, cohort: Cohort) -> int:
        """The week in progress; the last one after the end, the first before the start."""
        position = self.position(cohort)
        return position.current_week or max(position.weeks_started, 1)

    async def export(self, cohort: Cohort) -> tuple[str, str]:
        """``/participation export``: every learner's weeks as CSV, with the certificate each
        was issued (any platform); and what the instructor is told with the file."""
        report = await self.report(cohort)
        certificates = {c.user_id: c for c in await self.store.certificates.in_cohort(cohort.id)}
        completed = sum(row.completed for row in report.learners)
        said = (
            f"Participation in {cohort.name}: {len(report.learners)} learners, "
            f"{completed} completed."
        )
        return export_csv(report, certificates), said

    # -- nudges, the digest, the purge -----------------------------------------------------

    async def nudge_now(self, cohort: Cohort) -> str:
        """``/participation nudge``: the week in progress's nudges, by hand, once per day and
        week (``by_hand_key``); what the instructor is told."""
        week = self.position(cohort).current_week
        if week is None:
            raise InvalidInput(f"{cohort.name} has no week in progress to nudge about.")
        key = by_hand_key(week, self.clock.now(), cohort.zone)
        return f"Week {week} nudges: {(await self.nudge(cohort, week, key)).summary()}."

    async def nudge_due(self, job: Job) -> Sent:
        assert job.delivery.week is not None
        result = await self.nudge(job.cohort, job.delivery.week, job.delivery.key)
        told = f"Week {job.delivery.week} nudges: {result.summary()}."
        await self.platform.tell_instructors(job.cohort, told, once=f"{job.delivery.key}:told")
        return Sent(note=told)

    async def nudge(self, cohort: Cohort, week: int, key: str) -> FanoutResult:
        """A kind DM, once per ``key``, to each learner behind this week who has not opted out.

        Whoever has closed their DMs is skipped and counted; the count goes only
        to the instructor, privately.
        """
        course = self.library.get(cohort.course_id)
        report = await self.report(cohort, week=week)
        opted_out = await self.store.participation.reminders_off()
        present = {row.learner.user_id for row in report.learners}
        behind = {r.learner.user_id: r for r in nudge_recipients(report, week, opted_out, present)}
        closes = cohort.calendar(course).week(week).closes
        link = await self.week_link(cohort, week)

        def text(learner: Learner) -> str:
            record = behind[learner.user_id].week(week)
            return nudge_text(
                learner.name,
                course.title,
                record,
                course.requirement,
                closes,
                link,
                report.plan(week),
            )

        people = [row.learner for row in behind.values()]
        messenger = self.platform.messenger(cohort, text)
        return await send_dms(
            self.store, self.clock, cohort.id, key, people, messenger, pacer=self.platform.pacer
        )

    async def week_link(self, cohort: Cohort, week: int) -> str:
        """The week's module post, or the cohort's place while it is not posted."""
        post = await self.store.deliveries.get(cohort.id, f"{ItemKind.MODULE}:{week}")
        if post is not None and post.channel_id is not None:
            return await self.platform.link(cohort, post.channel_id, post.message_id)
        return await self.platform.link(cohort, cohort.channel_id, None)

    async def digest_due(self, job: Job) -> Sent:
        assert job.delivery.week is not None
        text = digest(await self.report(job.cohort), job.delivery.week)
        await self.platform.tell_instructors(job.cohort, text, once=job.delivery.key)
        return Sent(note="digest sent to the instructor")

    async def purge_due(self, job: Job) -> Sent:
        removed = await self.store.participation.purge_cohort(job.cohort.id)
        return Sent(note=f"participation data purged ({removed} rows)")
