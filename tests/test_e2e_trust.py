"""Who may do what, end to end on SimCord: staff, instructors of one cohort, learners, outsiders."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import discord
import pytest
import simcord
from discord import app_commands

from bot.errors import InvalidInput, NotAllowed, NotFound
from tests.helpers import (
    Rival,
    World,
    bot_posts,
    commands_of,
    dms,
    dump,
    is_staff_command,
    refusals,
)
from tests.scenarios import posts_for

START = date(2026, 10, 13)
WEEK_1 = datetime(2026, 10, 13, 16, tzinfo=UTC)
# Commands anyone may run (each checks membership itself). A new command is a staff
# command, walked below, unless it is added here on purpose.
PUBLIC = {
    "certificate get",
    "certificate name",
    "certificate verify",
    "forgetme",
    "mydata",
    "progress",
    "recordings",
    "reminders off",
    "reminders on",
    "sessions calendar",
    "sessions upcoming",
}


def unwrapped(error: BaseException) -> BaseException:
    if isinstance(error, app_commands.CommandInvokeError):
        return error.original
    return error


def discord_writes(world: World, since: int) -> list[str]:
    """What the bot asked Discord to change, apart from answering interactions."""
    return [
        f"{r.method} {r.path}"
        for r in world.env.http_requests[since:]
        if r.method != "GET" and not r.path.startswith(("/interactions/", "/webhooks/"))
    ]


async def two_cohorts(world: World) -> Rival:
    rival = Rival(world)
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START)
    created = await world.create_cohort(
        start=START, name="Winter 2027", forum=rival.forum, instructor_role=rival.role
    )
    assert created.ephemeral and "Created Winter 2027" in created.response.content
    await world.advance_to(WEEK_1 + timedelta(hours=1))
    return rival


def options_for(
    world: World, command: app_commands.Command[Any, ..., Any], own_role: simcord.RoleHandle
) -> dict[str, Any]:
    """Every option filled in, as an attacker would: aimed at the cohort "Fall 2026"."""
    server = world.server
    session_start = "2026-10-20 10:00"
    by_name: dict[str, Any] = {
        "cohort": "Fall 2026",
        "course": "de-escalation",
        "name": "Taken over",
        "start": session_start if command.qualified_name.startswith("session ") else "2026-10-13",
        "title": "Sneaky session",
        "duration": "60m",
        "url": "https://example.org/x",
        "session": "live-1",
        "timezone": "UTC",
        "passcode": "1234",
        "note": "x",
        "week": 1,
        "repost": True,
        "forum": server.forum,
        "announcements": server.announcements,
        "share_in": server.announcements,
        "feedback": "Well done",
        "member": server.learners[1],
        # The attack: the instructor role as the learner role, and one's own role
        # as the instructor role.
        "learner_role": server.instructor_role,
        "instructor_role": own_role,
        "role": own_role,
    }
    missing = [p.name for p in command.parameters if p.name not in by_name]
    assert not missing, f"/{command.qualified_name}: give the walk a value for {missing}"
    return {p.name: by_name[p.name] for p in command.parameters}


def test_every_command_is_staff_or_knowingly_public(world: World):
    public = {c.qualified_name for c in commands_of(world) if not is_staff_command(c)}
    assert public == PUBLIC
    for command in world.bot.tree.get_commands():
        if isinstance(command, app_commands.Group) and command.default_permissions is not None:
            assert command.default_permissions == discord.Permissions(manage_guild=True)
            assert command.guild_only


async def test_staff_commands_are_hidden_from_learners_and_outsiders(world: World):
    server = world.server

    def visible(actor: simcord.MemberActor) -> set[str]:
        found = world.env.backend.visible_commands(user_id=actor.id, channel_id=server.staff.id)
        return {c["name"] for c in found}

    staff_roots = {(c.root_parent or c).name for c in commands_of(world) if is_staff_command(c)}
    assert staff_roots == {
        "assignment",
        "certificates",
        "cohort",
        "course",
        "module",
        "participation",
        "recording",
        "session",
        "setup",
    }
    for actor in (server.learners[0], server.outsider):
        assert visible(actor).isdisjoint(staff_roots)
        with pytest.raises(simcord.SetupError, match="not visible"):
            await actor.slash(server.staff, "cohort show", cohort="Fall 2026")
    assert staff_roots <= visible(server.admin)
    # The sandbox's admin showed them to the instructor role (Server Settings → Integrations).
    assert staff_roots <= visible(server.instructor)


async def test_every_staff_command_refuses_learners_outsiders_and_other_cohorts_instructors(
    world: World,
):
    """Walks the command tree, so a future staff command is held to this without being named."""
    rival = await two_cohorts(world)
    server = world.server
    world.show_staff_commands_to_everyone(rival.role)  # admins may show them to anyone
    attackers = [
        (server.learners[0], server.learner_role),
        (server.outsider, server.learner_role),
        (rival.member, rival.role),
    ]
    staff_commands = [c for c in commands_of(world) if is_staff_command(c)]
    assert len(staff_commands) >= 20
    before = await dump(world.bot.store)
    for command in staff_commands:
        for actor, own_role in attackers:
            requests, errors = len(world.env.http_requests), len(world.env.errors)
            result = await actor.slash(
                server.staff, command.qualified_name, **options_for(world, command, own_role)
            )
            where = f"/{command.qualified_name} by {actor.name}"
            assert result.ephemeral, where
            raised = [unwrapped(e) for e in world.env.errors[errors:]]
            aimed = any(p.name == "cohort" for p in command.parameters)
            if actor is rival.member and not aimed and not raised:
                # An instructor may list what they run (/cohort list): never Fall 2026.
                assert "Fall 2026" not in result.response.content, where
            else:
                assert [type(e) for e in raised] == [NotAllowed], (where, raised)
            assert discord_writes(world, requests) == [], where
            assert await dump(world.bot.store) == before, where
    refusals(world)  # each was a NotAllowed, checked above


async def test_an_instructor_runs_their_own_cohort_only(world: World):
    rival = await two_cohorts(world)
    mine = await rival.member.slash(world.server.staff, "cohort show", cohort="Winter 2027")
    assert mine.ephemeral and "Winter 2027" in mine.response.embeds[0].description
    theirs = await rival.member.slash(world.server.staff, "cohort show", cohort="Fall 2026")
    assert theirs.response.content == "Only Fall 2026's instructors (or course staff) can do that."
    assert [type(e) for e in refusals(world)] == [NotAllowed]


async def test_only_manage_server_sets_the_staff_role_and_staff_may_create(world: World):
    server = world.server
    guild = server.guild
    coordinators = guild.create_role("Coordinators")
    coordinator = guild.add_member(world.env.create_user("coordinator"), roles=[coordinators])
    world.show_staff_commands_to_everyone(coordinators)

    # The instructor (staff, but no Manage Server) cannot change who is staff.
    tried = await server.instructor.slash(server.staff, "setup staff-role", role=coordinators)
    assert tried.ephemeral and "Manage Server" in tried.response.content
    assert await world.bot.store.guilds.staff_role(guild.id) == server.instructor_role.id

    shown = await server.admin.slash(server.staff, "setup show")
    assert server.instructor_role.mention in shown.response.content
    set_to = await server.admin.slash(server.staff, "setup staff-role", role=coordinators)
    assert set_to.ephemeral and "Integrations" in set_to.response.content
    created = await coordinator.slash(
        server.staff,
        "cohort create",
        course="de-escalation",
        name="Coordinated",
        start="2026-10-13",
        forum=server.forum,
        learner_role=server.learner_role,
    )
    assert created.ephemeral and "Created Coordinated" in created.response.content
    # The old staff role gives nothing now: the instructor runs no cohort.
    refused = await server.instructor.slash(server.staff, "cohort show", cohort="Coordinated")
    assert "Only Coordinated's instructors" in refused.response.content

    cleared = await server.admin.slash(server.staff, "setup clear-staff-role")
    assert "only members with Manage Server" in cleared.response.content
    assert await world.bot.store.guilds.staff_role(guild.id) is None
    refused = await coordinator.slash(server.staff, "course reload")
    assert "Only course staff" in refused.response.content

    for role in (guild.default_role, guild.create_role("Bot role", managed=True)):
        bad = await server.admin.slash(server.staff, "setup staff-role", role=role)
        assert "can't be the staff role" in bad.response.content
    assert await world.bot.store.guilds.staff_role(guild.id) is None
    assert [type(e) for e in refusals(world)] == [
        NotAllowed,
        NotAllowed,
        NotAllowed,
        InvalidInput,
        InvalidInput,
    ]


@pytest.mark.parametrize(
    ("roles", "message"),
    [
        ({"learner_role": "everyone"}, "can't be @everyone"),
        ({"learner_role": "managed"}, "belongs to a bot or an integration"),
        ({"instructor_role": "learner"}, "must be different roles"),
        ({"instructor_role": "everyone"}, "can't be an instructor role"),
        # A careless admin: every learner would be course staff.
        ({"learner_role": "managers"}, "has Manage Server"),
        ({"learner_role": "administrators"}, "has Manage Server"),
        ({"learner_role": "staff", "instructor_role": "other"}, "is the course-staff role"),
    ],
)
async def test_a_cohort_needs_roles_people_are_given(world: World, roles: dict, message: str):
    guild = world.server.guild
    handles = {
        "everyone": guild.default_role,
        "managed": guild.create_role("Some bot", managed=True),
        "learner": world.server.learner_role,
        "managers": guild.create_role(
            "Helpers", permissions=discord.Permissions(manage_guild=True)
        ),
        "administrators": guild.create_role(
            "Mods", permissions=discord.Permissions(administrator=True)
        ),
        "staff": world.server.instructor_role,  # the sandbox's staff role
        "other": guild.create_role("Other instructors"),
    }
    result = await world.create_cohort(**{k: handles[v] for k, v in roles.items()})
    assert result.ephemeral and message in result.response.content
    assert [type(e) for e in refusals(world)] == [InvalidInput]
    assert await world.bot.store.cohorts.all() == []


async def test_create_answers_privately_and_posts_the_timetable_only_where_asked(world: World):
    server = world.server
    quiet = await world.create_cohort(start=START)
    assert quiet.ephemeral and quiet.response.embeds[0].title == "Cohort Fall 2026"
    assert bot_posts(server.staff) == [] and bot_posts(server.announcements) == []

    news = server.guild.create_text_channel("cohort-news")
    shared = await world.create_cohort(
        start=START,
        name="Spring 2027",
        forum=server.guild.create_forum_channel("f2"),
        share_in=news,
    )
    assert shared.ephemeral and news.mention in shared.response.content
    (posted,) = bot_posts(news)
    assert posted.embeds[0].title == "Cohort Spring 2027"
    assert "Week 1" in posted.embeds[0].description
    assert bot_posts(server.staff) == []


async def test_a_timetable_post_that_fails_leaves_the_cohort_created_and_planned(world: World):
    """Record, then send: a crash between them loses no module post."""
    server = world.server
    news = server.guild.create_text_channel("cohort-news")
    world.env.inject_error("POST", f"/channels/{news.id}/messages", status=403, code=50013)
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    result = await world.create_cohort(start=START, share_in=news)
    assert result.ephemeral and "Created Fall 2026" in result.response.content
    (told,) = result.followups
    assert (
        told.flags.ephemeral and f"could not post the timetable in {news.mention}" in told.content
    )
    assert bot_posts(news) == []
    (cohort,) = await world.bot.store.cohorts.all()
    deliveries = await world.bot.store.deliveries.for_cohort(cohort.id)
    assert "module:1" in {d.key for d in deliveries}
    await world.advance_to(WEEK_1 + timedelta(minutes=1))
    assert [t.name for t in server.forum.threads][:1] == ["Week 1: Making Sure People Feel Heard"]
    assert refusals(world) == []


async def test_a_second_cohort_in_a_forum_is_refused_and_the_first_still_counts(world: World):
    server = world.server
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START)
    refused = await world.create_cohort(start=START, name="Second")
    assert refused.ephemeral
    assert "already holds the cohort 'Fall 2026'" in refused.response.content
    assert [type(e) for e in refusals(world)] == [InvalidInput]
    assert [c.name for c in await world.bot.store.cohorts.all()] == ["Fall 2026"]

    await world.advance_to(WEEK_1 + timedelta(hours=1))
    await server.forum_post(server.learners[0], "My thoughts", "I listened first")
    await world.bot.tracker.flush()
    (cohort,) = await world.bot.store.cohorts.all()
    counts = await world.bot.store.participation.counts(cohort.id)
    assert counts.by_learner_week[(server.learners[0].id, 1)].originals == 1


async def test_recordings_are_for_the_cohorts_learners_and_instructors_only(world: World):
    rival = await two_cohorts(world)
    server = world.server
    await world.advance_to(WEEK_1 + timedelta(days=7, hours=1))  # live-1 is announced
    added = await server.instructor.slash(
        server.staff,
        "recording add",
        cohort="Fall 2026",
        session="live-1",
        url="https://example.org/rec/1",
        passcode="s3cret",
    )
    assert added.ephemeral and not refusals(world)
    for reader in (server.learners[0], server.instructor):
        listed = await reader.slash(server.staff, "recordings", cohort="Fall 2026")
        assert "s3cret" in listed.response.content
    for stranger in (rival.member, server.outsider):
        refused = await stranger.slash(server.staff, "recordings", cohort="Fall 2026")
        assert refused.ephemeral and "s3cret" not in refused.response.content
        assert "for its learners" in refused.response.content
    assert [type(e) for e in refusals(world)] == [NotAllowed, NotAllowed]


async def test_add_to_calendar_gives_the_join_link_only_to_the_cohorts_people(world: World):
    """The session's .ics holds its join link: as /sessions calendar, only the cohort's
    learners and instructors get it, not someone else who can read its channel."""
    rival = await two_cohorts(world)
    server = world.server
    await world.advance_to(WEEK_1 + timedelta(days=7, hours=1))  # live-1 is announced
    (announcement,) = [
        m for m in posts_for(world, "announce:live-1") if " cohort 1 · " in m.embeds[0].footer.text
    ]
    for reader in (server.learners[0], server.instructor):
        given = await reader.click(announcement, label="Add to calendar")
        assert given.ephemeral and len(given.response.attachments) == 1
    for stranger in (rival.member, server.outsider):
        refused = await stranger.click(announcement, label="Add to calendar")
        assert refused.ephemeral and refused.response.attachments == []
        assert "for its learners and instructors" in refused.response.content


async def test_cohort_names_are_offered_and_named_only_to_those_who_take_part(world: World):
    """Autocomplete and "no such cohort" list only the cohorts the member may see."""
    server = world.server
    rival = Rival(world)
    await world.create_cohort(start=START)
    await world.create_cohort(
        start=START,
        name="Winter 2027",
        forum=rival.forum,
        instructor_role=rival.role,
        learner_role=server.guild.create_role("Learner (Winter)"),
    )

    async def offered(actor: simcord.MemberActor, command: str) -> list[str]:
        choices = await actor.autocomplete(server.staff, command, "cohort", "")
        return [c["name"] for c in choices]

    assert await offered(server.learners[0], "progress") == ["Fall 2026"]
    assert await offered(server.outsider, "progress") == []
    assert await offered(rival.member, "cohort show") == ["Winter 2027"]
    assert await offered(server.admin, "cohort show") == ["Fall 2026", "Winter 2027"]

    for actor in (server.learners[0], server.outsider, rival.member):
        typo = await actor.slash(server.staff, "progress", cohort="Nope")
        assert typo.ephemeral and "no cohort called 'Nope'" in typo.response.content
        seen = {"Fall 2026", "Winter 2027"} & set(await offered(actor, "progress"))
        for name in {"Fall 2026", "Winter 2027"} - seen:
            assert name not in typo.response.content, (actor.name, name)
    assert [type(e) for e in refusals(world)] == [NotFound] * 3


@pytest.mark.parametrize("how", ["loses the role", "leaves the server"])
async def test_a_creator_who_is_no_longer_an_instructor_gets_no_private_reports(
    world: World, how: str
):
    """The weekly digest names who is behind: it goes to the cohort's creator only while
    they may still run the cohort."""
    server = world.server
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START)
    backend = world.env.backend
    if how == "loses the role":
        backend.remove_member_role(server.guild.id, server.instructor.id, server.instructor_role.id)
    else:
        server.guild.remove_member(server.instructor)
    await world.advance_to(WEEK_1 + timedelta(days=7, minutes=1))  # week 1 closes: the digest
    assert [m.content for m in dms(world, server.instructor) if "digest" in m.content] == []
    assert refusals(world) == []


async def test_when_the_creator_cannot_run_the_cohort_its_instructors_are_told(world: World):
    """An admin made the cohort and then left: the digest (and every instructor notice) goes
    to those who hold the cohort's instructor role, not to no one."""
    server = world.server
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START)
    teacher = server.guild.add_member(
        world.env.create_user("co_teacher"), roles=[server.instructor_role]
    )
    server.guild.remove_member(server.instructor)  # the creator
    await world.advance_to(WEEK_1 + timedelta(days=7, minutes=1))  # week 1 closes: the digest
    (digest,) = [m.content for m in dms(world, teacher) if "Weekly digest" in m.content]
    assert "Fall 2026" in digest
    outsider = [m for m in dms(world, server.outsider) if "digest" in m.content]
    learner = [m for m in dms(world, server.learners[0]) if "digest" in m.content]
    assert outsider == [] and learner == []


