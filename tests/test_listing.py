"""The one way findings list names and count things (listing.py)."""

from __future__ import annotations

from pipeval.listing import count, listed


def test_listed_caps_and_counts_the_rest() -> None:
    names = [f"p{i}" for i in range(15)]
    assert listed(names) == ", ".join(names[:12]) + " (+3 more)"
    assert listed(names[:2]) == "p0, p1"


def test_listed_counts_against_a_total_when_given_a_sample() -> None:
    assert listed(["a", "b"], total=7) == "a, b (+5 more)"
    assert listed(["a", "b"], total=2) == "a, b"


def test_count_pluralises_and_groups_thousands() -> None:
    assert count(1, "table") == "1 table"
    assert count(3, "person", "people") == "3 people"
    assert count(1500, "finding") == "1,500 findings"
