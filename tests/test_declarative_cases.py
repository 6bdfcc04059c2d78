"""Declarative check kinds, driven by case tables: one YAML file per kind in
tests/data/declarative/ (like sqlfluff's rule cases), loaded by one loader per kind.

Each file has a default `check`, `cases` (rows of a tiny real DuckDB table, the schedule's
games, the expected status and a value or text the result must show) and `hostile` profile
values that must be refused when the profile loads. Every case runs through the real profile
loader (`extends: nba-props`), the one statement per table and the embedded warehouse.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeval.adapters.duckdb_warehouse import DuckDBWarehouse
from pipeval.checks.declarative import DeclarativeDataCheck
from pipeval.errors import ConfigError
from pipeval.profile import load_profile
from pipeval.query import Context
from pipeval.results import CheckResult
from pipeval.suites.runner import prefetch, run_check
from tests.builders import build_warehouse, game_key

CASES = Path(__file__).parent / "data" / "declarative"
KINDS = sorted(path.stem for path in CASES.glob("*.yaml"))
DAY = date(2026, 1, 10)
AS_OF = datetime(2026, 1, 11, 5, tzinfo=UTC)  # midnight in New York: the judged day is over
GAMES = {"g1": ("AAA", "BBB"), "g2": ("CCC", "DDD")}
TABLES = {
    "t.events": "game_id VARCHAR, game_date DATE, player VARCHAR, v DOUBLE, label VARCHAR, "
    "ts TIMESTAMP",
    "t.other": "game_id VARCHAR, game_date DATE, v DOUBLE",
}


def key(name: str) -> str:
    return game_key(DAY, *GAMES[name])


def load_kind(kind: str) -> dict[str, Any]:
    document = yaml.safe_load((CASES / f"{kind}.yaml").read_text("utf-8"))
    assert document["check"]["kind"] == kind
    return document


def case_ids(kind: str) -> list[tuple[str, dict[str, Any]]]:
    return [(kind, case) for case in load_kind(kind)["cases"]]


ALL_CASES = [pair for kind in KINDS for pair in case_ids(kind)]
ALL_HOSTILE = [(kind, bad) for kind in KINDS for bad in load_kind(kind).get("hostile", [])]


def write_profile(tmp_path: Path, check: dict[str, Any]) -> Path:
    path = tmp_path / "profile.yaml"
    body = {"extends": "nba-props", "name": "cases", "checks": [check]}
    path.write_text(yaml.safe_dump(body), "utf-8")
    return path


def check_spec(kind: str, case: dict[str, Any]) -> dict[str, Any]:
    spec = {"id": "cases.under_test", "table": "t.events", **load_kind(kind)["check"]}
    spec.update(case.get("check", {}))
    return spec


def expand(rows: list[dict[str, Any]], day: date) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        row = dict(row)
        repeat = row.pop("n", 1)
        game = row.pop("game", "g1")
        row["game_id"] = key(game) if game in GAMES else game
        row.setdefault("game_date", day)
        row.setdefault("v", 1.0)  # NULL only where a case says so
        if isinstance(row.get("ts"), str):
            row["ts"] = datetime.fromisoformat(row["ts"])
        out.extend(dict(row) for _ in range(repeat))
    return out


def warehouse_rows(kind: str, case: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    games = case.get("games", {"g1": 3, "g2": 3})
    schedule = [
        {
            "game_id": f"00225{index:05d}",
            "game_date": DAY,
            "away_team_tricode": GAMES[name][0],
            "home_team_tricode": GAMES[name][1],
            "game_status": status,
        }
        for index, (name, status) in enumerate(games.items())
    ]
    events = expand(case.get("rows", []), DAY)
    baseline = case.get("baseline", load_kind(kind).get("baseline", []))
    for offset, value in enumerate(reversed(baseline), start=1):
        events.append({"game_id": "earlier", "game_date": DAY - timedelta(days=offset), "v": value})
    return {
        "nba_raw.nbac_schedule": schedule,
        "t.events": events,
        "t.other": expand(case.get("other", []), DAY),
    }


def substituted(text: str) -> str:
    for name in GAMES:
        text = text.replace(f"{name} ", f"{key(name)} ").replace(f"{name}:", f"{key(name)}:")
    return text


def run_case(
    kind: str, case: dict[str, Any], tmp_path: Path, end: date = DAY
) -> tuple[CheckResult, int]:
    """The case's check judging DAY, over DAY..end; its result and the statements sent."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    profile = load_profile(str(write_profile(tmp_path, check_spec(kind, case))))
    path = build_warehouse(tmp_path / "w.duckdb", warehouse_rows(kind, case), TABLES)
    warehouse = DuckDBWarehouse(path)
    try:
        ctx = Context(profile, AS_OF, DAY, end, warehouse=warehouse, day=DAY)
        check = DeclarativeDataCheck(next(c for c in profile.checks if c.id == "cases.under_test"))
        prefetch([check], ctx)
        return run_check(check, ctx), warehouse.stats.queries
    finally:
        warehouse.close()


