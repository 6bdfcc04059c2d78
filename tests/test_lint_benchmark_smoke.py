"""`benchmarks.lint_speed` on a tiny tree, one repetition: it cannot rot unnoticed, and the main
benchmark keeps its section when it rewrites docs/benchmarks.md. No timing is asserted."""

from __future__ import annotations

from pathlib import Path

from benchmarks.lint_speed import END, START, generate_tree, keep_section, main, measure_tree


def test_the_generated_tree_has_the_findings_it_was_built_with(tmp_path: Path) -> None:
    generate_tree(tmp_path, 20)
    figures = measure_tree(tmp_path, warmup=0, reps=1)
    assert figures.files == 20
    # one hot single-row write in files 0 and 10, a DELETE per date in files 0, 7 and 14,
    # and each module's SQL built from its parameters
    assert figures.findings >= 5
    assert set(figures.timings) == {"parse", "lint", "lint_one_process", "cli"}


def test_the_section_is_written_between_markers_and_kept_by_the_main_benchmark(
    tmp_path: Path,
) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text("# Benchmarks\n\nThe main figures.\n", encoding="utf-8")
    main.main(
        ["--files", "12", "--warmup", "0", "--reps", "1", "--output", str(page)],
        standalone_mode=False,
    )
    text = page.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nThe main figures.\n")
    assert text.count(START) == text.count(END) == 1
    assert "| 8,000 |" in text
    section = text[text.index(START) : text.index(END) + len(END)]
    rewritten = keep_section("# Benchmarks\n\nNew main figures.\n", page)
    assert rewritten.startswith("# Benchmarks\n\nNew main figures.\n")
    assert section in rewritten
    # running it again replaces the section rather than adding a second one
    main.main(
        ["--files", "12", "--warmup", "0", "--reps", "1", "--output", str(page)],
        standalone_mode=False,
    )
    assert page.read_text(encoding="utf-8").count(START) == 1
