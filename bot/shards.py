"""Which process serves which servers, when the bot runs as more than one process.

Discord splits a bot's guilds into shards by a rule of its own: a guild belongs
to shard ``(guild_id >> 22) % shard_count``, and a gateway connection for that
shard is the only one that hears the guild's events. A process runs some of the
shards (``SHARD_IDS`` of ``SHARD_COUNT``) and schedules and delivers only for
cohorts in its own shards; the claims in the store keep each item exactly once
even if two processes ever served one shard.

Slack has no shards. A workspace (its team id, ``T…``; ``E…`` for an Enterprise
Grid org) is given to a shard number by a stable hash of its id, so the same
``SHARD_IDS`` of ``SHARD_COUNT`` split Slack workspaces across the processes too.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

_TEAM_ID = re.compile(r"[TE][A-Z0-9]{2,}")


def guild_shard(guild_id: int, shard_count: int) -> int:
    """The shard that hears this guild: Discord's rule (the id's timestamp bits, modulo)."""
    if shard_count < 1:
        raise ValueError(f"shard_count must be 1 or more, not {shard_count}")
    return (guild_id >> 22) % shard_count


def team_shard(team_id: str, shard_count: int) -> int:
    """The shard number of a Slack workspace: the first 8 bytes of SHA-256 of its team id,
    modulo. Stable across processes, restarts and Python versions (``hash()`` is not)."""
    if shard_count < 1:
        raise ValueError(f"shard_count must be 1 or more, not {shard_count}")
    if not _TEAM_ID.fullmatch(team_id):
        raise ValueError(f"{team_id!r} is not a Slack team id (such as T024BE7LD)")
    digest = hashlib.sha256(team_id.encode("ascii")).digest()
    return int.from_bytes(digest[:8], "big") % shard_count


@dataclass(frozen=True)
class Shards:
    """The shards one process serves: ``ids`` of ``count``."""

    count: int = 1
    ids: tuple[int, ...] = (0,)

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError(f"the shard count must be 1 or more, not {self.count}")
        if not self.ids:
            raise ValueError("a process must serve at least one shard")
        if len(set(self.ids)) != len(self.ids):
            raise ValueError(f"shard {_first_repeat(self.ids)} is named twice")
        outside = [i for i in self.ids if not 0 <= i < self.count]
        if outside:
            raise ValueError(
                f"shard {outside[0]} is not one of 0 to {self.count - 1} (of {self.count})"
            )

    @classmethod
    def every(cls, count: int = 1) -> Shards:
        return cls(count, tuple(range(count)))

    @property
    def whole(self) -> bool:
        """Serves every shard: nothing to filter."""
        return len(self.ids) == self.count

    @property
    def syncs_commands(self) -> bool:
        """Global slash commands are synced by one process only: the one that holds shard 0
        (it also hears DMs, which Discord sends to shard 0)."""
        return 0 in self.ids

    def owns_guild(self, guild_id: int) -> bool:
        return guild_shard(guild_id, self.count) in self.ids

    def owns_team(self, team_id: str) -> bool:
        return team_shard(team_id, self.count) in self.ids

    def __str__(self) -> str:
        return f"shards {','.join(map(str, self.ids))} of {self.count}"


def _first_repeat(ids: tuple[int, ...]) -> int:
    seen: set[int] = set()
    for i in ids:
        if i in seen:
            return i
        seen.add(i)
    raise AssertionError("no repeat")
