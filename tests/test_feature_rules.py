"""The product rules both adapters share (bot/features, bot/*.py), tested with neither
platform: each was once written in cogs/ and bot/slack/ (or in one of them only)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from unittest.mock import AsyncMock

import pytest

from bot.certificate import Certificate
from bot.cohort import Cohort, CohortState, DeliveryState
from bot.dms import Outcome
from bot.errors import InvalidInput, NotFound, UserError
from bot.features import certificates, recordings, session_changes
from bot.features import cohorts as cohort_rules
from bot.features.fanout import FanoutResult
from bot.features.modules import ModulePosts
from bot.features.participation import ParticipationFeature, progress_cohorts, set_reminders
from bot.features.platform import (
    Action,
    Buttons,
    Readers,
    Sent,
    instructor_notice,
    instructors_to_tell,
)
from bot.library import CourseLibrary
from bot.pacing import Pacer, PaceRule
from bot.participation import Learner
from bot.timetable import CohortSession, Item, ItemKind
from bot.vocabulary import DISCORD, SLACK, Vocabulary
from tests.helpers import NOW

PROMPTS = Path(__file__).resolve().parent.parent / "prompts"
# The de-escalation course (four weeks), its cohort "Fall 2026" from 13 Oct 2026 (conftest).
IN_WEEK_TWO = datetime(2026, 10, 21, 12, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.moment = now

    def now(self) -> datetime:
        return self.moment

    async def sleep(self, seconds: float) -> None:
        raise AssertionError("a rule never waits")


@pytest.fixture
def library() -> CourseLibrary:
    loaded = CourseLibrary(PROMPTS)
    loaded.reload()
    return loaded


async def nothing() -> None:
    return None


class People:
    """The little of a platform the rules ask: who the cohort's learners are."""

    def __init__(self, *learners: Learner) -> None:
        self.all = list(learners)

    async def learners(self, cohort: Cohort) -> list[Learner]:
        return self.all

    async def people(self, cohort: Cohort, user_ids: list[int]) -> list[Learner]:
        return [p for p in self.all if p.user_id in user_ids]


def participation(store, library, now=IN_WEEK_TWO, platform=None) -> ParticipationFeature:
    return ParticipationFeature(platform, store, library, Clock(now), nothing)  # type: ignore[arg-type]


# -- which week ------------------------------------------------------------------------------


@pytest.mark.parametrize("week", [0, 5, 52])
def test_a_week_the_course_does_not_have_is_refused(cohort, library, week):
    with pytest.raises(InvalidInput, match=f"Fall 2026's course has weeks 1 to 4, not {week}."):
        cohort.require_week(library.get(cohort.course_id), week)


@pytest.mark.parametrize("week", [1, 4])
def test_a_week_of_the_course_is_taken(cohort, library, week):
    cohort.require_week(library.get(cohort.course_id), week)


@pytest.mark.parametrize(
    ("now", "asked", "shown"),
    [
        (IN_WEEK_TWO, None, 2),  # the week in progress
        (datetime(2026, 9, 1, tzinfo=UTC), None, 1),  # before the start: the first
        (datetime(2027, 3, 1, tzinfo=UTC), None, 4),  # after the end: the last
        (IN_WEEK_TWO, 3, 3),  # the week named
    ],
)
def test_the_week_a_summary_shows(store, cohort, library, now, asked, shown):
    assert participation(store, library, now).week_to_show(cohort, asked) == shown


def test_a_summary_of_week_zero_is_refused_not_a_summary_of_every_week(store, cohort, library):
    with pytest.raises(InvalidInput, match="weeks 1 to 4, not 0"):
        participation(store, library).week_to_show(cohort, 0)


# -- export, nudges by hand -------------------------------------------------------------------


async def test_the_export_names_each_learners_certificate_on_every_platform(store, cohort, library):
    """Slack's export left the certificate columns empty (it never asked for them)."""
    platform = People(Learner(7, "Ana", "<@7>"), Learner(8, "Ben", "<@8>"))
    issued = Certificate(
        "K7QX4-M2ZPA", cohort.id, 8, "Ben B.", "De-escalation", IN_WEEK_TWO.date(),
        IN_WEEK_TWO.date(), None, "Dr. X", IN_WEEK_TWO, issued_by=99,
    )  # fmt: skip
    await store.certificates.issue(issued, lambda: "UNUSED")
    csv, said = await participation(store, library, platform=platform).export(cohort)
    rows = {line.split(",")[1]: line for line in csv.splitlines()[1:]}
    assert rows["8"].endswith(",K7QX4-M2ZPA,yes") and rows["7"].endswith(",,")
    assert said == "Participation in Fall 2026: 2 learners, 0 completed."


