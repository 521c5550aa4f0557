"""The session posts the timetable delivers (announcement, reminders, "starting now") and
the DMs that go with them, on any platform."""

from __future__ import annotations

from bot import sessions as words
from bot.clock import Clock
from bot.cohort import Cohort
from bot.errors import NotFound
from bot.features.deliveries import DeliveryRunner, Job, Sent
from bot.features.fanout import FanoutResult, send_dms
from bot.features.modules import notices_place
from bot.features.platform import Action, Buttons, Platform
from bot.participation import Learner
from bot.render import Post
from bot.store import Store
from bot.timetable import CohortSession, ItemKind


class SessionDeliveries:
    def __init__(self, platform: Platform, store: Store, clock: Clock) -> None:
        self.platform = platform
        self.store = store
        self.clock = clock

    def register(self, runner: DeliveryRunner) -> None:
        runner.handle(ItemKind.ANNOUNCE, self.announce, self.find_in_announcements)
        runner.handle(ItemKind.REMINDER, self.remind, self.find_in_announcements)
        runner.handle(ItemKind.STARTING, self.start, self.find_in_announcements)

    async def session(self, cohort_id: int, key: str) -> CohortSession:
        found = [s for s in await self.store.cohorts.sessions(cohort_id) if s.key == key]
        if not found:
            raise NotFound("that session no longer exists")
        return found[0]

    async def job_session(self, job: Job) -> CohortSession:
        assert job.delivery.session is not None
        return await self.session(job.cohort.id, job.delivery.session)

    async def find_in_announcements(self, job: Job) -> Sent | None:
        assert job.delivery.claimed_at is not None
        return await self.platform.find_published(
            notices_place(job.cohort), job.delivery.marker(), job.delivery.claimed_at
        )

    async def announce(self, job: Job) -> Sent:
        session = await self.job_session(job)
        sent = await self.platform.publish(
            notices_place(job.cohort),
            words.announcement(session),
            job.delivery.marker(),
            buttons=Buttons(job.cohort.id, (Action.REMIND, Action.ICS), session=session.key),
        )
        await self.platform.sessions_planned(job.cohort, [session])  # in case planning could not
        return sent

    async def remind(self, job: Job) -> Sent:
        """DMs first, then the public post, so every way of failing ends with both, once.

        A failure among the DMs (rate limit) raises before anything is posted, and
        the retry skips whoever was reached. A crash after the post is settled by
        ``find``, which records the post without running this again: safe only
        because no DM is owed by then.
        """
        session = await self.job_session(job)
        post = words.reminder(session, job.now)
        recipients = await self.reminder_recipients(job, session)
        result = await self.dm(job.cohort, job.delivery.key, recipients, post)
        if result.dms_closed:
            await self.platform.tell_instructors(
                job.cohort,
                f"reminder for {session.title}: {result.summary()}.",
                once=f"{job.delivery.key}:told",
            )
        sent = await self.platform.publish(notices_place(job.cohort), post, job.delivery.marker())
        return Sent(sent.channel_id, sent.message_id, note=f"DMs: {result.summary()}")

    async def start(self, job: Job) -> Sent:
        session = await self.job_session(job)
        return await self.platform.publish(
            notices_place(job.cohort),
            words.starting(session),
            job.delivery.marker(),
            buttons=Buttons(job.cohort.id, (Action.CHECKIN,), session=session.key),
        )

    async def reminder_recipients(self, job: Job, session: CohortSession) -> list[Learner]:
        cohort = job.cohort
        chosen = words.reminder_recipients(
            job.course.reminder_audience,
            [learner.user_id for learner in await self.platform.learners(cohort)],
            await self.store.sessions.rsvps(cohort.id, session.key),
            await self.store.participation.reminders_off(),
        )
        return await self.platform.people(cohort, chosen)

    async def dm(self, cohort: Cohort, key: str, people: list[Learner], post: Post) -> FanoutResult:
        """Each person once per ``key``; closed DMs are counted, never named in public."""
        text = words.fit(f"**{post.title}** ({cohort.name})\n{post.body}")
        messenger = self.platform.messenger(cohort, lambda _: text)
        return await send_dms(
            self.store, self.clock, cohort.id, key, people, messenger, pacer=self.platform.pacer
        )
