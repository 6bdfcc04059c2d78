"""A report's JSON text (report/json_text.py) is exactly `json.dumps(indent=2,
ensure_ascii=False)`'s, for any document, and fails as `json.dumps` fails."""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeval.report.json_text import dumps


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
