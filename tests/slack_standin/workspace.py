"""The workspace the stand-in plays: users, user groups, conversations, messages, files.

Plain data, no I/O. Ids look like Slack's (`T…`, `U…`, `C…` channels public and private
alike, as Slack now issues them, `D…` DMs, `S…` user groups, `F…` files, `V…` views), and a
message is named by its channel and `ts` ("seconds.micro", unique and increasing).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

TEAM_ID = "T0COHORT"
TEAM_DOMAIN = "cohort-school"
APP_ID = "A0COHORTBOT"
BOT_ID = "B0COHORTBOT"
BOT_USER_ID = "U0COHORTBOT"

# The bot's scopes: exactly what the app manifest grants (slack-manifest.yaml), so a call
# the manifest does not allow fails here as it would in a workspace installed from it. A
# test narrows `Workspace.bot_scopes`.
MANIFEST = Path(__file__).resolve().parents[2] / "slack-manifest.yaml"
BOT_SCOPES = frozenset(yaml.safe_load(MANIFEST.read_text())["oauth_config"]["scopes"]["bot"])


def ts_key(ts: str) -> tuple[int, int]:
    """A ts as a number that compares exactly (a float cannot hold 16 digits)."""
    seconds, _, micros = ts.partition(".")
    return int(seconds), int(micros.ljust(6, "0")[:6] or 0)


@dataclass
class User:
    id: str
    name: str
    real_name: str
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    deleted: bool = False
    tz: str = "America/Los_Angeles"
    display_name: str | None = None  # as set in the profile; ``name`` when not set

    def info(self) -> dict[str, Any]:
        """The `user` object of `users.info`."""
        return {
            "id": self.id,
            "team_id": TEAM_ID,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": self.real_name,
            "tz": self.tz,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "profile": {
                "real_name": self.real_name,
                "display_name": self.name if self.display_name is None else self.display_name,
                "team": TEAM_ID,
            },
        }

    def ref(self) -> dict[str, Any]:
        """The `user` object of an interaction payload."""
        return {"id": self.id, "username": self.name, "name": self.name, "team_id": TEAM_ID}


@dataclass
class Message:
    ts: str
    user: str
    text: str
    thread_ts: str | None = None
    blocks: list[dict[str, Any]] | None = None
    metadata: dict[str, Any] | None = None
    files: list[dict[str, Any]] | None = None
    subtype: str | None = None
    edited_ts: str | None = None
    replies: list[Message] = field(default_factory=list)
    bot_id: str | None = None  # another app's message (ours is known by its user)

    @property
    def from_bot(self) -> bool:
        return self.user == BOT_USER_ID

    def to_api(self, *, with_metadata: bool = False) -> dict[str, Any]:
        """The message as `conversations.history`, `.replies` and events show it."""
        m: dict[str, Any] = {"type": "message", "user": self.user, "text": self.text, "ts": self.ts}
        if self.subtype:
            m["subtype"] = self.subtype
        if self.from_bot:
            m |= {"bot_id": BOT_ID, "app_id": APP_ID}
        else:
            m["team"] = TEAM_ID
            if self.bot_id:
                m["bot_id"] = self.bot_id
        if self.blocks is not None:
            m["blocks"] = self.blocks
        if self.files:
            m["files"] = self.files
        if self.edited_ts:
            m["edited"] = {"user": self.user, "ts": self.edited_ts}
        if self.thread_ts:
            m["thread_ts"] = self.thread_ts
        if self.replies:  # a thread's parent
            m |= {
                "reply_count": len(self.replies),
                "reply_users": sorted({r.user for r in self.replies}),
                "reply_users_count": len({r.user for r in self.replies}),
                "latest_reply": self.replies[-1].ts,
            }
        if with_metadata and self.metadata is not None:
            m["metadata"] = self.metadata
        return m


@dataclass
class Conversation:
    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    is_archived: bool = False
    members: set[str] = field(default_factory=set)
    messages: list[Message] = field(default_factory=list)  # top level, oldest first
    creator: str = BOT_USER_ID

    @property
    def kind(self) -> str:
        """Which family of scopes reads it: channels, groups (private) or im."""
        return "im" if self.is_im else "groups" if self.is_private else "channels"

    def find(self, ts: str) -> Message | None:
        for m in self.messages:
            if m.ts == ts:
                return m
            for r in m.replies:
                if r.ts == ts:
                    return r
        return None

    def info(self, viewer: str) -> dict[str, Any]:
        """The `channel` object of `conversations.info`."""
        if self.is_im:
            other = next(iter(self.members - {BOT_USER_ID}), BOT_USER_ID)
            return {"id": self.id, "is_im": True, "user": other, "is_open": True}
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": True,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_general": False,
            "is_member": viewer in self.members,
            "created": 1_700_000_000,
            "creator": self.creator,
            "context_team_id": TEAM_ID,
        }


@dataclass
class Workspace:
    """Everything the stand-in knows. Tests build it, the server reads and changes it."""

    clock: Callable[[], float] = time.time
    users: dict[str, User] = field(default_factory=dict)
    usergroups: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # id: handle, users
    conversations: dict[str, Conversation] = field(default_factory=dict)
    bot_scopes: set[str] = field(default_factory=lambda: set(BOT_SCOPES))
    scopes_asked: set[str] = field(default_factory=set)  # every scope a call needed, granted or not
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # id: record, with "content"
    views: list[dict[str, Any]] = field(default_factory=list)  # opened by views.open
    ephemeral: list[dict[str, Any]] = field(default_factory=list)  # what only one user saw
    _last_micros: int = 0
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.users.setdefault(BOT_USER_ID, User(BOT_USER_ID, "cohortbot", "cohortbot", is_bot=True))

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def next_ts(self) -> str:
        """A fresh message ts: the clock's time in microseconds, kept unique and increasing."""
        micros = max(int(self.clock() * 1_000_000), self._last_micros + 1)
        self._last_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def add_user(self, name: str, **kw: Any) -> User:
        user = User(self.new_id("U"), name, kw.pop("real_name", name.title()), **kw)
        self.users[user.id] = user
        return user

    def add_usergroup(self, handle: str, members: list[User]) -> str:
        gid = self.new_id("S")
        self.usergroups[gid] = (handle, [u.id for u in members])
        return gid

    def add_channel(
        self, name: str, members: list[User], *, private: bool = False, bot: bool = True
    ) -> Conversation:
        ids = {u.id for u in members} | ({BOT_USER_ID} if bot else set())
        conv = Conversation(self.new_id("C"), name, private, members=ids)
        self.conversations[conv.id] = conv
        return conv

    def open_im(self, user_id: str) -> Conversation:
        for conv in self.conversations.values():
            if conv.is_im and conv.members == {BOT_USER_ID, user_id}:
                return conv
        conv = Conversation(self.new_id("D"), user_id, is_im=True, members={BOT_USER_ID, user_id})
        self.conversations[conv.id] = conv
        return conv

    def user_named(self, name: str) -> User:
        return next(u for u in self.users.values() if u.name == name)

    def channel_named(self, name: str) -> Conversation:
        return next(c for c in self.conversations.values() if c.name == name and not c.is_im)

    def _conversation(self, channel: Conversation | str) -> Conversation:
        if isinstance(channel, Conversation):
            return channel
        return self.conversations.get(channel) or self.channel_named(channel)

    # What the app did, for assertions.
    def posted(self, channel: Conversation | str) -> list[Message]:
        """The app's messages in a conversation (given by id or name), top level and in
        threads, oldest first."""
        conv = self._conversation(channel)
        every = [m for top in conv.messages for m in (top, *top.replies)]
        return sorted((m for m in every if m.from_bot), key=lambda m: ts_key(m.ts))

    def dms(self, user: User) -> list[Message]:
        """What the app sent a user by DM."""
        ims = [
            c
            for c in self.conversations.values()
            if c.is_im and c.members == {BOT_USER_ID, user.id}
        ]
        return self.posted(ims[0]) if ims else []

    def ephemeral_to(self, user: User) -> list[dict[str, Any]]:
        return [e for e in self.ephemeral if e["user"] == user.id]


def standard_workspace(learners: int = 4, clock: Callable[[], float] = time.time) -> Workspace:
    """A course workspace: an admin, an instructor, learners, an outsider; a staff and a
    learner group; a public cohort channel, a private one and #general, the bot in the first two."""
    ws = Workspace(clock=clock)
    admin = ws.add_user("admin", is_admin=True)
    instructor = ws.add_user("instructor", real_name="Becky Russell")
    people = [ws.add_user(f"learner{i}") for i in range(1, learners + 1)]
    outsider = ws.add_user("outsider")
    ws.add_usergroup("cohort-staff", [instructor])
    ws.add_usergroup("cohort-learners", people)
    ws.add_channel("cohort", [instructor, *people])
    ws.add_channel("cohort-private", [instructor, *people], private=True)
    ws.add_channel("general", [admin, instructor, *people, outsider], bot=False)
    return ws
