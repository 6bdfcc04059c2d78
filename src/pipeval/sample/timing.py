"""Wall-clock helpers: the pipeline is scheduled in US/Eastern, the warehouse stores naive UTC."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

EASTERN = ZoneInfo("America/New_York")


@lru_cache(maxsize=4096)  # a few window bounds per date, asked for by every row of that date
def eastern_to_utc(day: date, hour: float) -> datetime:
    """Naive UTC for `hour` (fractional, may pass 24) after midnight of `day` in US/Eastern."""
    # Aware-datetime arithmetic is wall-clock arithmetic; zoneinfo resolves the offset after it.
    local = datetime.combine(day, time(), tzinfo=EASTERN) + timedelta(hours=hour)
    return local.astimezone(UTC).replace(tzinfo=None)


def eastern_between(rng: random.Random, day: date, start_hour: float, end_hour: float) -> datetime:
    """A random naive-UTC moment between two Eastern wall-clock hours of `day`."""
    return between(rng, eastern_to_utc(day, start_hour), eastern_to_utc(day, end_hour))


def between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A random moment in [start, end), whole milliseconds, as BigQuery job times are."""
    span_ms = int((end - start).total_seconds() * 1000)
    return start + timedelta(milliseconds=rng.randrange(max(span_ms, 1)))


def iso_z(moment: datetime) -> str:
    """ISO-8601 in UTC with a `Z`, the way Firestore timestamps are exported."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def sql_ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def days(start: date, end: date) -> list[date]:
    """Every date from start to end, inclusive."""
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def uuid4(rng: random.Random) -> str:
    """A random (version 4) UUID drawn from `rng`, so ids repeat exactly for a given seed."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))
