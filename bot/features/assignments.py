"""Assignments on any platform: handing in a week's work, and staff's list and review.

The rules live here once (the week sets an assignment, the cohort runs, late or closed,
a link or a note, posted then recorded, reviewed then told); each adapter only says
where a learner's hand-ins go (a private Discord thread, a private Slack channel) and
shows the answers. What a learner hands in is posted on the platform and never kept:
the store has who, which week, when, where, and whether it was reviewed.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Iterable

from bot import assignments as words
from bot.assignments import Submission
from bot.clock import Clock
from bot.cohort import Cohort
from bot.errors import InvalidInput, NotFound
from bot.features.platform import Platform, Sent
from bot.library import CourseLibrary
from bot.participation import Learner
from bot.store import Store

# Posts the hand-in's text where the learner's hand-ins go; where it went.
PostHandIn = Callable[[str], Awaitable[Sent]]


class AssignmentFeature:
    def __init__(
        self, platform: Platform, store: Store, library: CourseLibrary, clock: Clock
    ) -> None:
        self.platform = platform
        self.store = store
        self.library = library
        self.clock = clock

    def require_assignment(self, cohort: Cohort, week: int) -> None:
        course = self.library.get(cohort.course_id)
        cohort.require_week(course, week)
        if course.week(week).assignment is None:
            raise InvalidInput(f"Week {week} of {cohort.name} has no assignment.")

    def shared(self, cohort: Cohort) -> bool:
        """Whether classmates may read each other's hand-ins (``assignments: {shared: yes}``)."""
        return self.library.get(cohort.course_id).assignments_shared

    def is_late(self, cohort: Cohort, week: int) -> bool:
        """Late or on time; refused once the consultation window has closed."""
        calendar = cohort.calendar(self.library.get(cohort.course_id))
        return words.hand_in_is_late(calendar, week, self.clock.now())

    async def open_week(self, cohort_id: int, week: int) -> Cohort:
        """The cohort, if it still runs, the week sets an assignment and hand-ins are open."""
        cohort = await self.store.cohorts.get(cohort_id)
        if cohort is None:
            raise NotFound("that cohort no longer exists")
        self.require_assignment(cohort, week)
        cohort.require_running()
        self.is_late(cohort, week)  # says so when hand-ins have closed
        return cohort

    async def hand_in(
        self,
        cohort: Cohort,
        user_id: int,
        mention: str,
        week: int,
        link: str | None,
        note: str | None,
        post: PostHandIn,
    ) -> Submission:
        """Check the hand-in, post it (``post``), then record where it is.

        Posted, then recorded: a crash between the two leaves the post where it went, and
        handing in again posts it again in the same place and records that post.
        """
        given_link, given_note = words.hand_in(link, note, self.platform.words)
        late = self.is_late(cohort, week)
        sent = await post(words.submission_post(mention, week, given_link, given_note, late))
        assert sent.channel_id is not None and sent.message_id is not None
        submission = Submission(
            cohort.id, user_id, week, self.clock.now(), late, sent.channel_id, sent.message_id
        )
        await self.store.assignments.record(submission)
        return submission

    def handed_in(self, cohort: Cohort, submission: Submission, place: str) -> str:
        """What the learner is told once it is in ``place`` (a mention of where it went)."""
        said = "Handed in" + (" (late, and accepted)" if submission.late else "")
        who = (
            "your classmates can read it too"
            if self.shared(cohort)
            else "only you and your instructors see it"
        )
        return f"{said}: week {submission.week}, in {place}. Add files there if you like; {who}."

    async def listing(
        self, cohort: Cohort, week: int, learners: Iterable[Learner], room: int
    ) -> tuple[str, str | None]:
        """Who handed in ``week`` and who not, in ``room`` characters; and the whole list
        when it does not fit (for a file), else None."""
        self.require_assignment(cohort, week)
        submissions = await self.store.assignments.for_week(cohort.id, week)
        links = {
            s.user_id: await self.platform.link(cohort, s.channel_id, s.message_id)
            for s in submissions
        }
        people = list(learners)
        text = words.listing(week, people, submissions, links, room=room)
        if text == words.listing(week, people, submissions, links, room=sys.maxsize):
            return text, None  # nothing was cut
        return text, words.listing(week, people, submissions, links)

    async def review(
        self, cohort: Cohort, user_id: int, name: str, week: int, by: int, feedback: str | None
    ) -> str:
        """Mark the learner's hand-in reviewed; the DM that tells them (with the feedback)."""
        self.require_assignment(cohort, week)
        submission = await self.store.assignments.get(cohort.id, user_id, week)
        if submission is None:
            raise NotFound(f"{name} has not handed in week {week}.")
        await self.store.assignments.review(cohort.id, user_id, week, by, self.clock.now())
        course = self.library.get(cohort.course_id)
        link = await self.platform.link(cohort, submission.channel_id, submission.message_id)
        return words.feedback_dm(course.title, week, feedback, link)