async def test_the_creator_still_an_instructor_gets_the_digest(world: World):
    server = world.server
    await world.advance_to(datetime(2026, 10, 12, tzinfo=UTC))
    await world.create_cohort(start=START)
    await world.advance_to(WEEK_1 + timedelta(days=7, minutes=1))
    assert [m for m in dms(world, server.instructor) if "Weekly digest" in m.content]


async def test_a_learner_role_never_becomes_staff_or_another_cohorts_instructor_role(world: World):
    """A careless admin or instructor: naming a cohort's learner role as the staff role, or
    as another cohort's instructor role, would hand its learners the keys."""
    server = world.server
    await world.create_cohort(start=START)
    refused = await server.admin.slash(server.staff, "setup staff-role", role=server.learner_role)
    assert refused.ephemeral and "learner role" in refused.response.content
    assert await world.bot.store.guilds.staff_role(server.guild.id) == server.instructor_role.id

    second = await world.create_cohort(
        start=START,
        name="Winter 2027",
        forum=server.guild.create_forum_channel("winter"),
        learner_role=server.guild.create_role("Learner (Winter)"),
        instructor_role=server.learner_role,
    )
    assert second.ephemeral and "learner role" in second.response.content
    assert [c.name for c in await world.bot.store.cohorts.all()] == ["Fall 2026"]
    assert [type(e) for e in refusals(world)] == [InvalidInput, InvalidInput]
