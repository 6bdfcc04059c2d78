"""The one loader of `tests/lint_cases/<rule>.py`: every case of every lint rule, linted by the
real engine (`lint_text`, as a file of its own), must give exactly the findings its `# hit`
marks say, with their severity, and a case without marks none."""

from __future__ import annotations

import pytest

from pipeval.lint.engine import PARSE_ERROR, lint_text
from pipeval.lint.rule import Settings
from pipeval.lint.rules import RULES
from tests.lint_case_files import Case, load, rules

HOT = Settings(
    frozenset({"nba_reference.processor_run_history", "nba_predictions.player_prop_predictions"})
)


def hits(rule: str, source: str) -> list[tuple[int, str]]:
    found = lint_text(source, HOT).hits
    return sorted((hit.line, hit.severity.value) for hit in found if hit.rule == rule)


def _params() -> list:
    return [
        pytest.param(case, id=f"{rule}: {case.name}") for rule in rules() for case in load(rule)
    ]


@pytest.mark.parametrize("case", _params())
def test_case_gives_the_marked_findings(case: Case) -> None:
    assert hits(case.rule, case.source) == case.expected


def test_every_rule_has_a_case_file_with_ten_cases_each_way() -> None:
    assert set(rules()) == {rule.id for rule in RULES} | {PARSE_ERROR.id}
    for rule in rules():
        cases = load(rule)
        names = [case.name for case in cases]
        assert len(names) == len(set(names)), rule
        failing = [case for case in cases if case.expected]
        clean = [case for case in cases if not case.expected]
        minimum = 3 if rule == PARSE_ERROR.id else 10
        assert len(failing) >= minimum, rule
        assert len(clean) >= minimum, rule