async def test_nudging_by_hand_before_the_course_starts_is_refused(store, cohort, library):
    before = participation(store, library, datetime(2026, 9, 1, tzinfo=UTC), People())
    with pytest.raises(InvalidInput, match="Fall 2026 has no week in progress to nudge about"):
        await before.nudge_now(cohort)


# -- /module post now ---------------------------------------------------------------------------


class Runner:
    """The delivery runner as /module post sees it: what it sent now, and sent again."""

    def __init__(self, now: Sent | None) -> None:
        self.now, self.again = now, 0

    async def deliver_now(self, cohort: Cohort, key: str) -> Sent | None:
        assert key == "module:2"
        return self.now

    async def send_again(self, cohort: Cohort, key: str) -> Sent:
        self.again += 1
        return Sent(5, 6)


class Links(People):
    async def link(self, cohort: Cohort, channel_id: int | None, message_id: int | None) -> str:
        return f"<{channel_id}/{message_id}>"


def delivered(state: DeliveryState) -> SimpleNamespace:
    row = SimpleNamespace(state=state, channel_id=3, message_id=4, note="Missing Access")
    return SimpleNamespace(deliveries=SimpleNamespace(get=AsyncMock(return_value=row)))


@pytest.mark.parametrize(
    ("sent_now", "state", "repost", "said", "again"),
    [
        (Sent(1, 2), None, False, "Posted week 2: <1/2>", 0),  # due or not, posted now
        (None, DeliveryState.DONE, False, "Week 2 is already posted: <3/4>. REPOST", 0),
        (None, DeliveryState.DONE, True, "Posted week 2: <5/6>", 1),  # again, on purpose
        (None, DeliveryState.SKIPPED, False, "Posted week 2: <5/6>", 1),  # e.g. while paused
    ],
)
async def test_a_week_posted_by_hand_is_posted_once_unless_asked_again(
    cohort, library, sent_now, state, repost, said, again
):
    runner = Runner(sent_now)
    posts = ModulePosts(Links(), delivered(state), library)  # type: ignore[arg-type]
    assert await posts.post_now(runner, cohort, 2, repost, "REPOST") == said  # type: ignore[arg-type]
    assert runner.again == again


async def test_a_week_that_failed_to_post_by_hand_says_why_and_is_not_sent_again(cohort, library):
    runner = Runner(None)
    posts = ModulePosts(Links(), delivered(DeliveryState.PENDING), library)  # type: ignore[arg-type]
    with pytest.raises(UserError, match="I could not post week 2: Missing Access"):
        await posts.post_now(runner, cohort, 2, True, "REPOST")  # type: ignore[arg-type]
    assert runner.again == 0


# -- /reminders ----------------------------------------------------------------------------------


async def test_reminders_off_and_on_again_say_how_to_undo(store):
    clock = Clock(IN_WEEK_TWO)
    off = await set_reminders(store, clock, 7, False)
    assert 7 in await store.participation.reminders_off()
    assert off == (
        "Done: no more nudges, and no session reminders unless you press **Remind me**. "
        "`/reminders on` turns them back on."
    )
    assert await set_reminders(store, clock, 7, True) == "Nudges and reminders are on again."
    assert 7 not in await store.participation.reminders_off()


# -- certificates --------------------------------------------------------------------------------


def a_certificate(cohort: Cohort, user_id: int, name: str | None, code: str) -> Certificate:
    return Certificate(
        code, cohort.id, user_id, name, "De-escalation", IN_WEEK_TWO.date(),
        IN_WEEK_TWO.date(), None, "Dr. X", IN_WEEK_TWO,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("result", "said"),
    [
        (FanoutResult(sent=1), " I sent it by DM."),
        (FanoutResult(already=1), " They had it by DM already."),
        (FanoutResult(dms_closed=1), " Their DMs are closed: they can fetch it with"),
        # Discord said nothing of a DM that failed otherwise; Slack said this.
        (FanoutResult(failed=1), " I could not DM it: they can fetch it with `/certificate get`."),
    ],
)
def test_what_an_instructor_is_told_of_a_certificate_issued_by_hand(cohort, result, said):
    issued = a_certificate(cohort, 7, None, "K7QX4-M2ZPA")
    text = certificates.issued_by_hand("Ana", cohort, issued, True) + certificates.dm_outcome(
        result
    )
    assert text.startswith("Issued certificate **K7QX4-M2ZPA** to Ana, recorded as issued by you.")
    assert said in text
    again = certificates.issued_by_hand("Ana", cohort, issued, False)
    assert again == "Ana already has certificate **K7QX4-M2ZPA** for Fall 2026."


