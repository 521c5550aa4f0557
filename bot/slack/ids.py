"""Slack's ids as the store keeps them (integers), and back.

A message ``ts`` (``"1760371200.000100"``, unique within its channel) becomes a 64-bit id
of Discord's snowflake layout: the milliseconds since 2015 in the top bits, then the rest
of the microseconds, then 12 bits of the channel. So it sorts by time, says when it was
written (``bot.snowflake.made_at``) and fits every message-id column, cursor and query
unchanged. Channels, users, user groups and the workspace get surrogates from the store
(``store.external``), keyed ``"<team>/<id>"``.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from decimal import Decimal

from bot.snowflake import DISCORD_EPOCH

_EPOCH_MS = int(DISCORD_EPOCH.timestamp() * 1000)


def ts_id(ts: str, channel: str) -> int:
    """The integer id of the message ``ts`` in ``channel``."""
    micros = int(Decimal(ts) * 1_000_000)
    millis, rest = divmod(micros, 1000)
    return (millis - _EPOCH_MS) << 22 | rest << 12 | (zlib.crc32(channel.encode()) & 0xFFF)


def id_ts(message_id: int) -> str:
    """The ``ts`` of a message from its integer id (the channel is kept elsewhere)."""
    millis = (message_id >> 22) + _EPOCH_MS
    rest = (message_id >> 12) & 0x3FF
    micros = millis * 1000 + rest
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def ts_at(instant: datetime) -> str:
    """A ``ts`` for ``oldest``/``latest`` in history reads."""
    return f"{instant.astimezone(UTC).timestamp():.6f}"


def date_token(instant: datetime, fallback: str) -> str:
    """Slack shows everyone ``instant`` in their own time zone."""
    unix = int(instant.timestamp())
    return f"<!date^{unix}^{{date_short_pretty}} {{time}}|{fallback}>"
