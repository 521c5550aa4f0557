"""A course server inside SimCord (an in-memory Discord): for the tests and the offline demo.

SimCord runs discord.py's own parsers, cache, command tree and permission
checks against a simulated guild, so the bot under test is the real one.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import discord
import simcord
from simcord.backend.models.channel import Overwrite, OverwriteType

LEARNER_NAMES = (
    "amara", "bao", "carmen", "dmitri", "esi", "farid",
    "greta", "hiro", "ines", "jonah", "kalani", "lucia",
)  # fmt: skip


class SimClock:
    """The bot's clock inside SimCord: SimCord's virtual time, which tests advance."""

    def __init__(self) -> None:
        self.env: simcord.Env | None = None

    def attach(self, env: simcord.Env) -> None:
        self.env = env

    def now(self) -> datetime:
        if self.env is None:  # before SimCord starts: its epoch
            return datetime(2026, 1, 1, tzinfo=UTC)
        return self.env.now()

    async def sleep(self, seconds: float) -> None:
        """Wait in virtual time: inside the bot's work, only ``advance_time`` ends the wait
        (never the wall clock); elsewhere (a test's own task) the event loop's sleep."""
        if self.env is None:
            await asyncio.sleep(seconds)
            return
        try:
            await self.env.external_wait(
                asyncio.sleep(seconds), reason="the bot waits on its clock"
            )
        except simcord.SetupError:  # not the bot's own work: nothing to declare
            await asyncio.sleep(seconds)


@dataclass
class CourseServer:
    env: simcord.Env
    guild: simcord.GuildHandle
    instructor_role: simcord.RoleHandle
    learner_role: simcord.RoleHandle
    forum: simcord.ChannelHandle
    announcements: simcord.ChannelHandle
    staff: simcord.ChannelHandle  # where the instructor runs commands
    instructor: simcord.MemberActor
    learners: list[simcord.MemberActor]
    outsider: simcord.MemberActor
    admin: simcord.MemberActor  # has Manage Server: sets the bot up

    async def appoint_staff(self) -> None:
        """The admin makes the instructor role the course-staff role (``/setup staff-role``)."""
        await self.admin.slash(self.staff, "setup staff-role", role=self.instructor_role)

    async def forum_post(
        self, learner: simcord.MemberActor, title: str, text: str
    ) -> tuple[simcord.ChannelHandle, discord.Message]:
        """A learner starts their own forum post.

        SimCord has no actor verb for a user opening a forum post, so the
        thread is made with its backend (as Discord would, THREAD_CREATE
        included) and the learner then writes its first message.
        """
        backend = self.env.backend
        thread = backend.create_thread(self.forum.id, title, learner.id)
        handle = simcord.ChannelHandle(self.env, self.guild, thread)
        message = await learner.send(handle, text)
        return handle, message

    def deny_bot(self, channel: simcord.ChannelHandle, *permissions: str) -> None:
        """Take permissions away from the bot in one channel (a misconfigured server)."""
        deny = discord.Permissions(**dict.fromkeys(permissions, True))
        me = self.env.backend.bot_user.id
        self.env.backend.set_overwrite(
            channel.id, Overwrite(target_id=me, type=OverwriteType.MEMBER, deny=deny.value)
        )

    def thread(self, channel_id: int) -> simcord.ChannelHandle:
        return simcord.ChannelHandle(self.env, self.guild, self.env.backend.get_channel(channel_id))


def show_staff_commands(
    env: simcord.Env, guild: simcord.GuildHandle, *roles: simcord.RoleHandle
) -> None:
    """What an admin does in Server Settings → Integrations: these roles see the staff commands.

    Staff commands are hidden (``default_permissions``) from members without Manage
    Server; a per-command allow for a role shows them to its members. Call it after
    the bot has synced its commands.
    """
    for command in env.backend.commands.get(None, {}).values():
        if command.get("default_member_permissions") is not None:
            guild.set_command_permissions(int(command["id"]), dict.fromkeys(roles, True))


def user_name(shown: str) -> str:
    """A Discord user name for a display name: ``Becky Russell`` → ``becky-russell``."""
    return re.sub(r"[^a-z0-9_.]+", "-", shown.lower()).strip("-")[:32] or "instructor"


def build_course_server(
    env: simcord.Env,
    learners: int = 12,
    instructor: str = "Ms Rivera",
    *,
    shard_id: int | None = None,
) -> CourseServer:
    """The sample server; ``instructor`` is the name shown (the demo takes the course file's).
    ``shard_id``: a guild whose id puts it in that shard (a sharded bot's tests)."""
    guild = env.create_guild("Library Learning", shard_id=shard_id)
    instructor_role = guild.create_role("Instructor")
    admin_role = guild.create_role("Admin", permissions=discord.Permissions(manage_guild=True))
    show_staff_commands(env, guild, instructor_role)
    learner_role = guild.create_role("Learner")
    forum = guild.create_forum_channel("course-forum")
    announcements = guild.create_text_channel("announcements")
    staff = guild.create_text_channel("staff")
    teacher = guild.add_member(
        env.create_user(user_name(instructor), global_name=instructor), roles=[instructor_role]
    )
    people = [
        guild.add_member(env.create_user(name, global_name=name.title()), roles=[learner_role])
        for name in LEARNER_NAMES[:learners]
    ]
    outsider = guild.add_member(env.create_user("passer-by"))
    admin = guild.add_member(env.create_user("site-admin"), roles=[admin_role])
    return CourseServer(
        env,
        guild,
        instructor_role,
        learner_role,
        forum,
        announcements,
        staff,
        teacher,
        people,
        outsider,
        admin,
    )