async def test_a_learners_certificates_of_one_cohort_or_all_and_none_refused(store, cohort):
    await store.certificates.issue(a_certificate(cohort, 7, None, "K7QX4-M2ZPA"), lambda: "X")
    assert [c.code for c in await certificates.mine(store, 7)] == ["K7QX4-M2ZPA"]
    assert certificates.waiting_for_a_name(await certificates.mine(store, 7, cohort.id))
    for user, cohort_id in ((7, cohort.id + 1), (8, None), (None, None)):
        with pytest.raises(NotFound, match="no certificate of completion yet"):
            await certificates.mine(store, user, cohort_id)


async def test_the_printed_name_saved_releases_the_certificates_that_waited(store, cohort):
    await store.certificates.issue(a_certificate(cohort, 7, None, "K7QX4-M2ZPA"), lambda: "X")
    said, named = await certificates.save_printed_name(store, Clock(IN_WEEK_TWO), 7, " Ana_B ")
    assert said == "Saved: your certificates will read **Ana\\_B**. Here it is:"
    assert [(c.code, c.name) for c in named] == [("K7QX4-M2ZPA", "Ana_B")]
    said, named = await certificates.save_printed_name(store, Clock(IN_WEEK_TWO), 7, "Ana")
    assert said == "Saved: your certificates will read **Ana**." and named == []


async def test_a_code_is_verified_the_same_way_however_it_is_typed(store, cohort):
    await store.certificates.issue(a_certificate(cohort, 7, "Ana", "K7QX4-M2ZPA"), lambda: "X")
    assert "Ana" in await certificates.verify(store, " k7qx4 m2zpa ")
    unknown = await certificates.verify(store, "*" * 60)
    assert "Ana" not in unknown and "\\*" * 40 in unknown and "\\*" * 41 not in unknown


# -- who is told ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("creator", "may_run", "told", "group_asked"),
    [
        ("Ada", True, ["Ada"], False),  # the creator, still running it: only them
        ("Ada", False, ["Bo", "Cy"], True),  # no longer may run it: the instructor group
        (None, False, ["Bo", "Cy"], True),  # gone from the server or workspace
    ],
)
async def test_who_gets_a_cohorts_private_notices(cohort, creator, may_run, told, group_asked):
    asked = []

    async def group() -> list[str]:
        asked.append(True)
        return ["Bo", "Cy"]

    assert await instructors_to_tell(cohort, creator, may_run, group) == told
    assert bool(asked) == group_asked
    assert instructor_notice(cohort, "hello") == "**Fall 2026**: hello"


# -- /recording add ------------------------------------------------------------------------------


class Threads(People):
    """A platform that answers posts: what it said where, and who is DMed what."""

    def __init__(self, *learners: Learner, public: set[int] = frozenset()) -> None:  # type: ignore[assignment]
        super().__init__(*learners)
        self.public = public
        self.replies: list[tuple[Sent, str, Buttons | None]] = []
        self.dms: list[tuple[int, str]] = []
        self.pacer = Pacer(PaceRule(rate=1000.0, burst=1000))

    async def reply(self, cohort, sent, text, *, buttons=None) -> str:
        said = text(Readers(everyone=sent.channel_id in self.public, learners=True))
        self.replies.append((sent, said, buttons))
        return f"<{sent.channel_id}>"

    def messenger(self, cohort, text):
        platform = self

        class Sender:
            def id_of(self, person):
                return person.user_id

            def cost(self, person):
                return 1

            async def send(self, person, tag):
                platform.dms.append((person.user_id, text(person)))
                return Outcome.SENT

            async def find(self, person, tag, since):
                return False

        return Sender()


LIVE = CohortSession(
    "live-1", "Live Q&A", datetime(2026, 10, 22, 16, tzinfo=UTC), timedelta(hours=1)
)


async def posted(store, cohort, key: str, week: int, channel: int, message: int) -> None:
    kind = ItemKind.MODULE if key.startswith("module:") else ItemKind.ANNOUNCE
    await store.deliveries.plan(cohort.id, [Item(key, kind, NOW, week=week)], NOW)
    assert await store.deliveries.claim(cohort.id, key, "test", NOW)
    row = await store.deliveries.get(cohort.id, key)
    await store.deliveries.complete(row, NOW, channel_id=channel, message_id=message)


