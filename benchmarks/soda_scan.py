"""Soda Core's DuckDB scan for the benchmark. Runs INSIDE the Soda venv (soda-core-duckdb pins
duckdb < 1.1), so it imports nothing from pipeval: it reads a JSON spec, times `Scan.execute()`
and prints a JSON result on stdout.

Checks, equivalent to what pipeval's completeness and coverage judge:
- rows per game date in each phase table (`row_count > 0` on a per-date filter, the Soda Core way;
  or, mode `groupby`, one `group by` check per table over the schedule's dates);
- reference checks: every (date, player) in the context has a prediction row, and every player is
  in the registry.
Dates are Soda variables (`${dYYYYMMDD}`), never SQL literals built here.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

PHASE_TABLES = (
    "nbac_gamebook_player_stats",
    "odds_api_player_points_props",
    "player_game_summary",
    "upcoming_player_game_context",
    "ml_feature_store_v2",
    "player_prop_predictions",
)
CONTEXT = "upcoming_player_game_context"
REFERENCE_CHECKS = [
    "values in (game_date, player_lookup) must exist in player_prop_predictions "
    "(game_date, player_lookup)",
    "values in (player_lookup) must exist in nba_players_registry (player_lookup)",
]
GROUP_BY_SQL = """
SELECT s.game_date, COUNT(t.game_date) AS rows_on_date
FROM (SELECT DISTINCT game_date FROM nbac_schedule
      WHERE game_date BETWEEN DATE '${start}' AND DATE '${end}') AS s
LEFT JOIN __table__ AS t ON t.game_date = s.game_date
GROUP BY s.game_date
"""
VARIABLE = re.compile(r"d\d{8}\Z")


def _on(column: str, variable: str) -> str:
    assert VARIABLE.match(variable), variable
    return column + " = DATE '${" + variable + "}'"


def _variable(day: str) -> str:
    return "d" + day.replace("-", "")


def per_date_sections(days: list[str]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """One filter and one `row_count > 0` per table and date (Soda Core has no group-by count)."""
    sections = []
    for day in days:
        name = _variable(day)
        for table in PHASE_TABLES:
            sections.append(
                {
                    f"filter {table} [{name}]": {"where": _on("game_date", name)},
                    f"checks for {table} [{name}]": ["row_count > 0"],
                }
            )
    return sections, {_variable(day): day for day in days}


def group_by_sections() -> list[dict[str, Any]]:
    sections = []
    for table in PHASE_TABLES:
        sql = GROUP_BY_SQL.replace("__table__", table)  # table names come from the fixed tuple
        check = {
            "group by": {
                "group_limit": 1000,
                "query": sql,
                "fields": ["game_date"],
                "checks": [{"rows_on_date > 0": {"name": f"{table} rows on date"}}],
            }
        }
        sections.append({f"checks for {table}": [check]})
    return sections


def reference_sections(days: list[str]) -> list[dict[str, Any]]:
    """The reference checks over the scope's dates (a filter on the SOURCE side)."""
    where = "SOURCE.game_date BETWEEN DATE '${start}' AND DATE '${end}'"
    return [
        {
            f"filter {CONTEXT} [scope]": {"where": where},
            f"checks for {CONTEXT} [scope]": REFERENCE_CHECKS,
        }
    ]


def scope_sections(scope: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    days = scope["days"]
    variables = {"start": days[0], "end": days[-1]}
    if scope["mode"] == "groupby":
        sections = group_by_sections()
    else:
        sections, per_day = per_date_sections(days)
        variables.update(per_day)
    return sections + reference_sections(days), variables


def run_scan(database: str, sections: list[dict[str, Any]], variables: dict[str, str]) -> dict:
    from soda.scan import Scan

    scan = Scan()
    scan.set_data_source_name("nba")
    scan.add_configuration_yaml_str(
        json.dumps({"data_source nba": {"type": "duckdb", "path": database, "read_only": True}})
    )
    scan.add_variables(variables)
    for number, section in enumerate(sections):
        # JSON is YAML: no SodaCL text is formatted by hand.
        scan.add_sodacl_yaml_str(json.dumps(section), file_name=f"section{number}.yml")
    started = time.perf_counter()
    code = scan.execute()
    elapsed = time.perf_counter() - started
    results = scan.get_scan_results()
    outcomes = Counter(str(check.get("outcome")) for check in results.get("checks", []))
    failed = [c["name"] for c in results.get("checks", []) if c.get("outcome") == "fail"]
    errors = [line for line in scan.get_logs_text().splitlines() if "error" in line.lower()]
    return {
        "exit_code": code,
        "execute_s": elapsed,
        "queries": len(scan._queries),  # Soda Core keeps no public counter
        "checks": sum(outcomes.values()),
        "outcomes": dict(outcomes),
        "failed": failed[:20],
        "errors": errors[:5],
    }


def main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    import soda.__version__ as soda_version

    out: dict[str, Any] = {"soda_version": soda_version.SODA_CORE_VERSION, "scopes": {}}
    for scope in spec["scopes"]:
        runs_for_days = scope.get("each_day", False)
        batches = [[day] for day in scope["days"]] if runs_for_days else [scope["days"]]
        timings: list[float] = []
        last: dict[str, Any] = {}
        for rep in range(spec["warmup"] + spec["reps"]):
            for days in batches:
                sections, variables = scope_sections({**scope, "days": days})
                last = run_scan(spec["database"], sections, variables)
                if rep >= spec["warmup"]:
                    timings.append(last["execute_s"])
        out["scopes"][scope["name"]] = {**last, "execute_s": timings, "batches": len(batches)}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
