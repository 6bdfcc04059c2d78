"""`pipeval lint PATH...` end to end on real files: paths, excludes, suppressions, unreadable
files, exit codes, JSON field names and the Markdown report."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeval.checks import DAILY_FAMILIES, select_checks
from pipeval.errors import InputError
from pipeval.lint import engine
from pipeval.lint.engine import LintTarget, scan
from pipeval.lint.rule import Settings
from pipeval.profile import Profile
from pipeval.query import Context
from pipeval.suites.runner import run_check

RunCli = Callable[..., tuple[int, str, str]]

RUN_HISTORY = '''
    """Seed 000: one load job per processor run."""
    from google.cloud import bigquery

    TABLE = "nba-props-platform.nba_reference.processor_run_history"


    def record_run(client, record):
        job_config = bigquery.LoadJobConfig(write_disposition="WRITE_APPEND")
        client.load_table_from_json([record], TABLE, job_config=job_config).result()
'''
RETRY_QUEUE = '''
    def mark_failed(client, table, error_message, existing_id):
        query = f"""
        UPDATE `{table}` SET status = 'failed',
        error_message = '{(error_message[:4000] if error_message else "").replace("'", "''")}'
        WHERE id = '{existing_id}'
        """
        client.query(query).result()
'''
EVENTS = """
    def log_events(events):
        for event in events:
            insert_bigquery_rows([event])  # pipeval: ignore[single-row-write]
"""
CLEAN = """
    def flush(client, rows, table_id):
        client.load_table_from_json(rows, table_id).result()
"""
ONE_ROW = """
    def log(client, table_id, record):
        client.insert_rows_json(table_id, [record])
"""


def write(root: Path, relative: str, text: str | bytes) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A small pipeline repository with the seeds' shapes and the files lint must skip."""
    root = tmp_path / "repo"
    write(root, "shared/processors/run_history_mixin.py", RUN_HISTORY)
    write(root, "orchestration/retry_queue.py", RETRY_QUEUE)
    write(root, "monitoring/pipeline_events.py", EVENTS)
    write(root, "shared/utils/batch.py", CLEAN)
    write(root, "broken/half_edit.py", "def log(client, row:\n    client.query('x')\n")
    write(root, "broken/latin1.py", b"# caf\xe9\nclient.insert_rows_json(t, [r])\n")
    write(root, "vendor/bq_helpers.py", ONE_ROW)
    write(root, "tests/test_writer.py", ONE_ROW)
    write(root, "shared/writer_test.py", ONE_ROW)
    write(root, "test_smoke.py", ONE_ROW)
    write(root, ".venv/lib/site.py", ONE_ROW)
    write(root, "generated/client.py", ONE_ROW)
    write(root, ".gitignore", "generated/\n")
    return root


def run_json(run_cli: RunCli, *args: str) -> tuple[int, dict, str]:
    code, out, err = run_cli("lint", *args, "--format", "json")
    return code, json.loads(out) if out else {}, err


def findings(document: dict) -> list[dict]:
    return [f for check in document["checks"] for f in check["findings"]]


def paths(document: dict, rule: str | None = None) -> set[str]:
    return {
        f["data"]["path"] for f in findings(document) if rule is None or f["data"]["rule"] == rule
    }


def test_json_report_names_every_rule_and_relative_paths(run_cli: RunCli, repo: Path) -> None:
    code, document, err = run_json(run_cli, str(repo))
    assert err == ""
    assert code == 2  # a single-row write to a hot table
    assert document["suite"] == "lint"
    assert document["status"] == "FAIL"
    assert [c["id"] for c in document["checks"]] == [
        "lint.single-row-write",
        "lint.write-in-loop",
        "lint.sql-string-building",
        "lint.parse-error",
    ]
    for check in document["checks"]:
        assert check["category"] == "lint"
        for item in check["findings"]:
            data = item["data"]
            assert check["id"] == f"lint.{data['rule']}"
            assert isinstance(data["line"], int) and data["line"] >= 1
            assert not Path(data["path"]).is_absolute()
            assert (repo / data["path"]).is_file()
            assert item["subject"].endswith(f"{data['path']}:{data['line']}")
    by_rule = {c["id"]: c for c in document["checks"]}
    single = by_rule["lint.single-row-write"]["findings"]
    (hot,) = [item for item in single if item["severity"] == "FAIL"]
    assert hot["data"]["path"] == "shared/processors/run_history_mixin.py"
    assert hot["data"]["line"] == 9
    assert hot["data"]["table"] == "nba_reference.processor_run_history"
    assert hot["data"]["call"].startswith("client.load_table_from_json([record], TABLE")
    assert "1,500" in hot["data"]["why"]
    (sql,) = by_rule["lint.sql-string-building"]["findings"]
    assert (sql["data"]["path"], sql["data"]["line"]) == ("orchestration/retry_queue.py", 7)
    assert by_rule["lint.sql-string-building"]["remediation"]


