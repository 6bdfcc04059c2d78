"""The guard's benchmark (benchmarks/guard_speed.py) on one repetition: its cases run and its
section lands in docs/benchmarks.md in place. No timing is asserted."""

from __future__ import annotations

from benchmarks import guard_speed


def test_the_guard_benchmark_times_each_case() -> None:
    result = guard_speed.measure(reps=1)
    assert result["lines"] == 2000
    # the flagged one-row write comes back (2) whether or not the profile facts were cached
    assert [result[case]["exit_codes"] for case in ("warm", "cold", "markdown")] == [[2], [2], [0]]
    for case in ("warm", "cold", "markdown"):
        wall = result[case]["wall"]
        assert result[case]["n"] == 1 and 0 < wall["min"] <= wall["median"] <= wall["max"]
    block = guard_speed.section(result)
    assert block.startswith(guard_speed.BEGIN) and block.rstrip().endswith(guard_speed.END)
    assert "| edit of a pipeline file" in block


def test_the_section_is_replaced_in_place_or_added_before_reproduce() -> None:
    page = "# Benchmarks\n\n## CLI start-up\n\nfast\n\n## Reproduce\n\nrun it\n"
    block = f"{guard_speed.BEGIN}\n## Edit-time guard\n\nold\n{guard_speed.END}\n"
    once = guard_speed.splice(page, block)
    assert once.index("## Edit-time guard") < once.index("## Reproduce")
    newer = block.replace("old", "new")
    twice = guard_speed.splice(once, newer)
    assert "new" in twice and "\nold\n" not in twice
    assert twice.count(guard_speed.BEGIN) == 1
    assert twice.replace("new", "old") == once
