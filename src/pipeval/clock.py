"""Deterministic time: "now" is --as-of when given, else the clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeval.errors import ConfigError, InputError

EARLIEST_DATE = date(2000, 1, 1)
# Far enough for any real run, near enough that windows and cascades never leave datetime's range.
LATEST_DATE = date(2999, 12, 31)


def parse_as_of(value: str | None) -> datetime:
    """Parse an ISO-8601 instant; a value without offset is read as UTC."""
    if value is None:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"--as-of {value!r} is not an ISO-8601 timestamp") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if not EARLIEST_DATE <= parsed.date() <= LATEST_DATE:
        raise InputError(f"--as-of {value} is outside {EARLIEST_DATE}..{LATEST_DATE}")
    return parsed.astimezone(UTC)


def parse_date(value: str, option: str = "--date") -> date:
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None
    if parsed < EARLIEST_DATE:
        raise InputError(f"{option} {value} is before {EARLIEST_DATE}")
    if parsed > LATEST_DATE:
        raise InputError(f"{option} {value} is after {LATEST_DATE}")
    return parsed


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"timezone {name!r} is unknown") from None


def local_date(instant: datetime, tz: str) -> date:
    return instant.astimezone(zone(tz)).date()


def default_date(as_of: datetime, tz: str) -> date:
    """Yesterday in the profile's timezone: the last full game day."""
    return local_date(as_of, tz) - timedelta(days=1)


def check_not_future(day: date, as_of: datetime, tz: str, option: str = "--date") -> date:
    # Pre-game data for tomorrow can exist (the "tomorrow" mode); later dates cannot.
    latest = local_date(as_of, tz) + timedelta(days=1)
    if day > latest:
        raise InputError(f"{option} {day} is after the as-of date {local_date(as_of, tz)}")
    return day


def local_time(day: date, hhmm: str, tz: str) -> datetime:
    """The instant at HH:MM local time on `day` (aware, UTC)."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone(tz))
    return local.astimezone(UTC)


# A day is judged the morning after at this local time: the overnight run (05:00-08:00 in the
# pipeline's zone) is done and the pre-game run has started.
MORNING_AFTER = "15:00"


def morning_after(day: date, tz: str) -> datetime:
    """When `day` is judged by default (the demo, the benchmark): the next day, 15:00 in `tz`."""
    return local_time(day + timedelta(days=1), MORNING_AFTER, tz)


def iso_instant(instant: datetime) -> str:
    """An aware instant as an --as-of value: UTC with a Z."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def check_range(first: date, last: date, max_days: int, start_option: str, end_option: str) -> int:
    """Bad input unless first <= last and the range fits the profile's limit; its length."""
    if last < first:
        raise InputError(f"{end_option} {last} is before {start_option} {first}")
    days = (last - first).days + 1
    if days > max_days:
        raise InputError(
            f"range {first}..{last} is {days} days, over the profile's limit of "
            f"{max_days} (historical.max_range_days)"
        )
    return days


def date_range(start: date, end: date) -> list[date]:
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]
