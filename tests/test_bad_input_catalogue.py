"""The bad-input catalogue: every command, every kind of bad input, one table.

Each case runs the real entry point (in-process through `run_cli`; a few also through the
`pipeval` console script) from a scratch working directory and asserts the contract: the exit
code (3, or the documented status), ONE line on stderr naming the problem (or the documented
report), no traceback, nothing written anywhere (the whole scratch tree is snapshotted before
and after), and the warehouses and state directories byte-for-byte unchanged.

Unreadable files: the tests run as root, where `chmod 000` does not stop a read. A symlink
that points at itself fails every read with ELOOP for root too, so it stands in for an
unreadable file; a directory stands in for "a directory where a file is expected".
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.builders import build_warehouse, season_rows, write_state

DAY = date(2026, 1, 20)
AS_OF = "2026-01-21T18:00:00Z"  # after both completion documents are due
SCRIPT = Path(sys.executable).parent / "pipeval"
PHASE3 = [
    "player_game_summary",
    "team_offense_game_summary",
    "team_defense_game_summary",
    "upcoming_player_game_context",
    "upcoming_team_game_context",
]
PHASE4 = [
    "team_defense_zone_analysis",
    "player_shot_zone_analysis",
    "player_composite_factors",
    "player_daily_cache",
    "ml_feature_store",
]
SUMMARY = "nba_analytics.player_game_summary"


# --- the shared, never-modified inputs ---------------------------------------------------------


def _complete(processors: list[str], mode: str) -> dict:
    document: dict = {
        name: {"status": "success", "completed_at": "2026-01-21T11:00:00Z", "record_count": 40}
        for name in processors
    }
    return {**document, "_triggered": True, "_completed_count": len(processors), "_mode": mode}


def _state(root: Path, phase3: dict | None = None, phase4: dict | None = None) -> Path:
    write_state(root, "phase3_completion", str(DAY), phase3 or _complete(PHASE3, "overnight"))
    write_state(root, "phase4_completion", str(DAY), phase4 or _complete(PHASE4, "default"))
    return root


def _without_game_id(rows: dict) -> dict:
    rows[SUMMARY] = [{k: v for k, v in row.items() if k != "game_id"} for row in rows[SUMMARY]]
    return rows


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Warehouses and state directories every case may read; each case proves it left them be."""
    root = tmp_path_factory.mktemp("catalogue-shared")
    empty = root / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    broken_processor = _complete(PHASE4, "default")
    broken_processor["ml_feature_store"] = "success"  # a processor value that is not a map
    return {
        "wh": build_warehouse(root / "clean.duckdb", season_rows([DAY])),
        "empty": empty,
        "zero": build_warehouse(root / "zero.duckdb", season_rows([DAY], drop={(SUMMARY, DAY): 2})),
        "nocol": build_warehouse(
            root / "nocol.duckdb",
            _without_game_id(season_rows([DAY])),
            extra_tables={SUMMARY: "game_date DATE, player_lookup VARCHAR"},
        ),
        "notable": build_warehouse(
            root / "notable.duckdb",
            season_rows([DAY]),
            skip=["nba_predictions.ml_feature_store_v2"],
        ),
        "state": _state(root / "state"),
        "state_yes": _state(
            root / "state_yes", phase3={**_complete(PHASE3, "overnight"), "_triggered": "yes"}
        ),
        "state_map": _state(root / "state_map", phase4=broken_processor),
    }


# --- the per-case scratch tree -----------------------------------------------------------------


def _write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, "utf-8")
    return path


PROFILES = {
    "syntax.yaml": "name: x\nschedule: [\n",
    "wrong_type.yaml": "extends: nba-props\nthresholds: {quota: {warn_pct: high}}\n",
    "unknown_key.yaml": "extends: nba-props\nthreshold: {quota: {}}\n",
    "missing_key.yaml": "name: mine\nphases: []\n",
    "injection.yaml": "extends: nba-props\nschedule:\n  table: 'nba_raw.x; DROP TABLE y'\n"
    "  game_key: game_id\n",
    "backticks.yaml": "extends: nba-props\nschedule:\n  table: 'nba_raw.`x`'\n"
    "  game_key: game_id\n",
    "space.yaml": "extends: nba-props\nschedule:\n  table: nba_raw.nbac_schedule\n"
    "  date_column: game date\n  game_key: game_id\n",
    # Cyrillic "а" (U+0430) in the dataset name: looks like nba_raw, is not.
    "lookalike.yaml": "extends: nba-props\nschedule:\n  table: nb\u0430_raw.nbac_schedule\n"
    "  game_key: game_id\n",
    "statements.yaml": "extends: nba-props\nschedule:\n  table: nba_raw.nbac_schedule\n"
    "  game_key: 'game_id; DROP TABLE y'\n",
    "column_injection.yaml": "extends: nba-props\nreference:\n  registry:\n"
    "    table: nba_reference.nba_players_registry\n    columns: ['x; DROP TABLE y']\n",
    "unknown_phase.yaml": "extends: nba-props\norchestration:\n  - phase: phase9\n"
    "    collection: phase9_completion\n    modes: {default: {expected: [a]}}\n",
    "timezone.yaml": "extends: nba-props\ntimezone: Mars/Olympus\n",
    "short_range.yaml": "extends: nba-props\nhistorical: {max_range_days: 5}\n",
    "no_services.yaml": "name: mine\nschedule: {table: nba_raw.nbac_schedule, game_key: game_id}\n"
    "phases: [{name: p5, tables: [{table: nba_predictions.player_prop_predictions}]}]\n",
    "service_path_escape.yaml": "extends: nba-props\nservices:\n  - name: worker\n"
    "    region: us-west2\n    paths: ['../etc']\n",
    "service_bad_name.yaml": "extends: nba-props\nservices:\n  - name: Worker_1\n"
    "    region: us-west2\n    paths: [worker]\n",
    "service_unknown_phase.yaml": "extends: nba-props\nservices:\n  - name: worker\n"
    "    region: us-west2\n    paths: [worker]\n    phases: [phase9]\n",
    "fast.yaml": "extends: nba-props\n"
    "warehouse: {region: us-west2, maximum_bytes_billed: 10000000000, query_timeout_s: 1}\n",
}


