"""Lint rules beyond their case files (tests/lint_cases/, run by test_lint_cases.py):
metadata, suppressions, hot tables from the settings, finding data, crashing rules."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator

from pipeval.lint.engine import lint_text
from pipeval.lint.rule import Hit, Rule, Settings
from pipeval.lint.rules import RULES
from pipeval.lint.source import SourceFile
from tests.lint_case_files import load

HOT = Settings(
    frozenset({"nba_reference.processor_run_history", "nba_predictions.player_prop_predictions"})
)


def hits(rule: str, source: str) -> list[tuple[int, str]]:
    found = lint_text(source, HOT).hits
    return sorted((hit.line, hit.severity.value) for hit in found if hit.rule == rule)


def test_rules_declare_their_metadata() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    for rule in RULES:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.id)
        assert rule.description and rule.why and rule.fix
        assert rule.severity.value == "WARN"  # FAIL only by escalation (hot tables)


def test_suppressions_are_counted_per_rule() -> None:
    source = textwrap.dedent(
        """
        for r in rows:
            client.insert_rows_json(t, [r])  # pipeval: ignore[single-row-write]
        """
    )
    result = lint_text(source, HOT)
    assert [hit.rule for hit in result.hits] == ["write-in-loop"]
    assert result.suppressed == {"single-row-write": 1}


def test_a_suppression_inside_a_string_is_not_a_comment() -> None:
    source = 'client.insert_rows_json(t, [r], note="# pipeval: ignore[single-row-write]")\n'
    assert hits("single-row-write", source) == [(1, "WARN")]


def test_hot_tables_come_from_the_settings() -> None:
    source = 'client.load_table_from_json([row], "nba_reference.processor_run_history")\n'
    cold = lint_text(source, Settings(frozenset())).hits
    hot = lint_text(source, HOT).hits
    assert [h.severity.value for h in cold] == ["WARN"]
    assert [h.severity.value for h in hot] == ["FAIL"]
    assert hot[0].extra["table"] == "nba_reference.processor_run_history"


def test_a_similar_table_name_is_not_hot() -> None:
    source = 'client.load_table_from_json([row], "nba_reference.processor_run_history_v2")\n'
    assert hits("single-row-write", source) == [(1, "WARN")]


def test_finding_carries_call_text_and_places_of_spliced_values() -> None:
    source = load("sql-string-building")[0].source
    (hit,) = [h for h in lint_text(source, HOT).hits if h.rule == "sql-string-building"]
    assert hit.call == "self.bq_client.query(query)"
    assert hit.extra["built_line"] == 2
    places = {value["place"] for value in hit.extra["values"]}
    assert places == {"inside a SQL string literal"}  # `{table}` in backticks is not listed
    assert "error_message" in hit.message


class Crashing(Rule):
    id = "crashing"
    description = why = fix = "a rule with a bug"

    def check(self, source: SourceFile, settings: Settings) -> Iterator[Hit]:
        yield from ()
        raise RuntimeError("boom")


def test_a_crashing_rule_does_not_hide_the_others() -> None:
    source = "client.insert_rows_json(t, [r])\n"
    result = lint_text(source, HOT, rules=(Crashing(), *RULES))
    assert result.crashes == {"crashing": "RuntimeError: boom"}
    assert [hit.rule for hit in result.hits] == ["single-row-write"]
