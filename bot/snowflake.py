"""Discord ids are timestamps: the top 42 bits of a message's id are the
milliseconds since 2015 at which it was written.

So "when was it written" needs no datetime per message: the tracker compares
ids with the first id of each course week (see ``bot.tracking.Followed``), and
the store writes the time from the id.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

DISCORD_EPOCH = datetime(2015, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)
_TIME_SHIFT = 22  # the low 22 bits tell apart ids made in the same millisecond


def first_id_at(instant: datetime) -> int:
    """The smallest id of anything made at ``instant`` (to the millisecond) or later."""
    return (instant - DISCORD_EPOCH) // _MILLISECOND << _TIME_SHIFT


def made_at(snowflake: int) -> datetime:
    """When the thing with this id was made, to the millisecond."""
    return DISCORD_EPOCH + (snowflake >> _TIME_SHIFT) * _MILLISECOND
