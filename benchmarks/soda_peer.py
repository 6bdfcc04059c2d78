"""The peer: Soda Core's DuckDB scan, in its own venv under the benchmark cache.

`soda-core-duckdb` pins `duckdb<1.1`, which conflicts with pipeval's duckdb and cannot open the
sample's file; so the benchmark installs it in a separate venv, copies the tables its checks read
into a DuckDB file written in the v1.0 storage format, and runs `soda_scan.py` there. When any
step fails the result says why instead of a number.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

REQUIREMENT = "soda-core-duckdb>=3.5,<4"
SCRIPT = Path(__file__).with_name("soda_scan.py")
# The tables the Soda checks read, flattened into one schema (as Soda's DuckDB source expects).
COPY_SQL = (
    "CREATE TABLE dst.main.nbac_schedule AS SELECT * FROM src.nba_raw.nbac_schedule",
    "CREATE TABLE dst.main.nbac_gamebook_player_stats AS "
    "SELECT * FROM src.nba_raw.nbac_gamebook_player_stats",
    "CREATE TABLE dst.main.odds_api_player_points_props AS "
    "SELECT * FROM src.nba_raw.odds_api_player_points_props",
    "CREATE TABLE dst.main.player_game_summary AS "
    "SELECT * FROM src.nba_analytics.player_game_summary",
    "CREATE TABLE dst.main.upcoming_player_game_context AS "
    "SELECT * FROM src.nba_analytics.upcoming_player_game_context",
    "CREATE TABLE dst.main.ml_feature_store_v2 AS "
    "SELECT * FROM src.nba_predictions.ml_feature_store_v2",
    "CREATE TABLE dst.main.player_prop_predictions AS "
    "SELECT * FROM src.nba_predictions.player_prop_predictions",
    "CREATE TABLE dst.main.nba_players_registry AS "
    "SELECT * FROM src.nba_reference.nba_players_registry",
)
INSTALL_TIMEOUT_S = 600


@dataclass
class SodaSetup:
    python: Path | None
    database: Path | None
    reason: str = ""  # why Soda could not run, when it could not
    notes: list[str] = field(default_factory=list)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def ensure_venv(root: Path) -> tuple[Path | None, str]:
    """The venv's python, installing soda-core-duckdb on first use; or None and the reason."""
    venv = root / "soda-venv"
    python = venv / "bin" / "python"
    marker = venv / ".installed"
    if marker.is_file() and python.is_file():
        return python, ""
    try:
        subprocess.run(
            [sys.executable, "-m", "venv", "--clear", str(venv)],
            check=True,
            capture_output=True,
            text=True,
        )
        done = subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                REQUIREMENT,
            ],
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT_S,
        )
    except (OSError, subprocess.SubprocessError) as err:
        return None, f"could not create the Soda venv: {err}"
    if done.returncode != 0:
        return None, f"pip install {REQUIREMENT} failed: {_last_line(done.stderr)}"
    marker.write_text(REQUIREMENT + "\n")
    return python, ""


def export_tables(warehouse: Path, target: Path) -> Path:
    """Copy the checked tables into a v1.0-format DuckDB file that Soda's duckdb can open."""
    if target.is_file() and target.stat().st_mtime >= warehouse.stat().st_mtime:
        return target
    partial = target.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    con = duckdb.connect()
    try:
        con.execute("ATTACH ? AS src (READ_ONLY)", [str(warehouse)])
        con.execute("ATTACH ? AS dst (STORAGE_VERSION 'v1.0.0')", [str(partial)])
        for statement in COPY_SQL:
            con.execute(statement)
        con.execute("DETACH dst")
    finally:
        con.close()
    os.replace(partial, target)
    return target


def prepare(root: Path, warehouse: Path) -> SodaSetup:
    python, reason = ensure_venv(root)
    if python is None:
        return SodaSetup(None, None, reason)
    try:
        database = export_tables(warehouse, root / f"soda-{warehouse.parent.name}.duckdb")
    except duckdb.Error as err:
        return SodaSetup(
            None, None, f"could not export the tables for Soda: {_last_line(str(err))}"
        )
    return SodaSetup(python, database)


def run_scans(setup: SodaSetup, scopes: list[dict[str, Any]], warmup: int, reps: int) -> dict:
    """Run the scopes in the Soda venv; returns soda_scan.py's JSON plus the process wall time."""
    assert setup.python is not None and setup.database is not None
    spec = {"database": str(setup.database), "warmup": warmup, "reps": reps, "scopes": scopes}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(spec, handle)
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [str(setup.python), str(SCRIPT), handle.name], capture_output=True, text=True
        )
    finally:
        os.unlink(handle.name)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        return {"error": f"soda scan failed: {_last_line(done.stderr)}", "wall_s": wall}
    return {**json.loads(done.stdout), "wall_s": wall}
