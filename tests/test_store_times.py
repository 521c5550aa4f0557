"""Store times: UTC text that sorts, read back to the same aware instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.store.db import from_text, to_text


@pytest.mark.parametrize(
    "instant",
    [
        datetime(2026, 10, 13, 16, 0, tzinfo=UTC),
        datetime(2026, 3, 8, 9, 59, 59, 999_999, tzinfo=UTC),
        datetime(2026, 11, 1, 1, 30, tzinfo=timezone(timedelta(hours=-7))),  # stored as UTC
    ],
)
def test_a_stored_time_reads_back_as_the_same_utc_instant(instant: datetime):
    back = from_text(to_text(instant))
    assert back == instant and back.utcoffset() == timedelta(0)


def test_sqlites_own_millisecond_times_read_too():
    assert from_text("2026-10-13T16:00:00.250Z") == datetime(
        2026, 10, 13, 16, 0, 0, 250_000, tzinfo=UTC
    )


@pytest.mark.parametrize("text", ["2026-10-13T16:00:00.000000", "2026-10-13T16:00:00+02:00", ""])
def test_a_time_not_written_by_the_store_is_refused(text: str):
    with pytest.raises(ValueError):
        from_text(text)
