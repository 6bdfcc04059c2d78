"""The on-disk SQL cache: a warm run needs no sqlglot, and a bad cache file costs nothing.

Each test points PIPEVAL_CACHE_DIR at its own directory and runs the real console entry point
in a fresh interpreter, so what is imported is what a user's process imports.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DAY = ["--date", "2026-01-26", "--as-of", "2026-01-27T15:00:00Z", "--format", "json"]
# Modules a warm JSON run never needs: SQL rendering, Markdown, the profile's YAML and its
# validation, cloud clients; and duckdb's Python layer where the engine is a module of its own
# (`_duckdb`, duckdb >= 1.4: the embedded adapter imports only it).
HEAVY = {"sqlglot", "jinja2", "rich", "yaml", "pydantic", "pydantic_core", "google"}
if importlib.util.find_spec("_duckdb") is not None:
    HEAVY.add("duckdb")
# Runs `pipeval ARGS` and prints, after the JSON report, which heavy modules it imported.
PROBE = (
    f"import sys, json\nHEAVY = set({sorted(HEAVY)!r})\n"
    "from pipeval.cli.main import main\n"
    "try:\n"
    "    main(sys.argv[1:])\n"
    "except SystemExit:\n"
    "    pass\n"
    "heavy = sorted({m.split('.')[0] for m in sys.modules} & HEAVY)\n"
    "print('IMPORTED ' + json.dumps(heavy))\n"
)


def run(sample_urls: list[str], cache: Path, *args: str) -> tuple[dict, list[str]]:
    env = {**os.environ, "PIPEVAL_CACHE_DIR": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "daily", *sample_urls, *DAY, *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    report, _, imported = done.stdout.rpartition("IMPORTED ")
    assert imported, done.stderr
    document = json.loads(report)
    document.pop("duration_s")
    return document, json.loads(imported)


def cache_files(cache: Path) -> list[Path]:
    return sorted((cache / "sql").glob("*")) if (cache / "sql").is_dir() else []


def test_a_warm_run_imports_no_sqlglot_and_reports_the_same(
    sample_urls: list[str], tmp_path: Path
) -> None:
    cold, cold_imports = run(sample_urls, tmp_path)
    (written,) = cache_files(tmp_path)  # one file: this version, code and profile
    assert written.name.startswith("sql-") and written.suffix == ".json"
    warm, warm_imports = run(sample_urls, tmp_path)
    assert warm == cold
    # The first run parses and validates the profile (pydantic), renders and transpiles.
    assert {"sqlglot", "yaml", "pydantic"} <= set(cold_imports)
    # The second reads its SQL and validated profile back: no sqlglot, no YAML, no pydantic, no
    # jinja2, no rich, no cloud client.
    assert warm_imports == []


@pytest.mark.parametrize(
    "damage",
    [
        "not json at all",
        json.dumps({"format": 1, "entries": ["a list"]}),
        json.dumps({"format": 999, "entries": {}}),
        "",
    ],
    ids=["garbage", "wrong-shape", "other-format", "empty"],
)
def test_a_bad_cache_file_is_rebuilt_silently(
    sample_urls: list[str], tmp_path: Path, damage: str
) -> None:
    expected, _ = run(sample_urls, tmp_path)
    (written,) = cache_files(tmp_path)
    written.write_text(damage, "utf-8")
    again, imports = run(sample_urls, tmp_path)
    assert again == expected and "sqlglot" in imports  # rebuilt, same answers
    assert json.loads(written.read_text("utf-8"))["format"] == 1
    assert cache_files(tmp_path) == [written]  # no temp file left beside it


def test_another_profile_gets_its_own_file(sample_urls: list[str], tmp_path: Path) -> None:
    profile = tmp_path / "mine.yaml"
    profile.write_text("extends: nba-props\nname: mine\n", "utf-8")
    run(sample_urls, tmp_path / "cache")
    run(sample_urls, tmp_path / "cache", "--profile", str(profile))
    assert len(cache_files(tmp_path / "cache")) == 2


def test_an_unwritable_cache_dir_only_costs_speed(sample_urls: list[str], tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache directory would go", "utf-8")
    document, _ = run(sample_urls, blocked)
    assert document["status"] == "FAIL" and document["checks"]
