"""Markdown rendering: escaping of values from data, and the daily template's layout."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from markdown_it import MarkdownIt

from pipeval.report.markdown import code, escape
from pipeval.report.render import render
from pipeval.results import CheckResult, Finding, Severity, Status, SuiteResult

HOSTILE = [
    "a | b",
    "`rm -rf`",
    "<script>alert(1)</script>",
    "Can't connect\nsecond line",
    "**bold** _it_ [link](http://x)",
    "# not a heading",
    "1. not a list",
    "- not a bullet",
    "back\\slash",
    "&amp; entity",
]


def _cell_text(markdown: str) -> str:
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    cells = [t for t in tokens if t.type == "inline"]
    return cells[-1].children and "".join(
        child.content
        if child.type in {"text", "code_inline"}
        else ("\n" if child.type in {"html_inline"} and child.content == "<br>" else "")
        for child in cells[-1].children
    )


@pytest.mark.parametrize("value", HOSTILE)
def test_escaped_values_render_literally_in_a_table_cell(value: str) -> None:
    table = f"| h |\n|---|\n| {escape(value)} |\n"
    assert _cell_text(table) == value


@pytest.mark.parametrize("value", ["plain", "a`b", "``x``", "`"])
def test_code_spans_survive_backticks(value: str) -> None:
    tokens = MarkdownIt("commonmark").parseInline(code(value))
    assert tokens[0].children[0].type == "code_inline"
    assert tokens[0].children[0].content.strip() == value.strip()


def _result(*checks: CheckResult) -> SuiteResult:
    return SuiteResult(
        suite="daily",
        as_of=datetime(2026, 1, 27, 15, tzinfo=UTC),
        target={"date": "2026-01-26"},
        warehouse="duckdb:///x",
        checks=list(checks),
        stats={"queries": 3, "bytes_processed": 0},
    )


def test_daily_template_summary_first_then_failing_details() -> None:
    ok = CheckResult("quota.errors", "quota", Status.OK, "no quota errors")
    bad = CheckResult.from_findings(
        "completeness.phase3",
        "nba_analytics.player_game_summary: 2 of 9 games missing",
        [Finding(Severity.FAIL, "missing: 20260126_LAL_BOS | x", subject="t")],
        remediation=["Re-run phase3"],
    )
    text = render("daily.md.j2", _result(ok, bad).to_dict())
    lines = text.splitlines()
    assert lines[0].startswith("# pipeval daily") and "FAIL" in lines[0]
    table_row = next(line for line in lines if line.startswith("| completeness.phase3"))
    assert "❌ FAIL" in table_row
    assert text.index("| quota.errors") < text.index("## Details")
    assert "### ❌ completeness.phase3" in text and "### ✅ quota.errors" not in text
    assert "20260126\\_LAL\\_BOS \\| x" not in text and "20260126_LAL_BOS \\| x" in text
    assert "1. Re-run phase3" in text


def test_error_checks_are_listed_as_could_not_run() -> None:
    text = render("daily.md.j2", _result(CheckResult.error("quota.errors", "denied")).to_dict())
    assert "**Could not run:** quota.errors" in text


def test_json_document_matches_the_contract() -> None:
    document = _result(CheckResult("quota.errors", "quota", Status.WARN, "s")).to_dict()
    assert set(document) >= {
        "suite",
        "status",
        "as_of",
        "target",
        "warehouse",
        "pipeval_version",
        "duration_s",
        "stats",
        "checks",
    }
    assert document["status"] == "WARN" and document["as_of"] == "2026-01-27T15:00:00Z"
    assert set(document["checks"][0]) == {
        "id",
        "category",
        "status",
        "summary",
        "metrics",
        "findings",
        "remediation",
    }
