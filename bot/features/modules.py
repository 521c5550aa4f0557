"""Weekly module posts and the course's closing posts, on any platform.

What a week's post says (its sessions, whether it is late, whether it takes hand-ins),
where the closing notices go, and how a crashed post is found again; the platform only
posts, finds and archives.
"""

from __future__ import annotations

from datetime import datetime

from bot.cohort import Cohort, DeliveryState
from bot.errors import UserError
from bot.features.deliveries import DeliveryRunner, Job, Sent
from bot.features.platform import Action, Buttons, Platform
from bot.library import CourseLibrary
from bot.participation import WeekPlan, week_plans
from bot.render import Post, consultation_post, module_post, wrapup_post
from bot.store import Store
from bot.timetable import ItemKind


async def plans_of(store: Store, library: CourseLibrary, cohort: Cohort) -> dict[int, WeekPlan]:
    """What meets each week of the cohort: the course's rules, and the cohort's sessions."""
    course = library.get(cohort.course_id)
    sessions = await store.cohorts.sessions(cohort.id)
    return week_plans(course, cohort.calendar(course), sessions)


def notices_place(cohort: Cohort) -> int:
    """Where notices go: the announcements channel, else the cohort's own place."""
    return cohort.announcements_channel_id or cohort.channel_id


class ModulePosts:
    """The handlers for module, wrap-up, consultation and archive items."""

    def __init__(self, platform: Platform, store: Store, library: CourseLibrary) -> None:
        self.platform = platform
        self.store = store
        self.library = library

    def register(self, runner: DeliveryRunner) -> None:
        runner.handle(ItemKind.MODULE, self.post_module, self.find_post)
        runner.handle(ItemKind.WRAPUP, self.post_wrapup, self.find_post)
        runner.handle(ItemKind.CONSULTATION, self.post_consultation, self.find_consultation)
        runner.handle(ItemKind.ARCHIVE, self.archive)

    async def week_post(
        self, cohort: Cohort, week: int, late_since: datetime | None = None
    ) -> Post:
        """Week ``week``'s post for this cohort, saying what meets the week in it."""
        course = self.library.get(cohort.course_id)
        options = (await plans_of(self.store, self.library, cohort))[week].options
        calendar = cohort.calendar(course)
        return module_post(course, calendar, week, late_since=late_since, options=options)

    def require_week(self, cohort: Cohort, week: int) -> None:
        cohort.require_week(self.library.get(cohort.course_id), week)

    async def post_now(
        self, runner: DeliveryRunner, cohort: Cohort, week: int, repost: bool, how_to_repost: str
    ) -> str:
        """``/module post``: the week's post now, exactly once unless ``repost`` (claimed,
        sent and recorded by the runner, as when it comes due); what the instructor is told.
        ``how_to_repost``: how this platform's command says ``repost``.

        The caller reschedules its wake-ups afterwards (the post is no longer due)."""
        self.require_week(cohort, week)
        key = f"{ItemKind.MODULE}:{week}"
        sent = await runner.deliver_now(cohort, key)
        if sent is None:
            delivery = await self.store.deliveries.get(cohort.id, key)
            assert delivery is not None
            if delivery.state is DeliveryState.DONE and not repost:
                link = await self.platform.link(cohort, delivery.channel_id, delivery.message_id)
                return f"Week {week} is already posted: {link}. {how_to_repost}"
            if delivery.state is DeliveryState.PENDING:
                # it failed just now: the runner has told the instructor
                raise UserError(f"I could not post week {week}: {delivery.note}")
            sent = await runner.send_again(cohort, key)
        return f"Posted week {week}: {await self.platform.link(cohort, sent.channel_id, sent.message_id)}"

    def week_buttons(self, cohort: Cohort, week: int) -> Buttons | None:
        """**Submit assignment** under a week that sets one."""
        course = self.library.get(cohort.course_id)
        if not course.week(week).assignment:
            return None
        return Buttons(cohort.id, (Action.SUBMIT,), week=week)

    async def post_module(self, job: Job) -> Sent:
        week = job.delivery.week
        assert week is not None
        late_since = job.delivery.due if job.late else None
        post = await self.week_post(job.cohort, week, late_since)
        return await self.platform.publish(
            job.cohort.channel_id,
            post,
            job.delivery.marker(),
            week=week,
            buttons=self.week_buttons(job.cohort, week),
        )

    async def find_post(self, job: Job) -> Sent | None:
        assert job.delivery.claimed_at is not None
        place = job.cohort.channel_id
        if job.delivery.kind != ItemKind.MODULE:
            place = notices_place(job.cohort)
        return await self.platform.find_published(
            place, job.delivery.marker(), job.delivery.claimed_at
        )

    async def post_wrapup(self, job: Job) -> Sent:
        post = wrapup_post(job.course, job.cohort.calendar(job.course), self.platform.words)
        return await self.platform.publish(notices_place(job.cohort), post, job.delivery.marker())

    async def post_consultation(self, job: Job) -> Sent:
        post = consultation_post(job.course, job.cohort.calendar(job.course), self.platform.words)
        sent = await self.platform.publish(notices_place(job.cohort), post, job.delivery.marker())
        await self.platform.hand_ins_closed(job.cohort)  # the buttons now say hand-ins closed
        return sent

    async def find_consultation(self, job: Job) -> Sent | None:
        """The notice, found after a crash; the buttons it closes are closed (again) too,
        since the process may have died between posting it and closing them."""
        found = await self.find_post(job)
        if found is not None:
            await self.platform.hand_ins_closed(job.cohort)
        return found

    async def archive(self, job: Job) -> Sent:
        """Close every discussion the cohort's posts opened, as the platform allows."""
        return Sent(note=await self.platform.archive(job.cohort, job.now))
