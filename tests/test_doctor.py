"""`pipeval doctor`: profile and enabled checks vs the warehouse, on real DuckDB files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeval.sample.pipeline_repo import write_pipeline_repo
from pipeval.schema.references import query_references
from tests.builders import CONTRACT, PREDICTIONS, build_warehouse

AS_OF = ["--as-of", "2026-01-27T15:00:00Z"]


def doctor(run_cli, *args: str) -> tuple[int, dict, str]:
    code, out, err = run_cli("doctor", *AS_OF, *args, "--format", "json")
    return code, (json.loads(out) if out else {}), err


def problems(document: dict) -> list[str]:
    return [f["message"] for check in document["checks"] for f in check["findings"]]


def warehouse(tmp_path: Path, **overrides: str) -> str:
    """A contract-shaped DuckDB file where `overrides` replace some tables' column lists."""
    tables = {name.replace("__", "."): columns for name, columns in overrides.items()}
    skip = [name for name, columns in tables.items() if columns == ""]
    path = build_warehouse(
        tmp_path / "w.duckdb",
        extra_tables={k: v for k, v in tables.items() if v},
        skip=skip,
    )
    return f"duckdb://{path}"


def test_doctor_passes_on_the_sample(run_cli, sample_urls) -> None:
    code, document, err = doctor(run_cli, *sample_urls)
    assert code == 0, problems(document) or err
    assert document["status"] == "OK" and problems(document) == []
    tables = document["checks"][0]
    assert tables["id"] == "doctor.tables" and tables["metrics"]["tables"] >= 10


def test_doctor_passes_on_the_sample_pipeline_profile(tmp_path: Path, run_cli, sample_urls):
    profile = write_pipeline_repo(tmp_path / "pipeline")
    code, document, _ = doctor(run_cli, "--profile", str(profile), *sample_urls)
    assert code == 0, problems(document)
    assert document["checks"][1]["metrics"]["paths"] == 3


def test_doctor_names_a_column_the_profile_points_at_that_does_not_exist(
    tmp_path: Path, run_cli, sample_urls
) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "extends: nba-props\n"
        "reference:\n"
        "  registry:\n"
        "    table: nba_reference.nba_players_registry\n"
        "    columns: [player_lookup, universal_id]\n"
    )
    code, document, _ = doctor(run_cli, "--profile", str(profile), *sample_urls)
    assert code == 2
    assert problems(document) == [
        "nba_reference.nba_players_registry.universal_id: column not found "
        "(used by reference.registry.columns); did you mean universal_player_id?"
    ]
    code, out, _ = run_cli("doctor", *AS_OF, "--profile", str(profile), *sample_urls)
    assert code == 2
    lines = [line for line in out.splitlines() if line.startswith("- **FAIL**")]
    assert len(lines) == 1 and "universal_id: column not found" in lines[0]


def test_missing_table_is_one_line_naming_its_users(tmp_path: Path, run_cli) -> None:
    url = warehouse(tmp_path, nba_reference__player_aliases="")
    code, document, _ = doctor(run_cli, "--warehouse", url)
    assert code == 2
    (line,) = problems(document)
    assert line.startswith("nba_reference.player_aliases: table not found (used by ")
    assert "reference.aliases" in line


def test_wrong_types_for_their_roles_are_named(tmp_path: Path, run_cli) -> None:
    summary = CONTRACT["nba_analytics.player_game_summary"].replace(
        "game_date DATE", "game_date VARCHAR"
    )
    predictions = CONTRACT[PREDICTIONS].replace("is_active BOOLEAN", "is_active VARCHAR")
    context = CONTRACT["nba_analytics.upcoming_player_game_context"].replace(
        "game_id VARCHAR", "game_id BIGINT"
    )
    url = warehouse(
        tmp_path,
        nba_analytics__player_game_summary=summary,
        nba_predictions__player_prop_predictions=predictions,
        nba_analytics__upcoming_player_game_context=context,
    )
    code, document, _ = doctor(run_cli, "--warehouse", url)
    assert code == 2
    found = problems(document)
    (date_line,) = [line for line in found if line.startswith("nba_analytics.player_game_summary.")]
    assert date_line.startswith(
        "nba_analytics.player_game_summary.game_date: STRING, expected DATE "
        "(phases.phase3.tables[0].date_column, "
    )
    assert "checks.minutes.missing.date_column" in date_line  # declarative checks' uses too
    assert any(
        line.startswith("nba_predictions.player_prop_predictions: phases.phase5.tables[0].filter")
        and line.endswith("is STRING, expected BOOL")
        for line in found
    )
    assert any("game_key 'game_id' is INT64, expected STRING" in line for line in found)


def test_columns_the_enabled_checks_query_are_checked_too(tmp_path: Path, run_cli) -> None:
    jobs = CONTRACT["bq_meta.jobs_by_project"].replace(", total_modified_partitions BIGINT", "")
    code, document, _ = doctor(
        run_cli, "--warehouse", warehouse(tmp_path, bq_meta__jobs_by_project=jobs)
    )
    assert code == 2
    (line,) = problems(document)
    assert line.startswith("bq_meta.jobs_by_project.total_modified_partitions: column not found")
    assert "check quota." in line


def test_missing_ddl_and_writer_paths_are_named(tmp_path: Path, run_cli, sample_urls) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "extends: nba-props\n"
        "schema:\n"
        "  - table: nba_predictions.player_prop_predictions\n"
        "    ddl: schemas/missing.sql\n"
        "    writers: [worker.py::build]\n"
    )
    (tmp_path / "worker.py").write_text("def other():\n    return {}\n")
    code, document, _ = doctor(run_cli, "--profile", str(profile), *sample_urls)
    assert code == 2
    paths = document["checks"][1]
    assert paths["id"] == "doctor.paths" and paths["status"] == "FAIL"
    messages = [f["message"] for f in paths["findings"]]
    assert any("schemas/missing.sql: file not found" in m for m in messages)
    assert any("no function 'build' (defined: other)" in m for m in messages)