async def test_a_recording_goes_under_its_announcement_and_in_its_weeks_post(
    store, cohort, library
):
    """Both places on every platform; the passcode only where the public cannot read; the
    note with it; a DM to whoever pressed Remind me; Watched it where the course counts
    recordings (the sample course does)."""
    await posted(store, cohort, "announce:live-1", 2, channel=20, message=21)
    await posted(store, cohort, "module:2", 2, channel=30, message=31)
    await store.sessions.toggle_rsvp(cohort.id, "live-1", 7, NOW)
    platform = Threads(Learner(7, "Ana"), Learner(8, "Bao"), public={20})
    said = await recordings.add_recording(
        platform,
        store,
        library,
        Clock(IN_WEEK_TWO),
        cohort,
        LIVE,
        9,  # type: ignore[arg-type]
        " https://example.org/rec/1 ",
        "s3cret",
        "Slides are in the thread.",
    )
    assert said == "Recording posted in <20> and <30>; DMs to those who asked: 1 sent."
    (under, public, watched), (week, private, again) = platform.replies
    assert (under, week) == (Sent(20, 21), Sent(30, 31))
    assert "https://example.org/rec/1" in public and "s3cret" not in public
    assert "Passcode: `s3cret`" in private and "Slides are in the thread." in private
    assert watched == again == Buttons(cohort.id, (Action.WATCHED,), session="live-1")
    ((to, dm),) = platform.dms
    assert to == 7 and "s3cret" in dm
    (kept,) = await store.sessions.recordings(cohort.id)
    assert (kept.url, kept.passcode, kept.note) == (
        "https://example.org/rec/1",
        "s3cret",
        "Slides are in the thread.",
    )


@pytest.mark.parametrize(
    ("url", "announced", "refused"),
    [
        ("http://example.org/rec", True, "the recording link must be an https:// link"),
        ("https://", True, "the recording link must be an https:// link"),
        ("https://example.org/rec", False, "has not been announced yet"),
    ],
)
async def test_a_recording_is_refused_before_anything_is_kept_or_posted(
    store, cohort, library, url, announced, refused
):
    if announced:
        await posted(store, cohort, "announce:live-1", 2, channel=20, message=21)
    platform = Threads()
    with pytest.raises(InvalidInput, match=refused):
        await recordings.add_recording(
            platform,
            store,
            library,
            Clock(IN_WEEK_TWO),
            cohort,
            LIVE,
            9,
            url,  # type: ignore[arg-type]
        )
    assert platform.replies == [] and await store.sessions.recordings(cohort.id) == []


# -- /progress ----------------------------------------------------------------------------------


def cohorts(*states: CohortState) -> list[SimpleNamespace]:
    return [SimpleNamespace(id=i, name=f"C{i}", state=state) for i, state in enumerate(states)]


def test_progress_shows_the_cohort_named_when_one_learns_in_it_even_ended():
    learning = cohorts(CohortState.ACTIVE, CohortState.ENDED)
    assert progress_cohorts("C1", learning[1], learning, "workspace") == [learning[1]]  # type: ignore[arg-type]


def test_progress_without_a_name_shows_the_cohorts_not_ended_at_most_ten():
    learning = cohorts(CohortState.ENDED, *[CohortState.ACTIVE] * 12)
    shown = progress_cohorts(None, None, learning, "server")  # type: ignore[arg-type]
    assert shown == learning[1:11]


@pytest.mark.parametrize(
    ("name", "named", "learning", "refused"),
    [
        ("C9", None, [0], "no cohort called 'C9' in this workspace; yours: C0"),
        ("C9", None, [], "no cohort called 'C9' in this workspace$"),
        ("C1", 1, [0], "You are not a learner in C1."),
        (None, None, [], "You are not a learner in any cohort in this workspace."),
        (None, None, [1], "You are not a learner in any cohort in this workspace."),  # ended
    ],
)
def test_progress_is_refused(name, named, learning, refused):
    every = cohorts(CohortState.ACTIVE, CohortState.ENDED)
    with pytest.raises(UserError, match=refused):
        progress_cohorts(
            name,
            every[named] if named is not None else None,  # type: ignore[arg-type]
            [every[i] for i in learning],  # type: ignore[misc]
            "workspace",
        )


# -- a session moved or cancelled ----------------------------------------------------------------


