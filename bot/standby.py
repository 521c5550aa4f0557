"""Which of two processes with the same shards is active: the election rule.

Processes that serve the same shard set (``SHARD_IDS`` of ``SHARD_COUNT``, or the
whole bot when unsharded) on one PostgreSQL database elect one of them by a
session-level advisory lock per platform: the process holding the lock keyed by its
shard set and platform is active (it connects to Discord's gateway or Slack's Socket
Mode, schedules, delivers); the others are standbys that try again every ``RETRY``
seconds and do nothing else. A process that runs both platforms must hold both locks
(``lock_keys``, taken in that order on one session, all or none), so it never runs
beside a process of either platform alone with the same shards. The lock
is held by a database session, so it is released the moment that session ends:
the active process exiting or killed (its socket closed by the kernel), or, for
a machine that vanished, when the server's TCP keepalive gives up on it
(``KEEPALIVE``, set on the lock's own connection).

Pure: the key and the bounds only; the lock itself is in ``bot.store.election``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from bot.cohort import PlatformName
from bot.shards import Shards

RETRY = 2.0  # seconds between a standby's tries for the lock
# The lock session's TCP keepalive on the server side (idle, interval, count): a peer
# that stopped answering without closing its socket is dropped after 10 + 3 × 5 s.
KEEPALIVE = (10, 5, 3)
_NAMESPACE = b"cohortbot/standby/v1:"


def lock_key(shards: Shards | None, platform: PlatformName = PlatformName.DISCORD) -> int:
    """The advisory-lock key of a shard set on a platform: a signed 64-bit integer
    (PostgreSQL's bigint).

    The same shard set gives the same key in every process, on every Python
    version (SHA-256 of a canonical text, not ``hash()``); the order ``SHARD_IDS``
    names the shards in does not matter. ``None`` (no sharding) is the whole bot,
    as one shard of one. Discord's key is the one it had before Slack came.
    """
    served = shards or Shards.every(1)
    text = f"{served.count}:{','.join(map(str, sorted(served.ids)))}"
    if platform is not PlatformName.DISCORD:
        text = f"{platform.value}:{text}"
    digest = hashlib.sha256(_NAMESPACE + text.encode("ascii")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def lock_keys(shards: Shards | None, platforms: Iterable[PlatformName]) -> tuple[int, ...]:
    """The locks a process running ``platforms`` must hold, in the one order every process
    takes them in (Discord, then Slack)."""
    wanted = set(platforms)
    return tuple(lock_key(shards, p) for p in PlatformName if p in wanted)


def served_text(shards: Shards | None, platforms: Iterable[PlatformName]) -> str:
    """What a process's standby locks guard, for its log: ``the whole bot (Discord)``."""
    wanted = set(platforms)
    names = " and ".join(p.value.title() for p in PlatformName if p in wanted)
    return f"{shards if shards is not None else 'the whole bot'} ({names})"


def dead_peer_bound() -> float:
    """Seconds, at most, until the server ends the session of a machine that vanished."""
    idle, interval, count = KEEPALIVE
    return float(idle + interval * count)
