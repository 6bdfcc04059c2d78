"""The morning after: the one place that says when a day is judged by default."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from pipeval.clock import iso_instant, morning_after


@pytest.mark.parametrize(
    ("day", "tz", "expected"),
    [
        # Eastern winter: 15:00 EST is 20:00Z
        (date(2026, 1, 26), "America/New_York", datetime(2026, 1, 27, 20, tzinfo=UTC)),
        # the night the clocks go forward (2026-03-08): 15:00 EDT is 19:00Z
        (date(2026, 3, 7), "America/New_York", datetime(2026, 3, 8, 19, tzinfo=UTC)),
        (date(2026, 3, 20), "America/New_York", datetime(2026, 3, 21, 19, tzinfo=UTC)),
        # and back (2025-11-02): EST again
        (date(2025, 11, 1), "America/New_York", datetime(2025, 11, 2, 20, tzinfo=UTC)),
        # another profile's zone, and UTC itself
        (date(2026, 1, 26), "America/Los_Angeles", datetime(2026, 1, 27, 23, tzinfo=UTC)),
        (date(2026, 1, 26), "UTC", datetime(2026, 1, 27, 15, tzinfo=UTC)),
    ],
)
def test_the_morning_after_is_15_00_the_next_day_in_the_zone(
    day: date, tz: str, expected: datetime
) -> None:
    assert morning_after(day, tz) == expected


def test_an_instant_is_written_as_an_as_of_value() -> None:
    assert iso_instant(morning_after(date(2026, 3, 20), "America/New_York")) == (
        "2026-03-21T19:00:00Z"
    )
