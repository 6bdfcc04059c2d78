"""Plain Python values on both sides of a warehouse: bound parameters in, decoded rows out."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any


def to_naive_utc(value: Any) -> Any:
    """Embedded mode stores BigQuery TIMESTAMPs as naive UTC: bind instants the same way."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, list | tuple):
        return [to_naive_utc(item) for item in value]
    return value


def decode(value: Any) -> Any:
    """Rows carry aware UTC datetimes, floats for decimals, and plain lists and dicts."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        return [decode(item) for item in value]
    if isinstance(value, dict):
        return {key: decode(item) for key, item in value.items()}
    return value
