"""Values and types across the BigQuery boundary: named query parameters typed from their Python
values, job labels, and table fields as Columns. Imported only with the BigQuery adapter."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from pipeval.errors import BackendError
from pipeval.ports import Column
from pipeval.types import normalize_type

_LABEL_VALUE_RE = re.compile(r"[^a-z0-9_-]+")
LABEL_MAX = 63


def label_value(text: str) -> str:
    """A BigQuery label value: lowercase, [a-z0-9_-] only, at most 63 characters."""
    return _LABEL_VALUE_RE.sub("_", text.lower()).strip("_")[:LABEL_MAX]


def job_labels(query_label: str = "", check: str = "") -> dict[str, str]:
    """`tool=pipeval` plus the check and the query, so users can find pipeval's own cost."""
    labels = {"tool": "pipeval"}
    for key, text in (("check", check), ("query", query_label)):
        value = label_value(text)
        if value:
            labels[key] = value
    return labels


def query_parameter(name: str, value: Any) -> Any:
    """A named BigQuery parameter typed from its Python value."""
    from google.cloud import bigquery

    if isinstance(value, list | tuple):
        present = [item for item in value if item is not None]
        element = _scalar_type(name, present[0]) if present else "STRING"
        return bigquery.ArrayQueryParameter(name, element, [_scalar(item) for item in value])
    return bigquery.ScalarQueryParameter(name, _scalar_type(name, value), _scalar(value))


def _scalar_type(name: str, value: Any) -> str:
    # Order matters: bool is an int and datetime is a date.
    for python_type, bigquery_type in (
        (bool, "BOOL"),
        (int, "INT64"),
        (float, "FLOAT64"),
        (Decimal, "NUMERIC"),
        (str, "STRING"),
        (bytes, "BYTES"),
        (datetime, "TIMESTAMP"),
        (date, "DATE"),
    ):
        if isinstance(value, python_type):
            return bigquery_type
    if value is None:
        return "STRING"
    raise BackendError(f"parameter @{name}: cannot bind a {type(value).__name__}")


def _scalar(value: Any) -> Any:
    # Naive datetimes are UTC instants, as everywhere in pipeval.
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def column_from_field(field: Any) -> Column:
    """A BigQuery SchemaField as a Column: normalised type, mode and nested fields."""
    return Column(
        name=field.name,
        type=normalize_type(field.field_type),
        mode=(field.mode or "NULLABLE").upper(),
        fields=tuple(column_from_field(sub) for sub in field.fields),
    )
