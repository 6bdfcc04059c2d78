"""A report's JSON text (report/json_text.py) is exactly `json.dumps(indent=2,
ensure_ascii=False)`'s, for any document, and fails as `json.dumps` fails; the document a
result turns into (`results.jsonable`) is the same whether or not a class was seen before."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeval.report.json_text import dumps
from pipeval.results import Finding, Severity, jsonable


def standard(document: object) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False)


class Colour(StrEnum):
    RED = "red"


SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)  # any code point: quotes, backslashes, controls, U+2028, emoji
    | st.sampled_from([Colour.RED, True, 1.0, -0.0, 1e16, 1e-7])
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=30,
)


@settings(derandomize=True, max_examples=400, database=None, deadline=None)
@given(DOCUMENTS)
def test_the_text_is_the_standard_librarys(document: object) -> None:
    assert dumps(document) == standard(document)


@pytest.mark.parametrize(
    "document",
    [{}, [], {"a": {}, "b": [], "c": [[]]}, {1: "int key", None: "none", 2.5: "x", False: "y"}],
    ids=["empty-dict", "empty-list", "nested-empties", "keys-that-are-not-text"],
)
def test_edge_documents(document: object) -> None:
    assert dumps(document) == standard(document)


def test_a_value_json_cannot_hold_fails_as_json_dumps_does() -> None:
    with pytest.raises(TypeError, match="date is not JSON serializable"):
        dumps({"checks": [{"day": date(2026, 1, 25)}]})
    looped: list[object] = []
    looped.append(looped)
    with pytest.raises(ValueError, match="Circular reference"):
        dumps({"a": looped})


def test_repeated_keys_and_texts_are_written_as_the_standard_library_writes_them() -> None:
    """A lint report's shape: the same keys and long texts in thousands of findings, the same
    string as a key, a value and a list item, a StrEnum key among them."""
    why = "One load job per row: " * 20
    finding = {"path": "a.py", "line": 3, "rule": "r", "why": why, "call": 'é→è "q"\n'}
    document = {
        "checks": [{"findings": [dict(finding, line=n) for n in range(50)]}],
        "path": ["path", why, {"path": None}],
        Colour.RED: {"red": [1, 2.5, True, None, "red"]},
    }
    assert dumps(document) == standard(document)
    assert dumps(document) == dumps(document)  # nothing carried over from one document


@dataclass
class Inner:
    when: datetime
    tags: set[str] = field(default_factory=set)


@dataclass
class Outer:
    name: str
    inner: Inner
    items: list[Finding]
    by_key: dict[object, object]


class Listing(dict):  # a dict subclass goes by its items, as before
    pass


def test_jsonable_is_the_same_for_a_class_seen_before() -> None:
    value = Outer(
        "x",
        Inner(datetime(2026, 1, 2, 3, tzinfo=UTC), {"b", "a"}),
        [Finding(Severity.WARN, "m", data={"k": (1, date(2026, 1, 2))})],
        {1: Colour.RED, Colour.RED: Listing(a=Severity.FAIL), "s": [Inner(datetime(2026, 1, 1))]},
    )
    expected = {
        "name": "x",
        "inner": {"when": "2026-01-02T03:00:00Z", "tags": ["a", "b"]},
        "items": [
            {"severity": "WARN", "message": "m", "subject": "", "data": {"k": [1, "2026-01-02"]}}
        ],
        "by_key": {
            "1": "red",
            "red": {"a": "FAIL"},
            "s": [{"when": "2026-01-01T00:00:00", "tags": []}],
        },
    }
    assert jsonable(value) == expected
    assert jsonable(value) == expected  # the field names now come from the class's entry
    assert jsonable([value, (value,)]) == [expected, [expected]]