def _expr(key: str) -> str:
    return (
        "extends: nba-props\nschedule:\n  table: nba_raw.nbac_schedule\n"
        f"  game_key: {json.dumps(key)}\n"
    )


HOSTILE_PROFILES = {
    "duplicate.yaml": "extends: nba-props\ntimezone: UTC\ntimezone: America/New_York\n",
    "deep_yaml.yaml": "name: x\nschedule: " + "[" * 5000 + "]" * 5000 + "\n",
    "deep_expr.yaml": _expr("(" * 3000 + "game_id" + ")" * 3000),
    "open_comment.yaml": _expr("game_id /*"),
    "open_string.yaml": _expr("'x"),
    "if_command.yaml": _expr("IF game_date"),
    "fn_setting.yaml": _expr("current_setting('secret_directory') || game_id"),
    "fn_version.yaml": _expr("version() || game_id"),
    "fn_read_csv.yaml": _expr("read_csv('/etc/passwd')"),
    "fn_read_text.yaml": _expr("read_text('/etc/passwd')"),
    "fn_getenv.yaml": _expr("getenv('HOME')"),
    "fn_external.yaml": _expr("EXTERNAL_QUERY('c', 'SELECT 1')"),
    "due_days.yaml": "extends: nba-props\norchestration:\n  - phase: phase3\n"
    "    collection: phase3_completion\n    due_days_after: 1000000000\n"
    "    modes: {default: {expected: [a]}}\n",
    "cascade.yaml": "extends: nba-props\nhistorical: {cascade_windows: {long: 100000000}}\n",
    "ddl_fifo.yaml": "extends: nba-props\nschema:\n  - table: d.t\n    ddl: ../fifo\n",
    "ddl_input.yaml": "extends: nba-props\nschema:\n  - table: d.t\n    ddl: ../code/ok.sql\n",
}


def scratch(tmp: Path) -> None:
    """Every bad file the catalogue points at, made fresh in the case's working directory."""
    for name, text in PROFILES.items():
        _write(tmp / "profiles" / name, text)
    (tmp / "profiles" / "dir.yaml").mkdir()
    (tmp / "profiles" / "loop.yaml").symlink_to("loop.yaml")
    _write(tmp / "notes" / "latin1.md", "caf\xe9 notes".encode("latin-1"))
    (tmp / "notes" / "dir.md").mkdir()
    (tmp / "notes" / "loop.md").symlink_to("loop.md")
    _write(tmp / "code" / "latin1.sql", b"CREATE TABLE d.t (a STRING, b\xff INT64);\n")
    _write(tmp / "code" / "ok.sql", "CREATE TABLE d.t (a STRING, b INT64);\n")
    _write(tmp / "code" / "writer.py", "def build(x):\n    return {'a': 1}\n")
    _write(tmp / "code" / "broken.py", "def build(x:\n    return {'a': 1}\n")
    lint = tmp / "lintsrc"
    _write(lint / "broken.py", "def f(:\n    pass\n")
    _write(lint / "latin1.py", b"x = '\xff'\n")
    _write(
        lint / "good.py",
        "for row in rows:\n    client.insert_rows_json('nba_raw.t', [row])\n",
    )
    bad = tmp / "lintbad"  # one bad input each; the good file after them is still scanned
    _write(bad / "deep.py", "x = " + " + ".join(["a"] * 100_000) + "\n")
    (bad / "zero.py").symlink_to("/dev/zero")
    _write(bad / ".gitignore", "!\n\\\nignored/\n")
    _write(bad / "ignored" / "one.py", "client.insert_rows_json('nba_raw.t', [row])\n")
    _write(bad / "good.py", "for row in rows:\n    client.insert_rows_json('nba_raw.t', [row])\n")
    _write(tmp / "afile", "not a directory\n")
    _write(tmp / "notduck.duckdb", "not a DuckDB file\n")
    (tmp / "out").mkdir()
    _write(tmp / "handoff.md", "an earlier handoff\n")
    scratch_hardening(tmp)


def scratch_hardening(tmp: Path) -> None:
    """Inputs of the round-2 hardening cases: FIFOs, foreign files, hostile profiles, state."""
    for name, text in HOSTILE_PROFILES.items():
        _write(tmp / "profiles" / name, text)
    os.mkfifo(tmp / "fifo")
    sqlite3.connect(tmp / "db.sqlite").execute("CREATE TABLE t (a)").connection.close()
    _write(tmp / "notes" / "ok.md", "notes\n")
    docs = {"phase3_completion": _complete(PHASE3, "overnight")}
    for kind in ("outside", "dir", "loop"):
        root = tmp / f"state_{kind}"
        write_state(root, "phase4_completion", str(DAY), _complete(PHASE4, "default"))
        doc = root / "phase3_completion" / f"{DAY}.json"
        doc.parent.mkdir(parents=True)
        if kind == "outside":
            _write(tmp / "elsewhere.json", json.dumps(docs["phase3_completion"]))
            doc.symlink_to(tmp / "elsewhere.json")
        elif kind == "dir":
            doc.mkdir()
        else:
            doc.symlink_to(doc.name)


