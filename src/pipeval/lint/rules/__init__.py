"""The rule catalogue, in report order. One class per rule; ids are stable."""

from __future__ import annotations

from pipeval.lint.rule import Rule
from pipeval.lint.rules.single_row_write import SingleRowWrite
from pipeval.lint.rules.sql_string_building import SqlStringBuilding
from pipeval.lint.rules.write_in_loop import WriteInLoop

RULES: tuple[Rule, ...] = (SingleRowWrite(), WriteInLoop(), SqlStringBuilding())
RULE_IDS: frozenset[str] = frozenset(rule.id for rule in RULES)

__all__ = ["RULES", "RULE_IDS", "Rule"]