def test_test_folders_gitignore_and_default_excludes_are_skipped(
    run_cli: RunCli, repo: Path
) -> None:
    _, document, _ = run_json(run_cli, str(repo))
    seen = paths(document)
    for skipped in (
        "tests/test_writer.py",
        "shared/writer_test.py",
        "test_smoke.py",
        ".venv/lib/site.py",
        "generated/client.py",
    ):
        assert skipped not in seen
    assert "vendor/bq_helpers.py" in seen


def test_include_tests_scans_test_files(run_cli: RunCli, repo: Path) -> None:
    _, document, _ = run_json(run_cli, str(repo), "--include-tests")
    assert {"tests/test_writer.py", "shared/writer_test.py", "test_smoke.py"} <= paths(
        document, "single-row-write"
    )


def test_exclude_patterns_are_gitignore_style(run_cli: RunCli, repo: Path) -> None:
    _, document, _ = run_json(run_cli, str(repo), "--exclude", "vendor/", "--exclude", "broken/*")
    seen = paths(document)
    assert "vendor/bq_helpers.py" not in seen
    assert not {p for p in seen if p.startswith("broken/")}
    assert "shared/processors/run_history_mixin.py" in seen


def test_unparsable_files_are_reported_and_the_rest_scanned(run_cli: RunCli, repo: Path) -> None:
    _, document, _ = run_json(run_cli, str(repo))
    check = next(c for c in document["checks"] if c["id"] == "lint.parse-error")
    assert check["status"] == "WARN"
    reported = {f["data"]["path"]: f for f in check["findings"]}
    assert set(reported) == {"broken/half_edit.py", "broken/latin1.py"}
    assert "syntax error on line 1" in reported["broken/half_edit.py"]["message"]
    assert "not UTF-8" in reported["broken/latin1.py"]["message"]
    assert "0xe9" in reported["broken/latin1.py"]["message"]
    # the files after them were still scanned
    assert "vendor/bq_helpers.py" in paths(document, "single-row-write")
    assert document["stats"]["files"] == 7
    assert document["stats"]["parsed"] == 5


def test_suppression_removes_one_finding_and_is_counted(run_cli: RunCli, repo: Path) -> None:
    _, document, _ = run_json(run_cli, str(repo))
    by_rule = {c["id"]: c for c in document["checks"]}
    single = by_rule["lint.single-row-write"]
    assert "monitoring/pipeline_events.py" not in paths(document, "single-row-write")
    assert single["metrics"]["suppressed"] == 1
    assert "1 suppressed" in single["summary"]
    # the same line still breaks the other rule, which was not suppressed
    (loop,) = by_rule["lint.write-in-loop"]["findings"]
    assert (loop["data"]["path"], loop["data"]["line"]) == ("monitoring/pipeline_events.py", 3)


def test_a_file_path_is_its_own_root(run_cli: RunCli, repo: Path) -> None:
    target = repo / "vendor" / "bq_helpers.py"
    code, document, _ = run_json(run_cli, str(target))
    assert code == 1
    (item,) = findings(document)
    assert item["data"]["path"] == "bq_helpers.py"
    assert item["data"]["root"] == str(target.parent)


def test_relative_path_argument(run_cli: RunCli, repo: Path, monkeypatch) -> None:
    monkeypatch.chdir(repo.parent)
    _, document, _ = run_json(run_cli, "repo/shared")
    assert paths(document) == {"processors/run_history_mixin.py"}
    (item,) = findings(document)
    assert item["subject"] == "repo/shared/processors/run_history_mixin.py:9"


def test_exit_codes(run_cli: RunCli, repo: Path, tmp_path: Path) -> None:
    assert run_cli("lint", str(repo / "shared" / "utils"))[0] == 0
    assert run_cli("lint", str(repo / "vendor"))[0] == 1
    assert run_cli("lint", str(repo / "shared"))[0] == 2
    code, out, err = run_cli("lint", str(repo), str(tmp_path / "missing"))
    assert code == 3
    assert out == ""
    assert err.count("\n") == 1 and "missing: no such file or directory" in err
    code, _, err = run_cli("lint")
    assert code == 3 and err.count("\n") == 1


def test_hot_tables_come_from_the_profile(run_cli: RunCli, repo: Path, tmp_path: Path) -> None:
    profile = write(tmp_path, "cold.yaml", "extends: nba-props\nlint_hot_tables: []\n")
    code, document, _ = run_json(run_cli, str(repo / "shared"), "--profile", str(profile))
    assert code == 1
    assert {f["severity"] for f in findings(document)} == {"WARN"}