@pytest.mark.parametrize(
    ("kind", "case"), ALL_CASES, ids=[f"{k}: {c['name']}" for k, c in ALL_CASES]
)
def test_case(kind: str, case: dict[str, Any], tmp_path: Path) -> None:
    result, sent = run_case(kind, case, tmp_path)
    text = result.summary + " | " + " | ".join(f.message for f in result.findings)
    assert result.status.value == case["status"], text
    assert sent == 2  # the schedule and the table's one statement
    if "value" in case:
        assert result.metrics["value"] == pytest.approx(case["value"]), text
    if "message" in case:
        assert any(substituted(case["message"]) in f.message for f in result.findings), text
    if "summary" in case:
        assert case["summary"] in result.summary, text


WAREHOUSE_VERDICT = "judged in the warehouse"


@pytest.mark.parametrize(
    ("kind", "case"), ALL_CASES, ids=[f"{k}: {c['name']}" for k, c in ALL_CASES]
)
def test_case_judged_in_the_warehouse_has_the_same_status(
    kind: str, case: dict[str, Any], tmp_path: Path
) -> None:
    """A historical range judges its dates before the last in the warehouse (only the dates
    that may fail come back with their figures): each case's date, judged within a two-date
    range, gets the status the one-date run gives it."""
    result, sent = run_case(kind, case, tmp_path, DAY + timedelta(days=1))
    assert result.status.value == case["status"], result.summary
    assert sent == 2


def test_the_warehouse_passes_dates_of_every_kind_it_judges(tmp_path: Path) -> None:
    """Not vacuous: passing cases of every kind but drift and freshness (judged in Python, on
    the dates before / on --as-of) are passed by the warehouse, without their figures; the last
    date of a range always comes back in full."""
    for kind in KINDS:
        verdicts = []
        for index, case in enumerate(c for c in load_kind(kind)["cases"] if c["status"] == "OK"):
            ranged, _ = run_case(kind, case, tmp_path / f"{kind}{index}", DAY + timedelta(days=1))
            verdicts.append(WAREHOUSE_VERDICT in ranged.summary)
            one_date, _ = run_case(kind, case, tmp_path / f"{kind}{index}-last")
            assert WAREHOUSE_VERDICT not in one_date.summary
        assert any(verdicts) == (kind not in ("drift", "freshness")), kind


@pytest.mark.parametrize(("kind", "bad"), ALL_HOSTILE, ids=[f"{k}: {b}" for k, b in ALL_HOSTILE])
def test_hostile_profile_value_is_refused_at_load(
    kind: str, bad: dict[str, Any], tmp_path: Path
) -> None:
    spec = {"id": "cases.under_test", "table": "t.events", **load_kind(kind)["check"], **bad}
    with pytest.raises(ConfigError) as refused:
        load_profile(str(write_profile(tmp_path, spec)))
    assert "checks" in str(refused.value)


def test_every_kind_has_a_case_file_with_each_edge() -> None:
    from pipeval.profile.declarative import KINDS as MODEL_KINDS

    assert set(KINDS) == set(MODEL_KINDS)
    for kind in KINDS:
        names = " ".join(case["name"] for case in load_kind(kind)["cases"]).lower()
        for edge in ("off-day", "not final", "null"):
            assert edge in names, f"{kind}: no case for {edge}"
        assert load_kind(kind).get("hostile"), kind


def test_each_check_of_a_statement_lists_its_own_subjects(tmp_path: Path) -> None:
    """The statement lists every check's subjects in one branch: the cap (@subjects) holds per
    check and date, so two checks of one table each name their first ones."""
    from pipeval.metrics.declarative import SUBJECTS_LISTED, load_table

    nulls = {"id": "cases.nulls", "kind": "missing_percent", "column": "v", "subject": "player"}
    dups = {"id": "cases.dups", "kind": "duplicates", "key": ["game_id", "player"]}
    checks = [{"table": "t.events", "warn": 0, "fail": 0, **spec} for spec in (nulls, dups)]
    path = tmp_path / "profile.yaml"
    body = {"extends": "nba-props", "name": "cases", "checks": checks}
    path.write_text(yaml.safe_dump(body), "utf-8")
    profile = load_profile(str(path))
    players = [f"p{n}" for n in range(SUBJECTS_LISTED + 2)]
    rows = expand([{"player": p, "v": None, "n": 2} for p in players], DAY)
    case = {"rows": [], "games": {"g1": 3}}
    data = warehouse_rows("missing_percent", case) | {"t.events": rows}
    warehouse = DuckDBWarehouse(build_warehouse(tmp_path / "w.duckdb", data, TABLES))
    try:
        ctx = Context(profile, AS_OF, DAY, DAY, warehouse=warehouse, day=DAY)
        found = load_table(ctx, "t.events")
    finally:
        warehouse.close()
    first = players[:SUBJECTS_LISTED]
    assert found["cases.nulls"].subjects[DAY] == first
    assert found["cases.dups"].subjects[DAY] == [f"{key('g1')} / {p}" for p in first]
