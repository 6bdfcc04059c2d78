"""schema.<table> on real DuckDB files and source trees, `pipeval schema`, and the sample's
pipeline repository reproducing seed 003."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from pipeval.checks.schema import checks_for
from pipeval.profile import Profile, load_profile
from pipeval.query import Context
from pipeval.results import Status
from pipeval.sample import pipeline_repo
from pipeval.sample.pipeline_repo import DRIFT_FIELDS, write_pipeline_repo
from pipeval.schema.ddl import read_table_ddl
from pipeval.schema.writers import written_fields
from pipeval.suites.runner import run_suite
from pipeval.types import type_signature

TABLE = "nba_predictions.player_prop_predictions"
DAY = date(2026, 1, 26)
AS_OF = datetime(2026, 1, 27, 15, 0, tzinfo=UTC)
CONTRACT_DDL = """\
CREATE TABLE IF NOT EXISTS `p.nba_predictions.player_prop_predictions` (
  prediction_id STRING, game_id STRING, game_date DATE, player_lookup STRING,
  system_id STRING, current_points_line NUMERIC(4,1), is_active BOOL, created_at TIMESTAMP,
  is_actionable BOOL, line_minutes_before_game INT64, model_version STRING
) PARTITION BY game_date;
"""
WRITER = """\
def build(p):
    return {"prediction_id": p.id, "game_id": p.game, "game_date": p.day,
            "player_lookup": p.player, "system_id": p.system, "is_active": True}
