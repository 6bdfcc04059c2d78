"""Reports on a terminal are rendered (rich); piped output and --output files stay Markdown."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

DEMO = ("--date", "2026-01-26", "--as-of", "2026-01-27T20:00:00Z")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_rendered_markdown(
    monkeypatch: pytest.MonkeyPatch, sample_urls: list[str]
) -> None:
    from pipeval.cli.main import main

    screen = Terminal()
    monkeypatch.setattr("sys.stdout", screen)
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit) as done:
        main(["daily", *DEMO, *sample_urls])
    text = screen.getvalue()
    assert done.value.code == 2
    assert "Diagnosis" in text and "quota.table_operations" in text
    for raw in ("\\~", "\\_", "<br>", "## ", "|---"):
        assert raw not in text, raw


def test_piped_and_written_reports_stay_markdown(
    run_cli: Callable[..., tuple[int, str, str]], sample_urls: list[str], tmp_path: Path
) -> None:
    _, out, _ = run_cli("daily", *DEMO, *sample_urls)
    assert out.startswith("# pipeval daily") and "## Diagnosis" in out and "\\~" in out
    report = tmp_path / "r.md"
    run_cli("daily", *DEMO, *sample_urls, "--output", str(report))
    written = report.read_text(encoding="utf-8")
    assert written.startswith("# pipeval daily") and "## Diagnosis" in written and "\\~" in written


def test_a_line_break_in_a_cell_is_a_separator_on_screen() -> None:
    from pipeval.report.terminal import for_terminal

    assert for_terminal("| a<br>b |") == "| a / b |"
