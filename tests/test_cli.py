"""The CLI contract: exit codes, one-line errors, nothing written on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from tests.builders import build_warehouse, season_rows
from tests.conftest import file_digest

DAY = date(2026, 1, 20)
AS_OF = "2026-01-21T15:00:00Z"


@pytest.fixture
def warehouse_file(tmp_path: Path) -> Path:
    return build_warehouse(tmp_path / "w.duckdb", season_rows([DAY]))


def daily(run_cli, warehouse_file: Path, *extra: str):
    return run_cli(
        "daily",
        "--warehouse",
        f"duckdb://{warehouse_file}",
        "--as-of",
        AS_OF,
        "--checks",
        "completeness",
        *extra,
    )


def test_clean_day_exits_0_with_markdown(run_cli, warehouse_file: Path) -> None:
    code, out, err = daily(run_cli, warehouse_file)
    assert code == 0, err
    assert out.startswith("# pipeval daily — 2026-01-20 — ✅ OK")  # default date: yesterday


def test_failing_day_exits_2_and_json_matches_contract(tmp_path: Path, run_cli) -> None:
    path = build_warehouse(
        tmp_path / "g.duckdb",
        season_rows([DAY], drop={("nba_analytics.player_game_summary", DAY): 1}),
    )
    code, out, _ = daily(run_cli, path, "--format", "json")
    assert code == 2
    document = json.loads(out)
    assert document["status"] == "FAIL" and document["target"] == {"date": "2026-01-20"}
    # one statement for every phase table, the schedule read once
    assert document["stats"]["queries"] == 1
    phase3 = next(c for c in document["checks"] if c["id"] == "completeness.phase3")
    assert phase3["status"] == "FAIL"
    assert phase3["metrics"]["tables"]["nba_analytics.player_game_summary"]["missing"] == [
        "20260120_LAL_BOS"
    ]


def test_non_critical_gap_exits_1(tmp_path: Path, run_cli) -> None:
    path = build_warehouse(
        tmp_path / "o.duckdb",
        season_rows([DAY], drop={("nba_raw.odds_api_player_points_props", DAY): 1}),
    )
    assert daily(run_cli, path)[0] == 1


def test_check_error_exits_3_and_others_still_report(tmp_path: Path, run_cli) -> None:
    path = build_warehouse(
        tmp_path / "e.duckdb", season_rows([DAY]), skip=["nba_predictions.ml_feature_store_v2"]
    )
    code, out, _ = daily(run_cli, path)
    assert code == 3
    assert "⛔ ERROR" in out and "completeness.phase4" in out
    assert "| completeness.phase2 | ✅ OK" in out
    assert "**Could not run:** completeness.phase4" in out


def test_output_file_is_written_atomically(run_cli, warehouse_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    code, out, _ = daily(run_cli, warehouse_file, "--output", str(target))
    assert code == 0 and out == ""
    assert target.read_text("utf-8").startswith("# pipeval daily")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".report")] == []


def _bad_profile(tmp_path: Path) -> str:
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nschedule: [\n", "utf-8")
    return str(path)


BAD_INPUTS = [
    (["--date", "2026-02-30"], "is not a date"),
    (["--date", "yesterday"], "is not a date"),
    (["--date", ""], "--date '' is not a date"),
    (["--date", "2027-06-01"], "after the as-of date"),
    (["--checks", "completeness,nope"], "unknown check 'nope'"),
    (["--format", "xml"], "'xml' is not one of"),
    (["--as-of", "noon"], "not an ISO-8601"),
    (["--profile", "no-such-profile"], "unknown profile"),
    (["--bogus"], "No such option"),
]


@pytest.mark.parametrize(("args", "message"), BAD_INPUTS)
def test_bad_input_is_one_line_and_exit_3(
    run_cli, warehouse_file: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    before = file_digest(warehouse_file)
    target = tmp_path / "out.md"
    code, out, err = daily(run_cli, warehouse_file, *args, "--output", str(target))
    assert code == 3
    assert message in err and err.count("\n") == 1 and err.startswith("pipeval: error:")
    assert "Traceback" not in err and out == ""
    assert not target.exists()
    assert file_digest(warehouse_file) == before


def test_malformed_profile_names_the_file(run_cli, warehouse_file: Path, tmp_path: Path) -> None:
    code, _, err = daily(run_cli, warehouse_file, "--profile", _bad_profile(tmp_path))
    assert code == 3 and "bad.yaml" in err and "malformed YAML" in err


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("duckdb:///no/such/dir/w.duckdb", "warehouse file not found"),
        ("mysql://host/db", "expected one of"),
    ],
)
def test_unreachable_warehouse(run_cli, tmp_path: Path, url: str, message: str) -> None:
    target = tmp_path / "out.md"
    code, _, err = run_cli("daily", "--warehouse", url, "--output", str(target))
    assert code == 3 and message in err and not target.exists()


def test_no_warehouse_configured(run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PIPEVAL_WAREHOUSE", raising=False)
    code, _, err = run_cli("daily")
    assert code == 3 and "no warehouse" in err


def test_output_into_missing_directory(run_cli, warehouse_file: Path, tmp_path: Path) -> None:
    code, _, err = daily(run_cli, warehouse_file, "--output", str(tmp_path / "no" / "r.md"))
    assert code == 3 and "does not exist" in err


def test_unknown_command_and_help_through_the_console_script() -> None:
    script = Path(sys.executable).parent / "pipeval"
    unknown = subprocess.run(
        [str(script), "frobnicate"], capture_output=True, text=True, check=False
    )
    assert unknown.returncode == 3 and "No such command" in unknown.stderr
    helped = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=False)
    assert helped.returncode == 0 and "daily" in helped.stdout


@pytest.mark.parametrize("option", ["--help", "--version"])
def test_help_does_not_import_engines_or_cloud_clients(option: str) -> None:
    # nor the profile's validation, the SQL cache (nothing to save) or redaction (no error)
    code = (
        "import sys; from pipeval.cli.main import main\n"
        f"try:\n    main([{option!r}])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in"
        " {'duckdb', '_duckdb', 'sqlglot', 'pydantic', 'yaml'}"
        " or m.startswith('google.cloud') or m in ('pipeval.sqlcache', 'pipeval.redact')]\n"
        "print('HEAVY:' + ','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "HEAVY:"


def test_embedded_daily_never_imports_google_cloud(warehouse_file: Path) -> None:
    code = (
        "import sys; from pipeval.cli.main import main\n"
        f"try:\n    main(['daily', '--warehouse', 'duckdb://{warehouse_file}', '--as-of',"
        f" '{AS_OF}', '--checks', 'completeness'])\nexcept SystemExit:\n    pass\n"
        "print([m for m in sys.modules if m.startswith('google.cloud')])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("command", ["daily", "doctor"])
def test_the_cyclic_collector_pauses_for_a_suite_and_comes_back(
    run_cli, warehouse_file: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """A validation suite runs with the cyclic garbage collector paused (its passes over the
    imported objects cost ~4 % of a run); other commands keep it; it is on again after both."""
    import gc

    from pipeval.adapters import duckdb_warehouse

    seen: list[bool] = []
    opened = duckdb_warehouse.DuckDBWarehouse.__init__

    def spy(self, *args, **kwargs) -> None:
        seen.append(gc.isenabled())
        opened(self, *args, **kwargs)

    monkeypatch.setattr(duckdb_warehouse.DuckDBWarehouse, "__init__", spy)
    assert gc.isenabled()
    if command == "daily":
        code, _, err = daily(run_cli, warehouse_file)
    else:
        code, _, err = run_cli(command, "--warehouse", f"duckdb://{warehouse_file}")
    assert "Traceback" not in err and code in (0, 1, 2, 3)
    assert seen == [command != "daily"]  # the warehouse opened once, the collector paused or not
    assert gc.isenabled()