"""


def repo(tmp_path: Path, ddl: str = CONTRACT_DDL, writer: str = WRITER) -> Profile:
    (tmp_path / "schema.sql").write_text(ddl)
    (tmp_path / "writer.py").write_text(writer)
    profile = tmp_path / "profile.yaml"
    profile.write_text(
        "extends: nba-props\n"
        "schema:\n"
        f"  - table: {TABLE}\n"
        "    ddl: schema.sql\n"
        "    writers: [writer.py::build]\n"
    )
    return load_profile(str(profile))


def run(profile: Profile, warehouse=None):
    ctx = Context(profile=profile, as_of=AS_OF, start=DAY, end=DAY, warehouse=warehouse)
    (check,) = checks_for(profile)
    return run_suite("schema", [check], ctx, {}).checks[0]


def test_in_sync_table_is_ok_with_empty_lists(tmp_path: Path, make_warehouse) -> None:
    result = run(repo(tmp_path), make_warehouse())
    assert result.status is Status.OK, result.findings
    assert result.id == f"schema.{TABLE}"
    for key in ("code_only", "ddl_only", "live_only", "type_mismatches"):
        assert result.metrics[key] == []
    assert result.summary == "in sync (11 DDL columns, 11 live, 6 written by code)"


def test_field_in_neither_ddl_nor_live_table_fails(tmp_path: Path, make_warehouse) -> None:
    writer = WRITER.replace('"is_active": True}', '"is_active": True, "confidence": 0.7}')
    result = run(repo(tmp_path, writer=writer), make_warehouse())
    assert result.status is Status.FAIL
    assert result.metrics["code_only"] == ["confidence"]
    assert result.metrics["missing_from"] == {"confidence": ["ddl", "live"]}
    assert "neither the DDL nor the live table" in result.findings[0].message
    assert any("stop writing" in step for step in result.remediation)


def test_type_mismatch_fails_and_names_both_types(tmp_path: Path, make_warehouse) -> None:
    ddl = CONTRACT_DDL.replace("current_points_line NUMERIC(4,1)", "current_points_line INT64")
    result = run(repo(tmp_path, ddl=ddl), make_warehouse())
    assert result.status is Status.FAIL
    assert result.metrics["type_mismatches"] == [
        {"column": "current_points_line", "ddl": "INT64", "live": "NUMERIC"}
    ]
    assert "DDL declares INT64, the live table has NUMERIC" in result.findings[0].message


def test_live_only_and_ddl_only_drift_warn(tmp_path: Path, make_warehouse) -> None:
    ddl = CONTRACT_DDL.replace("created_at TIMESTAMP", "created_at TIMESTAMP, model STRING")
    ddl = ddl.replace("current_points_line NUMERIC(4,1), ", "")
    result = run(repo(tmp_path, ddl=ddl), make_warehouse())
    assert result.status is Status.WARN
    assert result.metrics["live_only"] == ["current_points_line"]
    assert result.metrics["ddl_only"] == ["model"]
    assert result.metrics["ddl_only_against"] == "live"
    steps = " ".join(result.remediation)
    assert "current_points_line NUMERIC" in steps  # write the live type back to the DDL
    assert "ADD COLUMN IF NOT EXISTS model STRING" in steps  # apply the DDL to the table


def test_missing_live_table_fails(tmp_path: Path, make_warehouse) -> None:
    result = run(repo(tmp_path), make_warehouse(skip=[TABLE]))
    assert result.status is Status.FAIL
    assert result.summary == f"{TABLE} not found in the warehouse"


def test_without_a_warehouse_ddl_is_compared_with_code(tmp_path: Path) -> None:
    writer = WRITER.replace('"is_active": True}', '"is_active": True, "confidence": 0.7}')
    result = run(repo(tmp_path, writer=writer))
    assert result.status is Status.FAIL
    assert result.metrics["code_only"] == ["confidence"]
    assert result.metrics["live_only"] == [] and result.metrics["type_mismatches"] == []
    # DDL columns no writer writes: informative only.
    assert result.metrics["ddl_only"] == [
        "created_at",
        "current_points_line",
        "is_actionable",
        "line_minutes_before_game",
        "model_version",
    ]
    assert result.metrics["sources"]["live"] is False


def test_unreadable_ddl_statement_warns_with_file_and_line(tmp_path: Path, make_warehouse) -> None:
    ddl = CONTRACT_DDL + "ALTER TABLE nba_predictions.player_prop_predictions ADD COLUMN;\n"
    result = run(repo(tmp_path, ddl=ddl), make_warehouse())
    assert result.status is Status.WARN
    (warning,) = result.metrics["warnings"]
    assert warning.startswith(f"{tmp_path / 'schema.sql'}:6: ")
    assert result.findings[0].message == warning


def test_missing_writer_file_makes_the_check_error_not_crash(tmp_path: Path) -> None:
    profile = repo(tmp_path)
    (tmp_path / "writer.py").unlink()
    result = run(profile)
    assert result.status is Status.ERROR
    assert "writer.py: file not found" in result.summary


def test_unknown_keys_are_reported_and_never_guessed(tmp_path: Path, make_warehouse) -> None:
    writer = "def build(p, extra):\n    return {'prediction_id': 1, **extra}\n"
    result = run(repo(tmp_path, writer=writer), make_warehouse())
    assert result.metrics["unknown"] == ["line 2: **extra"]
    assert result.metrics["code_only"] == []
    assert any("cannot resolve" in f.message for f in result.findings)


# --- the CLI ------------------------------------------------------------------------------------
def test_cli_ad_hoc_without_warehouse(tmp_path: Path, run_cli, monkeypatch) -> None:
    (tmp_path / "t.sql").write_text(CONTRACT_DDL)
    writer = WRITER.replace('"is_active": True}', '"is_active": True, "confidence": 0.7}')
    (tmp_path / "w.py").write_text(writer)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PIPEVAL_WAREHOUSE", raising=False)
    code, out, err = run_cli(
        "schema", "--ddl", "t.sql", "--writer", "w.py::build", "--format", "json"
    )
    assert code == 2, err
    document = json.loads(out)
    assert document["suite"] == "schema" and document["warehouse"] is None
    (check,) = document["checks"]
    assert check["id"] == f"schema.{TABLE}"
    assert check["metrics"]["code_only"] == ["confidence"]
    assert {"code_only", "ddl_only", "live_only", "type_mismatches"} <= set(check["metrics"])
    code, out, _ = run_cli("schema", "--ddl", "t.sql", "--writer", "w.py::build")
    assert code == 2 and "- **code_only**: `confidence`" in out
    assert "no warehouse: DDL vs code only" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--writer", "w.py::build"], "--writer needs --table"),
        (["--table", "nba_raw.nope"], "--table nba_raw.nope: not in the schema section"),
        ([], "configures no schema tables"),
        (["--table", "bad name", "--writer", "w.py::build"], "--table 'bad name'"),
        (["--ddl", "missing.sql"], "does not exist"),
    ],
)
def test_cli_bad_input_is_one_line_exit_3(
    tmp_path: Path, run_cli, monkeypatch, args: list[str], message: str
) -> None:
    (tmp_path / "w.py").write_text(WRITER)
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("schema", *args)
    assert code == 3 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


# --- the sample's pipeline repository (seed 003) ------------------------------------------------
@pytest.fixture
def pipeline(tmp_path: Path) -> Path:
    return write_pipeline_repo(tmp_path / "pipeline")


def test_pipeline_repo_reproduces_seed_003_files(pipeline: Path) -> None:
    root = pipeline.parent
    ddl = read_table_ddl(
        [root / pipeline_repo.DDL_PATH, root / pipeline_repo.MIGRATION_PATH], TABLE
    )
    assert ddl.warnings == []
    assert not set(DRIFT_FIELDS) & {c.lower() for c in ddl.names()}
    code = written_fields(f"{pipeline_repo.WRITER_PATH}::{pipeline_repo.WRITER_FUNCTION}", root)
    assert set(DRIFT_FIELDS) <= set(code.fields)
    # json.dumps({...}) payloads, the popped debug key and locals are not fields.
    assert not {"model", "shap", "debug", "pts"} & set(code.fields)
    assert code.unknown == ()


def test_sample_drift_is_code_only_and_live_only(pipeline: Path, sample_urls, run_cli) -> None:
    code, out, err = run_cli(
        "schema", "--profile", str(pipeline), *sample_urls[:2], "--format", "json"
    )
    assert code == 2, err
    (check,) = json.loads(out)["checks"]
    assert check["metrics"]["code_only"] == sorted(DRIFT_FIELDS)
    assert check["metrics"]["live_only"] == sorted(DRIFT_FIELDS)
    assert check["metrics"]["ddl_only"] == [] and check["metrics"]["type_mismatches"] == []
    assert all(sides == ["ddl"] for sides in check["metrics"]["missing_from"].values())


def test_sample_is_clean_once_the_fields_are_added_to_the_ddl(
    pipeline: Path, sample_dir: Path, sample_urls, run_cli
) -> None:
    from pipeval.adapters.duckdb_warehouse import DuckDBWarehouse

    warehouse = DuckDBWarehouse(sample_dir / "warehouse.duckdb")
    try:
        live = {c.name: c for c in warehouse.table_schema(TABLE) or []}
    finally:
        warehouse.close()
    ddl_path = pipeline.parent / pipeline_repo.DDL_PATH
    added = "".join(f"  {name} {type_signature(live[name])},\n" for name in DRIFT_FIELDS)
    text = ddl_path.read_text()
    ddl_path.write_text(text.replace("  created_at TIMESTAMP", added + "  created_at TIMESTAMP"))
    code, out, err = run_cli(
        "schema", "--profile", str(pipeline), *sample_urls[:2], "--format", "json"
    )
    assert code == 0, out + err
    (check,) = json.loads(out)["checks"]
    for key in ("code_only", "ddl_only", "live_only", "type_mismatches"):
        assert check["metrics"][key] == []
    assert check["findings"] == []


def test_daily_runs_the_schema_checks_a_profile_configures(pipeline: Path, sample_urls, run_cli):
    code, out, _ = run_cli(
        "daily",
        "--profile",
        str(pipeline),
        *sample_urls,
        "--date",
        "2026-01-20",
        "--as-of",
        "2026-01-21T15:00:00Z",
        "--checks",
        "schema",
        "--format",
        "json",
    )
    (check,) = json.loads(out)["checks"]
    assert check["id"] == f"schema.{TABLE}" and check["status"] == "FAIL"
    assert code == 2
    assert check["metrics"]["code_only"] == sorted(DRIFT_FIELDS)


def test_pre_commit_hook_entry_runs_offline_in_the_pipeline_repo(
    pipeline: Path, run_cli, monkeypatch
) -> None:
    hooks = yaml.safe_load((Path(__file__).parents[1] / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] == "pipeval-schema"]
    for relative in (pipeline_repo.DDL_PATH, pipeline_repo.WRITER_PATH):
        assert re.search(hook["files"], relative)
    program, *args = hook["entry"].split()
    assert program == "pipeval"
    monkeypatch.chdir(pipeline.parent)
    monkeypatch.delenv("PIPEVAL_WAREHOUSE", raising=False)
    code, out, err = run_cli(*args, "--profile", "profile.yaml")
    assert code == 2, err  # seed 003's eight fields block the commit
    assert "8 code-only" in out and "no warehouse: DDL vs code only" in out