class Posts:
    """A platform that rewrites and publishes, and refuses to rewrite when told to."""

    def __init__(self, refusal: Exception | None = None) -> None:
        self.refusal = refusal
        self.rewritten: list[tuple[Sent, str, str, Buttons | None]] = []
        self.published: list[tuple[int, str, str]] = []

    async def rewrite(self, sent, post, marker, *, buttons=None) -> None:
        if self.refusal is not None:
            raise self.refusal
        self.rewritten.append((sent, post.title, marker, buttons))

    async def publish(self, place_id, post, marker, **_) -> Sent:
        self.published.append((place_id, post.title, marker))
        return Sent(place_id, 99)

    def describe(self, error: BaseException) -> str | None:
        return "Missing Access" if isinstance(error, PermissionError) else None


MOVED = CohortSession(LIVE.key, LIVE.title, LIVE.start + timedelta(hours=2), LIVE.duration)
GONE = CohortSession(LIVE.key, LIVE.title, LIVE.start, LIVE.duration, cancelled=True)


@pytest.mark.parametrize(
    ("old", "new", "announced", "by_hand", "rewritten", "notice"),
    [
        (LIVE, MOVED, True, True, "Live session", "Moved: Live Q&A"),
        (LIVE, MOVED, True, False, "Live session", "Moved: Live Q&A"),  # a course file's
        (LIVE, MOVED, False, True, None, None),  # announced at its new time, when due
        (LIVE, GONE, True, False, "Cancelled: Live Q&A", "Cancelled: Live Q&A"),
        (LIVE, GONE, False, True, None, "Cancelled: Live Q&A"),  # /sessions had listed it
        (LIVE, GONE, False, False, None, None),  # a reload: nobody was told of it
        (GONE, LIVE, True, True, "Live session", "Moved: Live Q&A"),  # brought back
        (LIVE, LIVE, True, True, "Live session", "Moved: Live Q&A"),  # by hand: told again
        (LIVE, LIVE, True, False, None, None),  # a reload: nothing changed
    ],
)
async def test_a_session_moved_or_cancelled_corrects_its_announcement_then_says_so(
    store, cohort, old, new, announced, by_hand, rewritten, notice
):
    if announced:
        await posted(store, cohort, "announce:live-1", 2, channel=20, message=21)
    platform = Posts()
    await session_changes.tell(platform, store, cohort, [(old, new)], by_hand=by_hand)  # type: ignore[arg-type]
    marker = f"cohort {cohort.id} · announce:live-1"
    if rewritten is None:
        assert platform.rewritten == []
    else:
        ((sent, title, kept, buttons),) = platform.rewritten
        assert (sent, kept) == (Sent(20, 21), marker) and title.startswith(rewritten)
        remind = Buttons(cohort.id, (Action.REMIND, Action.ICS), session="live-1")
        assert buttons == (None if new.cancelled else remind)  # a cancelled one has none
    what = "cancel" if new.cancelled else "moved"
    expected = [] if notice is None else [(10, notice, f"{cohort.marker} · {what}:live-1")]
    assert [(p, t.split(" (")[0], m) for p, t, m in platform.published] == expected


async def test_an_announcement_the_platform_will_not_rewrite_still_gets_its_notice(store, cohort):
    await posted(store, cohort, "announce:live-1", 2, channel=20, message=21)
    platform = Posts(refusal=PermissionError("403"))
    await session_changes.tell(platform, store, cohort, [(LIVE, GONE)])  # type: ignore[arg-type]
    assert [t for _, t, _ in platform.published] == ["Cancelled: Live Q&A"]
    with pytest.raises(RuntimeError):  # not the platform's: a bug, not swallowed
        await session_changes.tell(Posts(RuntimeError()), store, cohort, [(LIVE, MOVED)])  # type: ignore[arg-type]


# -- /cohort list --------------------------------------------------------------------------------


class Places:
    def __init__(self, words: Vocabulary) -> None:
        self.words = words

    async def mention(self, place_id: int) -> str:
        return f"<#P{place_id}>"


@pytest.mark.parametrize("words", [DISCORD, SLACK])
async def test_a_cohort_list_says_the_same_on_each_platform_but_its_words(cohort, words):
    platform = Places(words)
    assert await cohort_rules.listing(platform, [cohort]) == (  # type: ignore[arg-type]
        "**Fall 2026** — de-escalation, from 13 Oct 2026 in <#P10> (active)"
    )
    assert await cohort_rules.listing(platform, []) == (  # type: ignore[arg-type]
        f"No cohorts in this {words.home} yet: start one with `/cohort create`."
    )