def test_markdown_report_and_output_file(run_cli: RunCli, repo: Path, tmp_path: Path) -> None:
    report = tmp_path / "lint.md"
    code, out, err = run_cli("lint", str(repo), "--output", str(report))
    assert (code, out, err) == (2, "", "")
    text = report.read_text(encoding="utf-8")
    assert text.startswith("# pipeval lint")
    assert "| lint.single-row-write | ❌ FAIL |" in text
    assert "| lint.sql-string-building | ⚠️ WARN |" in text
    assert "run_history_mixin.py:9`" in text
    assert "Why it matters:" in text
    assert "ScalarQueryParameter" in text


def test_clean_markdown_says_so(run_cli: RunCli, repo: Path) -> None:
    code, out, _ = run_cli("lint", str(repo / "shared" / "utils"))
    assert code == 0
    assert "No findings." in out
    assert out.count("| ✅ OK |") == 4
    assert "1 file (1 parsed)" in out


WRAPPER = """
    def run_sql(client, statement):
        return client.query(statement).result()
"""
THROUGH_WRAPPER = """
    from shared.bq import run_sql


    def purge(client, days):
        for day in days:
            run_sql(client, f"DELETE FROM nba_raw.t WHERE game_date = '{day}'")
"""


def test_process_pool_gives_the_same_findings_as_one_process(tmp_path: Path) -> None:
    """Finding identity across the two paths: the same reports per file in the files' order,
    and the same findings (messages, order, wrappers found across files) from `scan`, though
    the pool hands out the largest files first."""
    root = tmp_path / "big"
    shapes = [RUN_HISTORY, RETRY_QUEUE, EVENTS, CLEAN, ONE_ROW, "x = 1\n", THROUGH_WRAPPER]
    for index in range(300):
        padding = "\n" * (index * 37 % 500)  # sizes out of the files' order
        shape = shapes[index % len(shapes)]
        write(root, f"pkg{index % 7}/module_{index}.py", textwrap.dedent(shape) + padding)
    write(root, "pkg3/broken.py", "def f(:\n")
    write(root, "shared/bq.py", WRAPPER)
    target = LintTarget(paths=(root,))
    settings = Settings(frozenset({"nba_reference.processor_run_history"}))
    files = engine.discover(target)
    assert engine.batches(files, 2)[0] != list(range(len(engine.batches(files, 2)[0])))
    pooled_reports = engine._pooled(files, settings, 2)
    assert pooled_reports is not None  # the pool ran (not the in-process fallback)
    assert pooled_reports == engine._lint_batch(files, settings)
    serial = scan(target, settings, workers=1)
    pooled = scan(target, settings, workers=2)
    assert serial.files == pooled.files == 302
    assert serial.hits == pooled.hits
    assert [hit.message for hit in serial.hits] == [hit.message for hit in pooled.hits]
    assert serial.suppressed == pooled.suppressed
    assert serial.wrappers == pooled.wrappers == ["run_sql"]
    assert (serial.parsed, serial.crashes) == (pooled.parsed, pooled.crashes) == (301, {})
    rules = {hit.rule for hit in serial.hits}
    assert rules == {"single-row-write", "sql-string-building", "write-in-loop", "parse-error"}


def test_a_declared_source_encoding_is_honoured(tmp_path: Path) -> None:
    write(
        tmp_path, "legacy.py", b"# -*- coding: latin-1 -*-\n# caf\xe9\nc.insert_rows_json(t, [r])\n"
    )
    report = scan(LintTarget(paths=(tmp_path,)), Settings())
    assert report.parsed == 1
    assert [(hit.rule, hit.path, hit.line) for hit in report.hits] == [
        ("single-row-write", "legacy.py", 3)
    ]


def test_lint_checks_outside_pipeval_lint_say_how_to_run_them(profile: Profile) -> None:
    # `daily --checks lint` is bad input naming what daily runs (no longer four ERROR rows)
    with pytest.raises(InputError, match="--checks 'lint': not run by this command, which runs"):
        select_checks(profile, "lint", DAILY_FAMILIES)
    checks = select_checks(profile, "lint", ())  # no default families: any check may be named
    assert [check.id for check in checks] == [
        "lint.single-row-write",
        "lint.write-in-loop",
        "lint.sql-string-building",
        "lint.parse-error",
    ]
    now = datetime(2026, 1, 27, 15, tzinfo=UTC)
    ctx = Context(profile=profile, as_of=now, start=now.date(), end=now.date())
    results = [run_check(check, ctx) for check in checks]
    assert {result.status.value for result in results} == {"ERROR"}
    assert all("pipeval lint PATH" in result.summary for result in results)
