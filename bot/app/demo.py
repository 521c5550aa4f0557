"""``cohortbot demo``: a whole course, offline, in seconds.

The real bot runs inside SimCord (an in-memory Discord) on a sample server:
the instructor (named as in the course file) creates a cohort with the slash
command, simulated learners post, reply, press "Remind me" and check in to
live sessions (two fall behind, one has closed DMs), the instructor adds a
session's recording, and SimCord's clock, which is the bot's clock, runs hour
by hour through the course. The transcript is what Discord then holds, read
back from the simulated server and printed in course time; the participation
report, CSV and chart are the instructor's own slash commands.

Learners choose how they meet a week, where the course offers a choice: one
checks in to the live sessions, one presses "Watched it" under a recording,
one hands in the assignments (and gets feedback from ``/assignment review``),
the rest take part in the discussion; where every week sets an assignment,
most hand in. One who fell behind hands in late, in the consultation weeks.
At the consultation end those who completed get their certificates: each
gives the name to print through the bot's form, and the PDFs are written
beside the CSV and the chart. Then one learner asks for their data
(``/mydata``) and erases it (``/forgetme``), and the clock runs on to the
archive, which locks the course's posts.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import discord
import simcord

from bot.app.client import CohortBot, required_intents
from bot.app.sandbox import CourseServer, SimClock, build_course_server, user_name
from bot.course import Course, Option
from bot.localtime import zone
from bot.timetable import (
    Calendar,
    CohortSession,
    ItemKind,
    course_calendar,
    first_post_day,
    sessions_for,
    timetable,
)

DEFAULT_COURSE = "de-escalation"
DEFAULT_OUT = Path("demo-output")
NAME_LIMIT = 60  # /cohort create's limit for a cohort's name
LEAD = timedelta(days=3)  # the instructor sets the cohort up a few days ahead
# Learners answer within the hour: a session's announcement and its 1-day reminder
# can be an hour apart, and "Remind me" presses must land in between.
STEP = timedelta(hours=1)
# Weeks after the last session: the demo plays them in one go, after the report.
AFTER_THE_COURSE = frozenset({ItemKind.CONSULTATION, ItemKind.ARCHIVE, ItemKind.PURGE})
SEED = 7  # the same learners do the same things on every run
BEHIND = (3, 7)  # which of the sample server's learners fall behind
DMS_CLOSED = -1  # which one has closed their DMs
FORGETS = 0  # which one asks for their data after the course, and erases it
ATTENDS = 0.7  # the chance that a learner who keeps up joins a live session
RECORDINGS = "https://example.org/recordings"
NAME_BUTTON = "Set the name for my certificate"
# How some learners choose to meet a week, where the week offers the choice:
CHECKS_IN = 2  # at every live session, and skips the discussion of a week that has one
WATCHES = 4  # never live: "Watched it" under the first recording, no discussion that week
HANDS_IN = 5  # hands in every assignment (skips those weeks' discussions), never live
TALKS = 8  # only discusses, even where every week sets an assignment
LATE = 7  # one of those behind: hands in every assignment late, in the consultation weeks
LATE_AFTER = timedelta(days=3)  # ... this long after the course ends
WORK = "https://docs.example.org"  # where learners keep the work they hand in
FEEDBACK = "Clear and practical: try it with a colleague before you share it."
SURNAMES = (
    "Okafor", "Tran", "Reyes", "Volkov", "Mensah", "Haddad",
    "Lindqvist", "Tanaka", "Moreau", "Whitfield", "Akana", "Ferreira",
)  # fmt: skip

Say = Callable[[str], None]


def run_demo(course: str | None, out: Path | None, prompts: Path | None = None) -> int:
    """``cohortbot demo [COURSE] [--out DIR]``, with the courses in ``prompts`` (PROMPTS_DIR)."""
    logging.basicConfig(level=logging.ERROR)  # the transcript is the output
    began = time.monotonic()
    asyncio.run(play(course or DEFAULT_COURSE, out or DEFAULT_OUT, prompts=prompts))
    print(f"(played in {time.monotonic() - began:.1f} s of wall time)")
    return 0


async def play(
    course_id: str,
    out: Path,
    say: Say = print,
    database: Path | None = None,
    prompts: Path | None = None,
) -> list[Path]:
    """Play a whole cohort of ``course_id``; returns the files written to ``out`` (the CSV,
    the chart and the certificates of completion issued).

    The bot's database is a temporary file unless ``database`` names one to keep.
    """
    clock = SimClock()
    with tempfile.TemporaryDirectory() as folder:
        bot = CohortBot(
            database=database or Path(folder) / "demo.sqlite3", prompts_dir=prompts, clock=clock
        )
        try:
            async with simcord.run(bot, approved_intents=required_intents()) as env:
                clock.attach(env)
                course = bot.library.get(course_id)  # an unknown id stops here, as a UserError
                server = build_course_server(env, instructor=course.instructor)
                await server.appoint_staff()
                start = first_day(course, clock.now())
                learners = Learners.cast(server, course, start, random.Random(SEED))
                close_dms(env, learners.dms_closed.actor)
                tz = zone(course.timezone)
                transcript = Transcript(env, server, tz, say)
                say(introduction(course, server, learners, start))
                await create_cohort(server, course, start, say)
                await play_course(env, server, course, start, learners, transcript)
                await learners.fetch_certificate(learners.dms_closed, say)
                transcript.tell()
                files = await write_report(server, course, out, learners.certificates, say)
                await ask_for_data_and_erase_it(server, learners.forgets, say)
                await archive(env, server, course_calendar(course, start, tz), transcript)
                return files
        finally:
            await bot.release()  # SimCord detaches the bot without closing it


def first_day(course: Course, now: datetime) -> date:
    """The course's first post day, a few days from now in the course's time zone."""
    return first_post_day(course, (now + LEAD).astimezone(zone(course.timezone)).date())


def close_dms(env: simcord.Env, member: simcord.MemberActor) -> None:
    """This member accepts no DMs: Discord answers 403 / 50007 to every one."""
    dm = env.backend.get_dm_channel(member.id)
    env.inject_error("POST", f"/channels/{dm.id}/messages", status=403, code=50007, times=None)


def cohort_name(course: Course) -> str:
    """The instructor names the cohort after its course (so each course's files differ)."""
    return course.title[:NAME_LIMIT].strip()


def introduction(course: Course, server: CourseServer, learners: Learners, start: date) -> str:
    behind = " and ".join(learner.name for learner in learners.behind)
    return (
        f"cohortbot demo: {course.title}\n"
        f"A server with an instructor ({shown_name(server.instructor)}) and "
        f"{len(server.learners)} learners: {behind} fall behind, "
        f"{learners.dms_closed.name} has closed DMs. {learners.choices()}\n"
        f"The cohort starts {start:%A %d %B %Y}; times are {course.timezone}.\n"
    )


async def create_cohort(server: CourseServer, course: Course, start: date, say: Say) -> None:
    created = await server.instructor.slash(
        server.staff, "cohort create", course=course.id, name=cohort_name(course),
        start=start.isoformat(),
        forum=server.forum, announcements=server.announcements,
        learner_role=server.learner_role, instructor_role=server.instructor_role,
    )  # fmt: skip
    timetable_embed = the_embed(created, "/cohort create")
    say(
        f"{shown_name(server.instructor)}: /cohort create course:{course.id} "
        f"name:{cohort_name(course)} start:{start} → {timetable_embed.title}\n"
    )


async def play_course(
    env: simcord.Env,
    server: CourseServer,
    course: Course,
    start: date,
    learners: Learners,
    transcript: Transcript,
) -> None:
    """Hour by hour until the last post learners see, narrating what the bot did."""
    say, tz = transcript.say, transcript.tz
    calendar = course_calendar(course, start, tz)
    until = last_moment(course, calendar, start, tz)
    # The first session's recording is added once it is over (a course may have none).
    recorded = sorted(sessions_for(course, start, tz), key=lambda s: s.start)[:1]
    late_at = calendar.ends + LATE_AFTER  # in the consultation weeks
    week_shown: int | None = None
    while env.now() < until:
        await env.advance_time(STEP.total_seconds())
        week = calendar.current_week(env.now())
        if week != week_shown and week_shown is not None:
            say(learners.week_summary(week_shown))
            await review(server, course, learners, week_shown, say)
        week_shown = week
        fresh = transcript.tell()
        learners.notice(fresh, week)
        await learners.press_remind_me(fresh)
        for line in await learners.check_in(fresh):
            say(line)
        for line in await learners.watch(fresh):
            say(line)
        if await learners.name_certificates(fresh):
            transcript.tell()  # the bot's answers in their DMs, with the PDFs
        if recorded and env.now() >= recorded[0].end:
            await add_recording(server, course, recorded.pop(), say)
        if week is not None:
            await learners.come_by(week, env.now().astimezone(tz).hour)
        elif late_at <= env.now() and not learners.late_done:
            await hand_in_late(server, course, learners, say)
    say("")


async def review(
    server: CourseServer, course: Course, learners: Learners, week: int, say: Say
) -> None:
    """When a week closes, the instructor reviews a hand-in of it, with feedback (a DM)."""
    if learners.hander.actor.id not in learners.handed.get(week, set()):
        return
    options = {
        "cohort": cohort_name(course),
        "member": learners.hander.actor,
        "week": week,
        "feedback": FEEDBACK,
    }
    result = await server.instructor.slash(server.staff, "assignment review", **options)
    answer = content_of(result, "/assignment review")
    if "marked reviewed" not in answer:
        raise RuntimeError(refusal(result, "/assignment review"))
    say(
        f"{shown_name(server.instructor)}: /assignment review cohort:{cohort_name(course)} "
        f"member:{learners.hander.name} week:{week} feedback:{FEEDBACK} → {plain(answer)}"
    )


async def hand_in_late(server: CourseServer, course: Course, learners: Learners, say: Say) -> None:
    """In the consultation weeks, one who fell behind hands in what they missed, late;
    the instructor's ``/assignment list`` shows it so."""
    learners.late_done = True
    late = learners.late
    weeks = [w.number for w in course.weeks if learners.offers_assignment(w.number)]
    for week in weeks:
        if late.actor.id not in learners.handed.get(week, set()):
            answer = await learners.hand_in(late, week)
            say(f"{late.name}: Submit assignment (week {week}) → {channels_named(server, answer)}")
    if not weeks:
        return
    cohort = cohort_name(course)
    result = await server.instructor.slash(
        server.staff, "assignment list", cohort=cohort, week=weeks[-1]
    )
    listing = content_of(result, "/assignment list").splitlines()
    tz = zone(course.timezone)
    mention = f"<@{late.actor.id}>"
    shown = listing[:1] + [line.split(": https://")[0] for line in listing if mention in line]
    said = [plain(people_named(server, line), tz) for line in shown]
    say(f"{shown_name(server.instructor)}: /assignment list cohort:{cohort} week:{weeks[-1]} →")
    for line in said:
        say(f"    {line}")
    if (left := len(listing) - len(shown)) > 0:  # an excerpt: the count above says more
        say(f"    … ({left} more line{'s' if left > 1 else ''} of the list)")


async def add_recording(
    server: CourseServer, course: Course, session: CohortSession, say: Say
) -> None:
    """The instructor posts the session's recording: under its announcement, and DMed."""
    url = f"{RECORDINGS}/{session.key}"
    options = {"cohort": cohort_name(course), "session": session.key, "url": url}
    result = await server.instructor.slash(server.staff, "recording add", **options)
    answer = " ".join(reply.content for reply in reply_messages(result))
    if not answer.startswith("Recording posted"):
        raise RuntimeError(refusal(result, "/recording add"))
    typed = " ".join(f"{name}:{value}" for name, value in options.items())
    told = channels_named(server, answer)
    say(f"{shown_name(server.instructor)}: /recording add {typed} → {told}")


def channels_named(server: CourseServer, text: str) -> str:
    """Channel mentions as a reader sees them: ``<#123>`` → ``#announcements``."""
    return re.sub(r"<#(\d+)>", lambda m: f"#{server.thread(int(m[1])).name or m[1]}", text)


def people_named(server: CourseServer, text: str) -> str:
    """Member mentions as a reader sees them: ``<@123>`` → ``@Amara``."""
    actors = [server.instructor, *server.learners, server.outsider, server.admin]
    names = {actor.id: shown_name(actor) for actor in actors}
    return re.sub(r"<@!?(\d+)>", lambda m: f"@{names.get(int(m[1]), m[1])}", text)


def last_moment(course: Course, calendar: Calendar, start: date, tz: ZoneInfo) -> datetime:
    """When the last thing learners see happens (a late session may follow the wrap-up)."""
    items = timetable(course, calendar, sessions_for(course, start, tz))
    return max(item.due for item in items if item.kind not in AFTER_THE_COURSE)


async def write_report(
    server: CourseServer,
    course: Course,
    out: Path,
    certificates: list[tuple[str, bytes]],
    say: Say,
) -> list[Path]:
    """The instructor's participation summary for each week, then the CSV and the chart,
    and the certificates of completion the learners were given (PDFs, as Discord holds them)."""
    instructor, staff, cohort = server.instructor, server.staff, cohort_name(course)
    say("Participation report (/participation summary, week by week):\n")
    for week in range(1, len(course.weeks) + 1):
        result = await instructor.slash(staff, "participation summary", cohort=cohort, week=week)
        shown = the_embed(result, "/participation summary").description or ""
        say(plain(people_named(server, shown)) + "\n")
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for command in ("participation export", "participation chart"):
        result = await instructor.slash(staff, command, cohort=cohort)
        attachment = the_file(result, f"/{command}")
        files.append(out / attachment.filename)
        files[-1].write_bytes(await attachment.read())
    listed = await instructor.slash(staff, "certificates list", cohort=cohort)
    say(f"{shown_name(instructor)}: /certificates list cohort:{cohort} → "
        f"{people_named(server, content_of(listed, '/certificates list'))}")  # fmt: skip
    pdfs = []
    for filename, data in certificates:
        pdfs.append(out / filename)
        pdfs[-1].write_bytes(data)
    issued = f" and {len(pdfs)} certificates of completion (certificate-*.pdf)" if pdfs else ""
    say(f"Wrote {', '.join(f.name for f in files)}{issued} to {out.resolve()}\n")
    return files + pdfs


async def ask_for_data_and_erase_it(server: CourseServer, learner: Learner, say: Say) -> None:
    """A learner sees what the bot keeps about them, erases it, and checks."""
    me = learner.actor
    shown = await me.slash(server.staff, "mydata")
    attachment = the_file(shown, "/mydata")
    stored = json.loads(await attachment.read())
    records = sum(len(rows) for rows in stored.values())
    summary = reply_messages(shown)[0].content.splitlines()
    say(f"{learner.name}: /mydata → {attachment.filename} ({records} records)")
    for line in summary[1:]:
        say(f"    {plain(line)}")
    asked = await me.slash(server.staff, "forgetme")
    if asked.response is None:
        raise RuntimeError(refusal(asked, "/forgetme"))
    erased = await me.click(asked.response.message, label="Erase my data")
    say(f"{learner.name}: /forgetme → Erase my data → {content_of(erased, '/forgetme')}")
    again = await me.slash(server.staff, "mydata")
    say(f"{learner.name}: /mydata → {content_of(again, '/mydata')}\n")


async def archive(
    env: simcord.Env, server: CourseServer, calendar: Calendar, transcript: Transcript
) -> None:
    """On to the archive date: the consultation notice, then the course's posts locked."""
    await env.advance_time((calendar.archives + STEP - env.now()).total_seconds())
    transcript.tell()
    locked = [
        thread.name or str(thread.id)
        for thread in server.forum.threads
        if is_closed(env, thread.id)
    ]
    when = f"[{calendar.archives.astimezone(transcript.tz):%a %d %b %H:%M %Z}]"
    what = "; ".join(locked) if locked else "nothing"
    transcript.say(f"{when} {'#course-forum':<22} Archived and locked: {what}")


def is_closed(env: simcord.Env, channel_id: int) -> bool:
    """Whether Discord holds this thread archived and locked."""
    meta = env.backend.get_channel(channel_id).thread_metadata
    return bool(meta and meta.archived and meta.locked)


def content_of(result: simcord.InteractionResult, command: str) -> str:
    said = " ".join(reply.content for reply in reply_messages(result) if reply.content)
    if not said:
        raise RuntimeError(refusal(result, command))
    return said


def shown_name(actor: simcord.MemberActor) -> str:
    """The name the server shows for this member."""
    member = actor.member
    return member.display_name if member else actor.name


def reply_messages(result: simcord.InteractionResult) -> list[simcord.ResponseMessage]:
    """The bot's reply to a command and its follow-ups (a deferred reply comes as one)."""
    return [*([result.response] if result.response else []), *result.followups]


def the_embed(result: simcord.InteractionResult, command: str) -> discord.Embed:
    embeds = [embed for reply in reply_messages(result) for embed in reply.embeds]
    if not embeds:
        raise RuntimeError(refusal(result, command))
    return embeds[0]


def the_file(result: simcord.InteractionResult, command: str) -> discord.Attachment:
    files = [attachment for reply in reply_messages(result) for attachment in reply.attachments]
    if not files:
        raise RuntimeError(refusal(result, command))
    return files[0]


def refusal(result: simcord.InteractionResult, command: str) -> str:
    """Why the demo cannot go on: the bot's own words when it refused."""
    said = " / ".join(reply.content for reply in reply_messages(result) if reply.content)
    return f"{command} did not give the demo what it needs: {said or result!r}"


# -- the transcript: what the bot left in the server, in course time ----------------------


@dataclass
class Transcript:
    """Prints each message the bot posted or DMed, once, in the order Discord holds them."""

    env: simcord.Env
    server: CourseServer
    tz: ZoneInfo
    say: Say
    seen: set[int] = field(default_factory=set)
    requests_seen: int = 0

    def tell(self) -> list[discord.Message]:
        """Print what is new since the last call, and return it."""
        if len(self.env.http_requests) == self.requests_seen:
            return []  # the bot only posts through REST: nothing new to look for
        self.requests_seen = len(self.env.http_requests)
        fresh = sorted(self.fresh_posts(), key=lambda found: found[1].id)
        for recipients, message in group_dms(fresh):
            self.say(self.line(recipients, message))
        return [message for _, message in fresh]

    def fresh_posts(self) -> Iterable[tuple[simcord.MemberActor | None, discord.Message]]:
        """(DM recipient or None, message) for each public post or DM not yet told."""
        for recipient, channel in self.places():
            for message in channel.history():
                # Ephemeral replies are answers to one person, not posts; a notice that a
                # thread was made (a hand-in thread) is not a post either.
                told = message.id in self.seen or message.flags.ephemeral or message.is_system()
                if message.author.bot and not told:
                    self.seen.add(message.id)
                    yield recipient, message

    def places(self) -> Iterable[tuple[simcord.MemberActor | None, simcord.ChannelHandle]]:
        yield None, self.server.announcements
        for thread in self.server.forum.threads:
            yield None, thread
        for member in [self.server.instructor, *self.server.learners]:
            dm = self.env.backend.get_dm_channel(member.id)
            yield member, simcord.ChannelHandle(self.env, None, dm)

    def line(self, recipients: list[simcord.MemberActor], message: discord.Message) -> str:
        when = f"[{message.created_at.astimezone(self.tz):%a %d %b %H:%M %Z}]"
        text = shortened(plain(headline(message), self.tz))
        if not recipients:
            return f"{when} {self.where(message):<22} {text}"
        if len(recipients) == 1:
            return f"{when} {'DM ' + shown_name(recipients[0]):<22} {text}"
        names = ", ".join(shown_name(member) for member in recipients)
        greeting = masked(text, shown_name(recipients[0]))
        return f"{when} {f'DMs ({len(recipients)})':<22} {greeting}\n{'':<46}→ {names}"

    def where(self, message: discord.Message) -> str:
        if message.channel.id == self.server.announcements.id:
            return "#announcements"
        if is_forum_post(message, self.server):
            return "#course-forum"
        return f"#course-forum › {getattr(message.channel, 'name', '')}"


def group_dms(
    fresh: list[tuple[simcord.MemberActor | None, discord.Message]],
) -> list[tuple[list[simcord.MemberActor], discord.Message]]:
    """One entry per post, and one per fan-out: the same DM to many people at once."""
    entries: list[tuple[list[simcord.MemberActor], discord.Message]] = []
    fanouts: dict[tuple[datetime, str], list[simcord.MemberActor]] = {}
    for recipient, message in fresh:
        if recipient is None:
            entries.append(([], message))
            continue
        same = (message.created_at, masked(headline(message), shown_name(recipient)))
        if same not in fanouts:
            fanouts[same] = []
            entries.append((fanouts[same], message))
        fanouts[same].append(recipient)
    return entries


def headline(message: discord.Message) -> str:
    """A post's title (its embed's) or its first line."""
    embed_title = message.embeds[0].title if message.embeds else None
    text = (embed_title or message.content or "").strip()
    return text.splitlines()[0] if text else "(a file)"


def masked(text: str, name: str) -> str:
    """The text without the recipient's name: DMs alike but for the greeting group together."""
    return re.sub(rf"\b{re.escape(name)}\b", "‹name›", text)


TIMESTAMP = re.compile(r"<t:(\d+)(?::[a-zA-Z])?>")


def plain(text: str, tz: ZoneInfo | None = None) -> str:
    """Discord markup as a terminal shows it: times in the course's zone, no asterisks."""
    if tz is not None:
        text = TIMESTAMP.sub(
            lambda m: f"{datetime.fromtimestamp(int(m[1]), tz):%a %d %b %H:%M}", text
        )
    return text.replace("**", "").replace("`", "")


def shortened(text: str, limit: int = 150) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- the learners ----------------------------------------------------------------------


@dataclass
class Learner:
    actor: simcord.MemberActor
    keenness: float  # the chance that they come by on a given day
    hour: int  # the local hour they usually come by
    wants_reminders: float = 0.6  # the chance that they press "Remind me"

    @property
    def name(self) -> str:
        return shown_name(self.actor)


@dataclass
class Learners:
    """Simulated learners. Every choice comes from one seeded Random, so runs repeat."""

    server: CourseServer
    course: Course
    people: list[Learner]
    behind: list[Learner]
    dms_closed: Learner
    forgets: Learner
    rng: random.Random
    session_weeks: tuple[int, ...]  # the week of each live session, in time order
    posts: dict[int, list[tuple[simcord.ChannelHandle, discord.Message]]] = field(
        default_factory=dict
    )  # week -> its forum posts: the module's and the learners'
    written: Counter[tuple[int, str, int]] = field(default_factory=Counter)  # week, kind, who
    modules: dict[int, discord.Message] = field(default_factory=dict)  # week -> its post
    handed: dict[int, set[int]] = field(default_factory=dict)  # week -> who handed in
    watched: bool = False  # the recording of the first session
    late_done: bool = False
    certificates: list[tuple[str, bytes]] = field(default_factory=list)  # PDFs given out

    @classmethod
    def cast(
        cls, server: CourseServer, course: Course, start: date, rng: random.Random
    ) -> Learners:
        people = [
            Learner(actor, keenness=rng.uniform(0.45, 0.9), hour=rng.randint(8, 20))
            for actor in server.learners
        ]
        behind = [people[i] for i in BEHIND]
        for learner in behind:
            learner.keenness, learner.wants_reminders = 0.08, 0.2
        closed = people[DMS_CLOSED]
        closed.wants_reminders = 1.0  # asks for reminders it cannot receive: skipped, counted
        tz = zone(course.timezone)
        calendar = course_calendar(course, start, tz)
        last = len(course.weeks)
        session_weeks = tuple(
            calendar.week_at(s.start) or (last if s.start >= calendar.ends else 1)
            for s in sorted(sessions_for(course, start, tz), key=lambda s: s.start)
        )
        return cls(server, course, people, behind, closed, people[FORGETS], rng, session_weeks)

    @property
    def checks_in(self) -> Learner:
        return self.people[CHECKS_IN]

    @property
    def watcher(self) -> Learner:
        return self.people[WATCHES]

    @property
    def hander(self) -> Learner:
        return self.people[HANDS_IN]

    @property
    def talker(self) -> Learner:
        return self.people[TALKS]

    @property
    def late(self) -> Learner:
        return self.people[LATE]

    def offers(self, week: int) -> tuple[Option, ...]:
        """What may meet this week, by the course file."""
        has_assignment = self.course.week(week).assignment is not None
        return self.course.rule_of(week).offered(week in self.session_weeks, has_assignment)

    def offers_assignment(self, week: int) -> bool:
        return Option.ASSIGNMENT in self.offers(week)

    @property
    def assignment_led(self) -> bool:
        """Every week is met by its assignment (or another way)."""
        return all(self.offers_assignment(w.number) for w in self.course.weeks)

    def discusses(self, learner: Learner, week: int) -> bool:
        """Whether they take part in this week's discussion, or meet it another way."""
        if learner is self.checks_in and Option.SESSION in self.offers(week):
            return False
        if learner is self.watcher and week in self.session_weeks[:1]:
            return False  # they watch the first session's recording instead
        return not (learner is self.hander and self.offers_assignment(week))

    def hands_in_on_time(self, learner: Learner, week: int) -> bool:
        if not self.offers_assignment(week) or learner in self.behind:
            return False
        return learner is self.hander or (self.assignment_led and learner is not self.talker)

    def choices(self) -> str:
        """Who meets weeks how, in words, as far as this course offers a choice."""
        weeks = [w.number for w in self.course.weeks]
        said = []
        if any(Option.SESSION in self.offers(w) for w in weeks):
            said.append(f"{self.checks_in.name} meets weeks with a live session by checking in")
            if self.course.recordings_count:
                said.append(f"{self.watcher.name} the first one's week by watching its recording")
        if any(self.offers_assignment(w) for w in weeks):
            said.append(f"{self.hander.name} meets weeks with an assignment by handing it in")
            if self.assignment_led:
                said.append(f"most hand in every week, {self.talker.name} only discusses")
            said.append(f"{self.late.name} hands in late, in the consultation weeks")
        return "; ".join(said) + "." if said else ""

    def notice(self, fresh: list[discord.Message], week: int | None) -> None:
        """The bot's new forum post is the week's module: replies go there too."""
        for message in fresh:
            if week is not None and is_forum_post(message, self.server):
                thread = self.server.thread(message.channel.id)
                self.posts.setdefault(week, []).append((thread, message))
                if has_button(message, "Submit assignment"):
                    self.modules[week] = message

    async def press_remind_me(self, fresh: list[discord.Message]) -> None:
        for message in fresh:
            if has_button(message, "Remind me"):
                for learner in self.people:
                    if self.rng.random() < learner.wants_reminders:
                        await learner.actor.click(message, label="Remind me")

    def joins(self, learner: Learner) -> bool:
        if learner is self.checks_in:
            return True
        if learner in self.behind or learner in (self.watcher, self.hander):
            return False
        return self.rng.random() < ATTENDS

    async def check_in(self, fresh: list[discord.Message]) -> list[str]:
        """Under each "starting now" post, those who join press "Check in": who did, in words."""
        said = []
        for message in fresh:
            if not has_button(message, "Check in"):
                continue
            joined = []
            for learner in self.people:
                if not self.joins(learner):
                    continue
                result = await learner.actor.click(message, label="Check in")
                if not content_of(result, "Check in").startswith("Checked in"):
                    raise RuntimeError(refusal(result, f"{learner.name}'s check-in"))
                joined.append(learner.name)
            session = headline(message).removeprefix("Starting now: ")
            names = ", ".join(joined) or "nobody"
            said.append(f"{'':<23}(at {session}, {len(joined)} checked in: {names})")
        return said

    async def watch(self, fresh: list[discord.Message]) -> list[str]:
        """One who could not come presses "Watched it" under the first recording."""
        for message in fresh:
            if self.watched or not has_button(message, "Watched it"):
                continue
            self.watched = True
            result = await self.watcher.actor.click(message, label="Watched it")
            answer = content_of(result, "Watched it")
            if "counts as attending" not in answer:
                raise RuntimeError(refusal(result, f"{self.watcher.name}'s Watched it"))
            return [f"{self.watcher.name}: Watched it → {plain(answer)}"]
        return []

    async def come_by(self, week: int, local_hour: int) -> None:
        """Those who usually come by at this hour may, today: take part in the discussion
        (start a post, or reply), and hand in the week's assignment."""
        for learner in self.people:
            if learner.hour == local_hour and self.rng.random() < learner.keenness:
                if self.discusses(learner, week):
                    await self.take_part(learner, week)
                handed = self.handed.get(week, set())
                if self.hands_in_on_time(learner, week) and learner.actor.id not in handed:
                    await self.hand_in(learner, week)

    async def take_part(self, learner: Learner, week: int) -> None:
        """Their own post first, then replies to the module or to classmates."""
        posts = self.posts.setdefault(week, [])
        me = learner.actor
        if not self.written[week, "post", me.id]:
            title = f"{learner.name}'s thoughts on week {week}"
            posts.append(await self.server.forum_post(me, title, "What I tried this week."))
            self.written[week, "post", me.id] += 1
            return
        others = [(thread, first) for thread, first in posts if first.author.id != me.id]
        if others:
            thread, first = self.rng.choice(others)
            await me.send(thread, "Thanks, that helps.", reply_to=first)
            self.written[week, "reply", me.id] += 1

    async def hand_in(self, learner: Learner, week: int) -> str:
        """**Submit assignment** under the week's post, then the form: the bot's answer."""
        me = learner.actor
        shown = await me.click(self.modules[week], label="Submit assignment")
        if shown.modal is None:
            raise RuntimeError(refusal(shown, f"{learner.name}'s Submit assignment"))
        link = f"{WORK}/{user_name(learner.name)}/week-{week}"
        values = {"link": link, "note": f"My week {week} assignment, as the module asks."}
        answer = content_of(await me.submit_modal(shown, values), "the hand-in form")
        if not answer.startswith("Handed in"):
            raise RuntimeError(f"{learner.name}'s hand-in was refused: {answer}")
        self.handed.setdefault(week, set()).add(me.id)
        return answer

    def printed_name(self, learner: Learner) -> str:
        """The name they want on a certificate: the full one their employer knows."""
        return f"{learner.name} {SURNAMES[self.people.index(learner) % len(SURNAMES)]}"

    async def name_certificates(self, fresh: list[discord.Message]) -> int:
        """In the certificate DM, each presses "Set the name for my certificate" and types
        the name to print; the bot's answer in the DM brings the PDF. How many did."""
        named = 0
        dm_of = {self.server.env.backend.get_dm_channel(p.actor.id).id: p for p in self.people}
        for message in fresh:
            learner = dm_of.get(message.channel.id)
            if learner is None or not has_button(message, NAME_BUTTON):
                continue
            me = simcord.UserHandle(
                self.server.env, self.server.env.backend.get_user(learner.actor.id)
            )
            shown = await me.click(message, label=NAME_BUTTON)
            answered = await me.submit_modal(shown, {"printed_name": self.printed_name(learner)})
            await self.keep_certificates(answered, learner)
            named += 1
        return named

    async def fetch_certificate(self, learner: Learner, say: Say) -> None:
        """One whose DMs are closed fetches their certificate in the server, privately."""
        me = learner.actor
        fetched = await me.slash(self.server.staff, "certificate get")
        if fetched.response is None or not has_button(fetched.response.message, NAME_BUTTON):
            return  # no certificate: they did not complete
        shown = await me.click(fetched.response.message, label=NAME_BUTTON)
        answered = await me.submit_modal(shown, {"printed_name": self.printed_name(learner)})
        answer = content_of(answered, "the certificate name form")
        await self.keep_certificates(answered, learner)
        say(f"{learner.name}: /certificate get → {NAME_BUTTON} → {plain(answer)} (privately)\n")

    async def keep_certificates(
        self, answered: simcord.InteractionResult, learner: Learner
    ) -> None:
        pdfs = [a for reply in reply_messages(answered) for a in reply.attachments]
        if not pdfs:
            raise RuntimeError(refusal(answered, f"{learner.name}'s certificate"))
        for pdf in pdfs:
            self.certificates.append((pdf.filename, await pdf.read()))

    def week_summary(self, week: int) -> str:
        """What the simulated learners did (their own tally, to set beside the bot's report)."""
        tally = Counter({(kind, who): n for (w, kind, who), n in self.written.items() if w == week})
        posts = sum(n for (kind, _), n in tally.items() if kind == "post")
        replies = sum(n for (kind, _), n in tally.items() if kind == "reply")
        handed = self.handed.get(week, set())
        active = {who for _, who in tally} | handed
        quiet = [p.name for p in self.people if p.actor.id not in active]
        silent = f"; nothing written by {', '.join(quiet)}" if quiet else ""
        hand_ins = ""
        if self.offers_assignment(week):
            by = ", ".join(p.name for p in self.people if p.actor.id in handed) or "nobody"
            hand_ins = f", {len(handed)} handed in ({by})"
        return (
            f"{'':<23}(learners in week {week}: {posts} posts, {replies} replies{hand_ins}{silent})"
        )


def is_forum_post(message: discord.Message, server: CourseServer) -> bool:
    """The first message of a post in the course forum (the post itself, not a reply)."""
    if getattr(message.channel, "parent_id", None) != server.forum.id:
        return False
    first = server.thread(message.channel.id).history()[:1]
    return bool(first) and first[0].id == message.id


def has_button(message: discord.Message, label: str) -> bool:
    return any(
        getattr(child, "label", None) == label
        for row in message.components
        for child in getattr(row, "children", [])
    )
