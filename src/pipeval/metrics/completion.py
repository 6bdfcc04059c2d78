"""Phase completion documents from the state store, parsed against the DESIGN.md contract.

A document is one game date: each completed processor is a top-level key holding a map
`{status, completed_at, record_count}`; keys starting with `_` are metadata (`_triggered`,
`_triggered_at`, `_completed_count`, `_mode`). A value of the wrong type is reported naming
the document and the key, never guessed at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pipeval.errors import BackendError

STATUSES = ("success", "partial", "failed")


class MalformedDocument(BackendError):
    """A completion document breaks the contract; the message names the document and key."""


# Plain dataclasses, not frozen: a season run parses ~2,000 of them, and a frozen dataclass's
# __init__ (object.__setattr__ per field) costs several times a plain one. Nothing mutates them.
@dataclass
class ProcessorRun:
    name: str
    status: str
    completed_at: datetime | None
    record_count: int | None


@dataclass
class CompletionDoc:
    path: str
    processors: dict[str, ProcessorRun]
    triggered: bool | None
    triggered_at: datetime | None
    mode: str | None
    completed_count: int | None


def parse_completion(path: str, data: dict[str, Any]) -> CompletionDoc:
    processors = {
        key: _processor(path, key, value) for key, value in data.items() if not key.startswith("_")
    }
    triggered = data.get("_triggered")
    if triggered is not None and not isinstance(triggered, bool):
        raise MalformedDocument(f"{path}: _triggered must be true or false, got {triggered!r}")
    mode = data.get("_mode")
    if mode is not None and not isinstance(mode, str):
        raise MalformedDocument(f"{path}: _mode must be a string, got {mode!r}")
    return CompletionDoc(
        path=path,
        processors=processors,
        triggered=triggered,
        triggered_at=_instant(path, "_triggered_at", data.get("_triggered_at")),
        mode=mode,
        completed_count=_count(path, "_completed_count", data.get("_completed_count")),
    )


def _processor(path: str, key: str, value: object) -> ProcessorRun:
    if not isinstance(value, dict):
        raise MalformedDocument(
            f"{path}: processor {key!r} must be a map {{status, completed_at, record_count}}, "
            f"got {type(value).__name__}"
        )
    status = value.get("status")
    if status not in STATUSES:
        raise MalformedDocument(
            f"{path}: {key}.status must be one of {', '.join(STATUSES)}, got {status!r}"
        )
    return ProcessorRun(
        name=key,
        status=status,
        completed_at=_instant(path, key, value.get("completed_at"), ".completed_at"),
        record_count=_count(path, key, value.get("record_count"), ".record_count"),
    )


# `key` + `field` name the value in messages (`proc.record_count`); joined only for a message:
# a season's documents hold thousands of valid values.


def _count(path: str, key: str, value: object, field: str = "") -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedDocument(f"{path}: {key}{field} must be an integer, got {value!r}")
    return value


def _instant(path: str, key: str, value: object, field: str = "") -> datetime | None:
    """Firestore gives datetimes, the JSON directory ISO-8601 strings; both become aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise MalformedDocument(
                f"{path}: {key}{field} is not an ISO-8601 timestamp: {value!r}"
            ) from None
    if not isinstance(value, datetime):
        raise MalformedDocument(f"{path}: {key}{field} must be a timestamp, got {value!r}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