def test_doctor_without_a_warehouse_checks_the_shipped_profile(run_cli, monkeypatch) -> None:
    monkeypatch.delenv("PIPEVAL_WAREHOUSE", raising=False)
    code, out, err = run_cli("doctor")
    assert code == 0 and err == "" and "skipped: no --warehouse" in out


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (
            "SELECT game_date AS d, COUNT(*) AS n FROM nba_raw.t WHERE game_date > @s GROUP BY d",
            {("nba_raw.t", None), ("nba_raw.t", "game_date")},
        ),
        (
            "SELECT a.x, b.y FROM d.a AS a JOIN d.b AS b ON a.k = b.k",
            {("d.a", None), ("d.b", None), ("d.a", "x"), ("d.b", "y"), ("d.a", "k"), ("d.b", "k")},
        ),
        (
            "SELECT destination_table.table_id FROM d.jobs WHERE error_result.reason = 'q'",
            {("d.jobs", None), ("d.jobs", "destination_table"), ("d.jobs", "error_result")},
        ),
        (
            "WITH c AS (SELECT k FROM d.a) SELECT c.k, v FROM c",
            {("d.a", None), ("d.a", "k")},
        ),
        (
            "SELECT job_id FROM `region-us`.INFORMATION_SCHEMA.JOBS_BY_PROJECT",
            set(),
        ),
    ],
)
def test_query_references_tie_columns_to_tables(sql: str, expected: set) -> None:
    found = {(ref.table, ref.column) for ref in query_references(sql, "q")}
    assert found == expected


def test_ddl_statements_that_cannot_be_read_are_findings_never_silence(
    tmp_path: Path, run_cli, sample_urls
) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "extends: nba-props\n"
        "schema:\n"
        "  - table: nba_predictions.player_prop_predictions\n"
        "    ddl: schemas/predictions.sql\n"
        "  - table: nba_analytics.player_game_summary\n"
        "    ddl: schemas/predictions.sql\n"
    )
    (tmp_path / "schemas").mkdir()
    ddl = tmp_path / "schemas" / "predictions.sql"
    ddl.write_text(
        "CREATE TABLE IF NOT EXISTS `proj.nba_predictions.player_prop_predictions` (\n"
        "  prediction_id STRING NOT NULL, game_date DATE NOT NULL\n"
        ") PARTITION BY game_date CLUSTER BY prediction_id, game_date DESC;\n"
        "ALTER TABLE `proj.nba_predictions.player_prop_predictions` ADD COLUMN x INT64 y;\n"
    )
    code, document, _ = doctor(run_cli, "--profile", str(profile), *sample_urls)
    paths = document["checks"][1]
    assert code == 1 and paths["status"] == "WARN"
    unread = f"{ddl}:4: unsupported syntax, statement not read: ALTER TABLE"
    predictions = "schema[0] (nba_predictions.player_prop_predictions)"
    summary = "schema[1] (nba_analytics.player_game_summary)"
    found = [(f["severity"], f["message"]) for f in paths["findings"]]
    assert found[0][0] == "WARN" and found[0][1].startswith(f"{predictions}: {unread}")
    assert found[1] == (
        "INFO",
        f"{predictions}: {ddl}:1: read without the CLUSTER BY sort order (ASC/DESC)",
    )
    assert found[2] == (
        "WARN",
        f"{summary}: {ddl}: no CREATE TABLE with a column list for "
        "nba_analytics.player_game_summary",
    )
    assert found[3][0] == "WARN" and found[3][1].startswith(f"{summary}: {unread}")
    assert len(found) == 4


def test_declarative_checks_tables_and_columns_are_checked(tmp_path: Path, run_cli) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "extends: nba-props\n"
        "checks:\n"
        "  - id: mine.points_missing\n"
        "    table: nba_analytics.player_game_summary\n"
        "    kind: missing_percent\n"
        "    column: pointz\n"
        "    fail: 1\n"
        "  - id: mine.graded\n"
        "    table: nba_grading.nowhere\n"
        "    kind: metric\n"
        "    expression: AVG(absolute_error)\n"
        "    fail: 1\n",
        "utf-8",
    )
    code, document, _ = doctor(
        run_cli, "--profile", str(profile), "--warehouse", warehouse(tmp_path)
    )
    assert code == 2
    found = problems(document)
    assert any(
        line.startswith("nba_analytics.player_game_summary.pointz: column not found")
        and "checks.mine.points_missing.column" in line
        and "did you mean points?" in line
        for line in found
    ), found
    assert any(
        line.startswith("nba_grading.nowhere: table not found") and "mine.graded" in line
        for line in found
    ), found


def test_without_a_warehouse_doctor_checks_what_it_can_and_says_what_it_skipped(
    run_cli, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.delenv("PIPEVAL_WAREHOUSE", raising=False)
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "extends: nba-props\nschema:\n  - table: nba_predictions.player_prop_predictions\n"
        "    ddl: missing.sql\n",
        encoding="utf-8",
    )
    code, out, err = run_cli("doctor", "--profile", str(profile), "--format", "json")
    document = json.loads(out)
    results = {check["id"]: check for check in document["checks"]}
    assert results["doctor.tables"]["metrics"]["skipped"] is True
    assert "skipped: no --warehouse" in results["doctor.tables"]["summary"]
    assert results["doctor.paths"]["status"] == "FAIL"  # the DDL path is still checked
    assert code == 2 and err == ""