def snapshot(root: Path) -> dict[str, str]:
    """Every entry under `root`: file digests, directories and link targets (loops included)."""
    seen: dict[str, str] = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(directory) / name
            key = str(path.relative_to(root))
            if path.is_symlink():
                seen[key] = "link:" + os.readlink(path)
            elif path.is_dir():
                seen[key] = "dir"
            elif not path.is_file():
                seen[key] = "special"  # a FIFO: reading it would block the test
            else:
                seen[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return seen


# --- the catalogue -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    # On the one stderr line, or (report=True) each of them in the written report.
    expect: str | tuple[str, ...]
    code: int = 3
    report: bool = False  # a documented report instead of a one-line error
    console: bool = False  # also run through the `pipeval` console script
    env: tuple[tuple[str, str], ...] = ()  # extra environment, e.g. an unreachable endpoint


WH = ("--warehouse", "duckdb://{wh}", "--state", "dir://{state}", "--as-of", AS_OF)
OUT = ("--output", "{tmp}/out/report.md")


def c(case_id: str, *args: str, expect: str | tuple[str, ...], **kw) -> Case:
    return Case(case_id, args, expect, **kw)


# fmt: off
CASES = [
    # daily: option values
    c("daily-impossible-date", "daily", *WH, "--date", "2026-02-30", *OUT, expect="is not a date"),
    c("daily-date-before-range", "daily", *WH, "--date", "1999-12-31", *OUT,
      expect="--date 1999-12-31 is before 2000-01-01"),
    c("daily-date-after-as-of", "daily", *WH, "--date", "2026-03-01", *OUT,
      expect="is after the as-of date 2026-01-21"),
    c("daily-as-of-out-of-range", "daily", "--warehouse", "duckdb://{wh}", "--as-of",
      "9999-12-31T23:59:59Z", *OUT, expect="--as-of 9999-12-31T23:59:59Z is outside"),
    c("daily-unknown-check", "daily", *WH, "--checks", "completeness,nope", *OUT,
      expect="--checks: unknown check 'nope'", console=True),
    c("daily-unknown-phase", "daily", *WH, "--checks", "orchestration.phase9", *OUT,
      expect="unknown check 'orchestration.phase9'"),
    c("daily-checks-other-command", "daily", *WH, "--checks", "lint", *OUT,
      expect="--checks 'lint': not run by this command, which runs: quota, completeness"),
    c("daily-checks-only-commas", "daily", *WH, "--checks", ",,,", *OUT,
      expect="--checks ',,,' names no check; this command runs: quota"),
    c("daily-checks-injection", "daily", *WH, "--checks", "quota; DROP TABLE y", *OUT,
      expect="unknown check 'quota; DROP TABLE y'"),
    c("daily-unknown-format", "daily", *WH, "--format", "xml", *OUT, expect="'xml' is not one of"),
    # daily: profiles
    c("daily-unknown-profile", "daily", *WH, "--profile", "nba-prop", *OUT,
      expect="unknown profile 'nba-prop'"),
    c("daily-yaml-syntax", "daily", *WH, "--profile", "profiles/syntax.yaml", *OUT,
      expect="profile profiles/syntax.yaml: line 3 malformed YAML", console=True),
    c("daily-yaml-wrong-type", "daily", *WH, "--profile", "profiles/wrong_type.yaml", *OUT,
      expect="thresholds.quota.warn_pct: Input should be a valid number"),
    c("daily-yaml-unknown-key", "daily", *WH, "--profile", "profiles/unknown_key.yaml", *OUT,
      expect="profiles/unknown_key.yaml: threshold: unknown key"),
    c("daily-yaml-missing-key", "daily", *WH, "--profile", "profiles/missing_key.yaml", *OUT,
      expect="schedule: required key is missing"),
    c("daily-profile-table-injection", "daily", *WH, "--profile", "profiles/injection.yaml",
      *OUT, expect="schedule.table: table 'x; DROP TABLE y' is not a plain name"),
    c("daily-profile-backticks", "daily", *WH, "--profile", "profiles/backticks.yaml", *OUT,
      expect="table '`x`' is not a plain name"),
    c("daily-profile-column-space", "daily", *WH, "--profile", "profiles/space.yaml", *OUT,
      expect="schedule.date_column: 'game date' is not a plain name"),
    c("daily-profile-unicode-lookalike", "daily", *WH, "--profile", "profiles/lookalike.yaml",
      *OUT, expect="table dataset 'nb\u0430_raw' is not a plain name"),
    c("daily-profile-column-injection", "daily", *WH, "--profile",
      "profiles/column_injection.yaml", *OUT,
      expect="reference.registry.columns.0: 'x; DROP TABLE y' is not a plain name"),
    c("daily-profile-two-statements", "daily", *WH, "--profile", "profiles/statements.yaml",
      *OUT, expect="must be one expression, not several statements"),
    c("daily-profile-unknown-phase", "daily", *WH, "--profile", "profiles/unknown_phase.yaml",
      *OUT, expect="orchestration refers to unknown phase 'phase9'"),
    c("daily-profile-timezone", "daily", *WH, "--profile", "profiles/timezone.yaml", *OUT,
      expect="timezone: 'Mars/Olympus' is not an IANA timezone name"),
    c("daily-profile-is-directory", "daily", *WH, "--profile", "profiles/dir.yaml", *OUT,
      expect="profile profiles/dir.yaml: is a directory, expected a YAML file"),
    c("daily-profile-unreadable", "daily", *WH, "--profile", "profiles/loop.yaml", *OUT,
      expect="profile profiles/loop.yaml: cannot read"),
    c("daily-profile-missing", "daily", *WH, "--profile", "profiles/none.yaml", *OUT,
      expect="profile profiles/none.yaml: file not found"),
    # daily: warehouse and state URLs
    c("daily-warehouse-missing", "daily", "--warehouse", "duckdb://{tmp}/none.duckdb", *OUT,
      expect="warehouse file not found", console=True),
    c("daily-warehouse-is-directory", "daily", "--warehouse", "duckdb://{tmp}/out", *OUT,
      expect="is a directory, expected a DuckDB file"),
    c("daily-warehouse-not-duckdb", "daily", "--warehouse", "duckdb://{tmp}/notduck.duckdb",
      *OUT, expect="cannot open warehouse"),
    c("daily-warehouse-scheme", "daily", "--warehouse", "mysql://host/db", *OUT,
      expect="expected one of duckdb:///PATH"),
    c("daily-warehouse-no-path", "daily", "--warehouse", "duckdb://", *OUT,
      expect="names no path"),
    c("daily-warehouse-no-project", "daily", "--warehouse", "bigquery://", *OUT,
      expect="names no project"),
    c("daily-warehouse-malformed", "daily", "--warehouse", "bigquery://[::1", *OUT,
      expect="is malformed"),
    # Nothing listens on port 9 (discard): the BigQuery client cannot connect.
    c("daily-warehouse-unreachable", "daily", "--warehouse", "bigquery://nba-props-platform",
      "--profile", "profiles/fast.yaml", "--as-of", AS_OF, "--checks", "completeness", *OUT,
      report=True, env=(("BIGQUERY_EMULATOR_HOST", "127.0.0.1:9"),), console=True,
      expect=("**Could not run:** completeness.phase2, completeness.phase3, completeness.phase4,",
              "BigQuery kept failing (presence:nba_raw.", "after retries", "Connection refused")),
    c("daily-state-missing", "daily", "--warehouse", "duckdb://{wh}", "--state",
      "dir://{tmp}/nostate", *OUT, expect="state directory not found"),
    c("daily-state-is-file", "daily", "--warehouse", "duckdb://{wh}", "--state",
      "dir://{tmp}/afile", *OUT, expect="is not a directory"),
    c("daily-state-scheme", "daily", "--warehouse", "duckdb://{wh}", "--state", "redis://h/0",
      *OUT, expect="expected one of dir:///PATH"),
    c("daily-output-is-directory", "daily", *WH, "--output", "{tmp}/out",
      expect="--output {tmp}/out is a directory"),
    c("daily-output-no-directory", "daily", *WH, "--output", "{tmp}/nodir/r.md",
      expect="does not exist"),
    # daily: data that cannot be judged, or judged with its documented status
    c("daily-empty-warehouse", "daily", "--warehouse", "duckdb://{empty}", "--as-of", AS_OF,
      "--checks", "completeness", *OUT, report=True,
      expect="**Could not run:** completeness.phase2, completeness.phase3"),
    c("daily-zero-rows-for-the-date", "daily", "--warehouse", "duckdb://{zero}", "--as-of",
      AS_OF, "--checks", "completeness", *OUT, code=2, report=True,
      expect="| completeness.phase3 | ❌ FAIL | nba_analytics.player_game_summary: 2 of 2 games"),
    c("daily-missing-column", "daily", "--warehouse", "duckdb://{nocol}", "--as-of", AS_OF,
      "--checks", "completeness", *OUT, report=True,
      expect="**Could not run:** completeness.phase3\n"),
    c("daily-missing-table", "daily", "--warehouse", "duckdb://{notable}", "--as-of", AS_OF,
      "--checks", "completeness", *OUT, report=True,
      expect="**Could not run:** completeness.phase4\n"),
    c("daily-state-triggered-yes", "daily", "--warehouse", "duckdb://{wh}", "--state",
      "dir://{state_yes}", "--as-of", AS_OF, "--checks", "orchestration", *OUT, report=True,
      expect="\\_triggered must be true or false, got 'yes'"),
    c("daily-state-processor-not-map", "daily", "--warehouse", "duckdb://{wh}", "--state",
      "dir://{state_map}", "--as-of", AS_OF, "--checks", "orchestration", *OUT, report=True,
      expect="processor 'ml_feature_store' must be a map"),
    # historical
    c("historical-end-before-start", "historical", *WH, "--start", "2026-01-10", "--end",
      "2026-01-01", *OUT, expect="--end 2026-01-01 is before --start 2026-01-10"),
    c("historical-range-over-profile-limit", "historical", *WH, "--profile",
      "profiles/short_range.yaml", "--start", "2026-01-01", "--end", "2026-01-20", *OUT,
      expect="is 20 days, over the profile's limit of 5"),
    c("historical-impossible-start", "historical", *WH, "--start", "2026-13-01", *OUT,
      expect="--start '2026-13-01' is not a date"),
    # An unset shell variable (`--start "$FROM"`) is bad input, not "the default range".
    c("historical-empty-start", "historical", *WH, "--start", "", *OUT,
      expect="--start '' is not a date"),
    c("historical-default-start-out-of-range", "historical", *WH, "--end", "2000-01-03", *OUT,
      expect="starts before 2000-01-01"),
    c("historical-verify-after-as-of", "historical", *WH, "--verify-backfill", "2026-02-01",
      *OUT, expect="is after the as-of date", console=True),
    # quota
    c("quota-backfill-reversed", "quota", *WH, "--backfill", "2026-01-20", "2026-01-10", *OUT,
      expect="--backfill END 2026-01-10 is before --backfill START 2026-01-20"),
    c("quota-backfill-too-long", "quota", *WH, "--backfill", "2024-01-01", "2026-01-20", *OUT,
      expect="over the profile's limit of 400"),
    c("quota-backfill-future", "quota", *WH, "--backfill", "2026-03-01", "2026-03-02", *OUT,
      expect="--backfill END 2026-03-02 is after the as-of date"),
    c("quota-backfill-not-a-date", "quota", *WH, "--backfill", "yesterday", "today", *OUT,
      expect="--backfill 'yesterday' is not a date"),
    c("quota-backfill-one-date", "quota", "--backfill", "2026-01-20", *WH, *OUT,
      expect="takes two dates, START END (one date: --backfill D D); got '--warehouse' as END"),
    c("quota-empty-warehouse", "quota", "--warehouse", "duckdb://{empty}", "--as-of", AS_OF,
      *OUT, report=True, expect="**Could not run:** quota.table_operations"),
    # schema
    c("schema-table-injection", "schema", "--table", "x; DROP TABLE y", *OUT,
      expect="--table: table 'x; DROP TABLE y' must be written dataset.table"),
    c("schema-table-backticks", "schema", "--table", "nba_raw.`t`", *OUT,
      expect="--table: table '`t`' is not a plain name"),
    c("schema-table-unicode-lookalike", "schema", "--ddl", "code/ok.sql", "--table",
      "nb\u0430_raw.t", *OUT, expect="'nb\u0430_raw' is not a plain name"),
    c("schema-table-space", "schema", "--ddl", "code/ok.sql", "--table", "nba raw.t", *OUT,
      expect="'nba raw' is not a plain name"),
    c("schema-ddl-not-utf8", "schema", "--ddl", "code/latin1.sql", "--writer",
      "code/writer.py::build", *OUT, expect="DDL file code/latin1.sql: not UTF-8 text"),
    c("schema-ddl-is-directory", "schema", "--ddl", "code", *OUT, expect="is a directory"),
    c("schema-ddl-missing", "schema", "--ddl", "code/none.sql", *OUT, expect="does not exist"),
    c("schema-writer-missing", "schema", "--ddl", "code/ok.sql", "--writer",
      "code/none.py::build", *OUT, expect="--writer code/none.py::build: code/none.py: file"),
    c("schema-writer-not-a-spec", "schema", "--ddl", "code/ok.sql", "--writer",
      "code/writer.py", *OUT, expect="expected PATH::FUNCTION"),
    c("schema-writer-syntax-error", "schema", "--ddl", "code/ok.sql", "--writer",
      "code/broken.py::build", *OUT, report=True, expect="Python syntax error"),
    c("schema-nothing-configured", "schema", *OUT, expect="configures no schema tables"),
    # lint
    c("lint-missing-path", "lint", "nowhere", *OUT, expect="lint: nowhere: no such file"),
    c("lint-unparsable-files-reported-others-scanned", "lint", "lintsrc", *OUT, code=1,
      report=True,
      expect=(
          "`lintsrc/latin1.py:1` not UTF-8 (byte 0xff on line 1); file not scanned",
          "`lintsrc/broken.py:1` syntax error on line 1: invalid syntax; file not scanned",
          "`lintsrc/good.py:2` one-row client.insert_rows_json",  # the others: scanned
          "| lint.single-row-write | ⚠️ WARN | 1 finding in 1 file |",
      )),
    c("lint-deep-file-dev-zero-and-odd-gitignore-reported-others-scanned", "lint", "lintbad",
      *OUT, code=1, report=True,
      expect=(
          "`lintbad/deep.py:1` nested too deeply for the parser; file not scanned",
          "`lintbad/zero.py:1` is not a regular file (a device, FIFO or socket); file not",
          "`lintbad/good.py:2` one-row client.insert_rows_json",
          "| lint.single-row-write | ⚠️ WARN | 1 finding in 1 file |",  # ignored/ stays ignored
      )),
    c("lint-exclude-invalid-pattern", "lint", "lintsrc", "--exclude", "\\", *OUT,
      expect="lint: --exclude '\\\\': Invalid git pattern"),
    c("lint-profile-malformed", "lint", "lintsrc", "--profile", "profiles/syntax.yaml", *OUT,
      expect="malformed YAML"),
    # doctor
    c("doctor-empty-warehouse", "doctor", "--warehouse", "duckdb://{empty}", "--as-of", AS_OF,
      *OUT, code=2, report=True, expect="nba_raw.nbac_schedule: table not found"),
    c("doctor-missing-column", "doctor", "--warehouse", "duckdb://{nocol}", "--as-of", AS_OF,
      *OUT, code=2, report=True,
      expect="nba_analytics.player_game_summary.game_id: column not found"),
    c("doctor-profile-wrong-type", "doctor", "--warehouse", "duckdb://{wh}", "--profile",
      "profiles/wrong_type.yaml", *OUT, expect="Input should be a valid number"),
    # handoff
    c("handoff-notes-directory", "handoff", *WH, "--notes", "notes/dir.md", *OUT,
      expect="--notes notes/dir.md: is a directory, expected a Markdown file"),
    c("handoff-notes-missing", "handoff", *WH, "--notes", "notes/none.md", *OUT,
      expect="--notes notes/none.md: file not found"),
    c("handoff-notes-not-utf8", "handoff", *WH, "--notes", "notes/latin1.md", *OUT,
      expect="--notes notes/latin1.md: not UTF-8 text"),
    c("handoff-notes-unreadable", "handoff", *WH, "--notes", "notes/loop.md", *OUT,
      expect="--notes notes/loop.md: cannot read"),
    c("handoff-never-overwrites", "handoff", *WH, "--output", "{tmp}/handoff.md",
      expect="handoff.md exists already; pass --force"),
    c("handoff-impossible-date", "handoff", *WH, "--date", "2026-04-31", *OUT,
      expect="--date '2026-04-31' is not a date"),
    c("handoff-empty-date", "handoff", *WH, "--date", "", *OUT,
      expect="--date '' is not a date"),
    c("handoff-since-outside-git", "handoff", *WH, "--since", "HEAD~3", *OUT,
      expect="--since 'HEAD~3' needs a git repository"),
    # skills install
    c("skills-target-is-file", "skills", "install", "--target", "afile",
      expect="--target afile is not a directory"),
    c("skills-target-missing", "skills", "install", "--target", "nowhere/deeper",
      expect="--target nowhere/deeper is not a directory"),
    # guard: what it reads (stdin, the edited file, the profile) never fails it (exit 0 and
    # one "nothing checked" line, tests/test_guard.py); its command line can
    c("guard-files-without-flag", "guard", "afile",
      expect="FILES need --files (without it the hook payload is read from stdin)", console=True),
    # sample
    c("sample-path-is-file", "sample", "--path", "afile",
      expect="afile exists and is not a directory", console=True),
    c("sample-path-under-a-file", "sample", "--path", "afile/sub",
      expect="--path afile/sub: cannot create the directory"),
    # deploy: --deploy / PIPEVAL_DEPLOY, --repo and the profile's services
    c("deploy-no-deploy", "deploy", "--repo", ".", *OUT,
      expect="no deployments: pass --deploy run://PROJECT or dir:///PATH", console=True),
    c("deploy-scheme", "deploy", "--deploy", "s3://bucket", *OUT,
      expect="deploy URL 's3://bucket': expected one of run://PROJECT, dir:///PATH"),
    c("deploy-empty", "deploy", "--deploy", "", *OUT,
      expect="deploy URL '' is empty: use run://PROJECT or dir:///PATH"),
    c("deploy-env-scheme", "deploy", *OUT, env=(("PIPEVAL_DEPLOY", "mysql://h/db"),),
      expect="deploy URL 'mysql://h/db': expected one of", console=True),
    c("deploy-no-project", "deploy", "--deploy", "run://", *OUT, expect="names no project"),
    c("deploy-run-with-region", "deploy", "--deploy", "run://nba-props-platform/us-west2", *OUT,
      expect="expected run://PROJECT (regions come from the profile's services)"),
    c("deploy-url-credentials", "deploy", "--deploy", "run://user:pw@nba-props-platform", *OUT,
      expect="credentials in the URL are not supported"),
    c("deploy-dir-missing", "deploy", "--deploy", "dir://{tmp}/nodeploy", "--repo", "code",
      *OUT, expect="deployments directory not found"),
    c("deploy-repo-not-git", "deploy", "--deploy", "dir://{tmp}/out", *OUT,
      expect="the current directory {tmp} is not in a git repository (pass --repo PATH)"),
    c("deploy-repo-dir-not-git", "deploy", "--deploy", "dir://{tmp}/out", "--repo", "code",
      *OUT, expect="--repo code is not in a git repository"),
    c("deploy-repo-missing", "deploy", "--deploy", "dir://{tmp}/out", "--repo", "nowhere", *OUT,
      expect="--repo nowhere: not a directory"),
    c("deploy-repo-is-file", "deploy", "--deploy", "dir://{tmp}/out", "--repo", "afile", *OUT,
      expect="--repo afile: not a directory"),
    c("deploy-profile-no-services", "deploy", "--deploy", "dir://{tmp}/out", "--profile",
      "profiles/no_services.yaml", *OUT, expect="lists no services: add a services: section"),
    c("deploy-service-path-escape", "deploy", "--deploy", "dir://{tmp}/out", "--profile",
      "profiles/service_path_escape.yaml", *OUT,
      expect="services.15.paths.0: '../etc' is not a relative path inside the repository"),
    c("deploy-service-bad-name", "deploy", "--deploy", "dir://{tmp}/out", "--profile",
      "profiles/service_bad_name.yaml", *OUT, expect="'Worker_1' is not a Cloud Run service name"),
    c("deploy-service-unknown-phase", "deploy", "--deploy", "dir://{tmp}/out", "--profile",
      "profiles/service_unknown_phase.yaml", *OUT,
      expect="service 'worker' refers to unknown phase 'phase9'"),
    c("daily-deploy-scheme", "daily", *WH, "--deploy", "s3://bucket", *OUT,
      expect="deploy URL 's3://bucket': expected one of"),
    c("daily-deploy-repo-not-git", "daily", *WH, "--deploy", "dir://{tmp}/out", *OUT,
      expect="the current directory {tmp} is not in a git repository"),
    # demo: refused before the sample is built into the cache
    c("demo-impossible-date", "demo", "--date", "2026-02-30", *OUT, expect="is not a date"),
    c("demo-date-after-as-of", "demo", "--date", "2026-01-26", "--as-of", "2026-01-20T15:00:00Z",
      *OUT, expect="--date 2026-01-26 is after the as-of date 2026-01-20"),
    c("demo-date-outside-sample", "demo", "--date", "2026-03-01", *OUT,
      expect="--date 2026-03-01: the demo's sample has games 2025-12-01..2026-01-31"),
    c("demo-bad-as-of", "demo", "--as-of", "noon", *OUT, expect="--as-of 'noon' is not an ISO"),
    c("demo-malformed-profile", "demo", "--profile", "profiles/missing_key.yaml", *OUT,
      expect="schedule: required key is missing"),
]
# fmt: on

# Round 2 of the hardening (issue #19): outputs that would destroy inputs, reads that would
# hang, foreign files, hostile profiles, state documents that escape or cannot be read.
STATE_OUT = ("--warehouse", "duckdb://{wh}", "--as-of", AS_OF, "--checks", "orchestration")
# fmt: off
CASES += [
    # outputs never replace an input of the run, nor a FIFO
    c("daily-output-is-the-warehouse", "daily", *WH, "--output", "{wh}",
      expect="is an input of this run"),
    c("daily-output-inside-the-state-dir", "daily", *WH, "--output",
      "{state}/phase3_completion/2026-01-20.json", expect="is an input of this run"),
    c("doctor-output-is-the-profile", "doctor", "--warehouse", "duckdb://{wh}", "--profile",
      "profiles/fast.yaml", "--output", "profiles/fast.yaml", expect="is an input of this run"),
    c("schema-output-is-the-ddl", "schema", "--ddl", "code/ok.sql", "--writer",
      "code/writer.py::build", "--output", "code/ok.sql", expect="is an input of this run"),
    c("schema-output-is-the-writer", "schema", "--ddl", "code/ok.sql", "--writer",
      "code/writer.py::build", "--output", "code/writer.py", expect="is an input of this run"),
    c("schema-output-is-a-profile-ddl", "schema", "--profile", "profiles/ddl_input.yaml",
      "--output", "code/ok.sql", expect="is an input of this run"),
    c("handoff-output-is-the-notes", "handoff", *WH, "--notes", "notes/ok.md", "--force",
      "--output", "notes/ok.md", expect="is an input of this run"),
    c("daily-output-fifo-without-reader", "daily", *WH, "--checks", "hygiene", "--output",
      "{tmp}/fifo", expect="(no reader?)"),
    # reads that would hang or fill memory, foreign files
    c("daily-warehouse-fifo", "daily", "--warehouse", "duckdb://{tmp}/fifo", *OUT,
      expect="is not a regular file (a device, FIFO or socket), expected a DuckDB file"),
    c("daily-warehouse-sqlite", "daily", "--warehouse", "duckdb://{tmp}/db.sqlite", *OUT,
      expect="not a DuckDB database file"),
    c("daily-warehouse-md-url", "daily", "--warehouse", "md:my_db", *OUT,
      expect="warehouse URL 'md:my_db': expected one of"),
    c("daily-profile-dev-zero", "daily", *WH, "--profile", "/dev/zero", *OUT,
      expect="profile /dev/zero: is not a regular file"),
    c("daily-credentials-dev-zero", "daily", "--warehouse", "bigquery://nba-props-platform",
      "--credentials", "/dev/zero", *OUT, expect="--credentials: is not a regular file"),
    c("handoff-notes-dev-zero", "handoff", *WH, "--notes", "/dev/zero", *OUT,
      expect="--notes /dev/zero: is not a regular file"),
    c("schema-writer-dev-zero", "schema", "--ddl", "code/ok.sql", "--writer", "/dev/zero::f",
      *OUT, expect="/dev/zero: is not a regular file"),
    c("schema-profile-ddl-fifo", "schema", "--profile", "profiles/ddl_fifo.yaml", *OUT,
      report=True, expect="fifo: is not a regular file (a device, FIFO or socket)"),
    # sample never builds over a folder it did not make
    c("sample-path-empty", "sample", "--path", "", expect="--path '' names no directory"),
    c("sample-path-not-a-sample", "sample", "--path", "code",
      expect="--path code is not empty and holds no earlier sample; pass --force"),
    # hostile profiles: one line naming the file and the key
    c("daily-profile-duplicate-key", "daily", *WH, "--profile", "profiles/duplicate.yaml",
      *OUT, expect="profiles/duplicate.yaml: line 3 malformed YAML: duplicate key 'timezone'"),
    c("daily-profile-yaml-too-deep", "daily", *WH, "--profile", "profiles/deep_yaml.yaml",
      *OUT, expect="malformed YAML: nested deeper than 64 levels"),
    c("daily-profile-expression-too-deep", "daily", *WH, "--profile",
      "profiles/deep_expr.yaml", *OUT,
      expect="schedule.game_key: SQL expression: SQL expression nested deeper than 64 levels"),
    c("daily-profile-unclosed-comment", "daily", *WH, "--profile",
      "profiles/open_comment.yaml", *OUT,
      expect="schedule.game_key: SQL expression: cannot parse SQL expression 'game_id /*'"),
    c("daily-profile-unclosed-string", "daily", *WH, "--profile", "profiles/open_string.yaml",
      *OUT, expect="schedule.game_key: SQL expression: cannot parse SQL expression"),
    c("daily-profile-if-without-parentheses", "daily", *WH, "--profile",
      "profiles/if_command.yaml", *OUT, expect="'IF game_date' must be a scalar expression",
      console=True),  # through the script: sqlglot's warning went to the real stderr
    c("daily-profile-due-days-overflow", "daily", *WH, "--profile", "profiles/due_days.yaml",
      *OUT, expect="orchestration.0.due_days_after: Input should be less than or equal to 366"),
    c("historical-profile-cascade-overflow", "historical", *WH, "--profile",
      "profiles/cascade.yaml", *OUT,
      expect="historical.cascade_windows.long: Input should be less than or equal to 366"),
    # state documents: confined to the state root, unreadable ones said so
    c("daily-state-document-outside-the-root", "daily", *STATE_OUT, "--state",
      "dir://{tmp}/state_outside", *OUT, report=True,
      expect="points outside the state directory"),
    c("daily-state-document-is-a-directory", "daily", *STATE_OUT, "--state",
      "dir://{tmp}/state_dir", *OUT, report=True, expect="is unreadable (is a directory)"),
    c("daily-state-document-symlink-loop", "daily", *STATE_OUT, "--state",
      "dir://{tmp}/state_loop", *OUT, report=True, expect="is unreadable"),
] + [
    # Functions outside the allow-list are refused when the profile loads, naming the key.
    c(f"daily-profile-function-{name}", "daily", *WH, "--profile", f"profiles/fn_{name}.yaml",
      *OUT, expect=f"schedule.game_key: SQL expression: {call} calls {function}(), which is "
      "not allowed")
    for name, call, function in (
        ("setting", "\"current_setting('secret_directory') || game_id\"", "current_setting"),
        ("version", "'version() || game_id'", "version"),
        ("read_csv", "\"read_csv('/etc/passwd')\"", "READ_CSV"),
        ("read_text", "\"read_text('/etc/passwd')\"", "read_text"),
        ("getenv", "\"getenv('HOME')\"", "getenv"),
        ("external", "\"EXTERNAL_QUERY('c', 'SELECT 1')\"", "EXTERNAL_QUERY"),
    )
]
# fmt: on


def test_the_catalogue_covers_every_command_with_at_least_40_cases() -> None:
    assert len(CASES) >= 40
    assert len({case.id for case in CASES}) == len(CASES)
    commands = {case.args[0] for case in CASES}
    assert commands == {
        "daily",
        "historical",
        "quota",
        "schema",
        "lint",
        "doctor",
        "guard",
        "handoff",
        "skills",
        "sample",
        "demo",
        "deploy",
    }


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    scratch(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PIPEVAL_CACHE_DIR", str(tmp_path / "cache"))
    for name in (
        "PIPEVAL_WAREHOUSE",
        "PIPEVAL_STATE",
        "PIPEVAL_PROFILE",
        "PIPEVAL_CREDENTIALS",
        "PIPEVAL_DEPLOY",
    ):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def _args(case: Case, tmp: Path, shared: dict[str, Path]) -> list[str]:
    return [arg.format(tmp=tmp, **shared) for arg in case.args]


def _assert_contract(
    case: Case, tmp: Path, code: int, out: str, err: str, before: dict[str, str]
) -> None:
    expected = (case.expect,) if isinstance(case.expect, str) else case.expect
    expect = [text.format(tmp=tmp) for text in expected]
    assert "Traceback" not in out + err
    assert code == case.code, err or out[:400]
    after = snapshot(tmp)
    if not case.report:
        assert err.startswith("pipeval: error: ") and err.count("\n") == 1, err
        assert all(text in err for text in expect), err
        assert out == ""
        assert after == before  # nothing written, not even a temp file
        return
    assert err == ""
    # A run that completed keeps the SQL it produced in pipeval's cache (PIPEVAL_CACHE_DIR, set
    # to `cache/` here): documented, and never beside the user's files.
    written = {key for key in after if key not in before and key.split("/")[0] != "cache"}
    assert written == {"out/report.md"}  # the documented report, nothing else
    assert {key: after[key] for key in before} == before
    report = (tmp / "out" / "report.md").read_text("utf-8")
    assert [text for text in expect if text not in report] == []


def _shared_state(shared: dict[str, Path]) -> dict[str, dict[str, str]]:
    return {
        name: snapshot(path) if path.is_dir() else {"": snapshot_file(path)}
        for name, path in shared.items()
    }


def snapshot_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_bad_input(
    case: Case, workdir: Path, shared: dict[str, Path], run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in case.env:
        monkeypatch.setenv(name, value)
    untouched = _shared_state(shared)
    before = snapshot(workdir)
    code, out, err = run_cli(*_args(case, workdir, shared))
    _assert_contract(case, workdir, code, out, err, before)
    assert _shared_state(shared) == untouched  # warehouses and state byte-for-byte the same


CONSOLE_CASES = [case for case in CASES if case.console]


@pytest.mark.parametrize("case", CONSOLE_CASES, ids=lambda case: case.id)
def test_bad_input_through_the_console_script(
    case: Case, workdir: Path, shared: dict[str, Path]
) -> None:
    untouched = _shared_state(shared)
    before = snapshot(workdir)
    done = subprocess.run(
        [str(SCRIPT), *_args(case, workdir, shared)],
        capture_output=True,
        text=True,
        cwd=workdir,
        env={**os.environ, **dict(case.env), "PIPEVAL_CACHE_DIR": str(workdir / "cache")},
        check=False,
    )
    _assert_contract(case, workdir, done.returncode, done.stdout, done.stderr, before)
    assert _shared_state(shared) == untouched


def test_a_json_report_of_a_documented_status_is_complete(
    workdir: Path, shared: dict[str, Path], run_cli
) -> None:
    """Zero rows for the date is a finding (FAIL, exit 2), not a failure to run."""
    code, out, err = run_cli(
        "daily",
        "--warehouse",
        f"duckdb://{shared['zero']}",
        "--as-of",
        AS_OF,
        "--checks",
        "completeness",
        "--format",
        "json",
    )
    assert (code, err) == (2, "")
    checks = {check["id"]: check for check in json.loads(out)["checks"]}
    assert checks["completeness.phase3"]["status"] == "FAIL"
    assert checks["completeness.phase2"]["status"] == "OK"
