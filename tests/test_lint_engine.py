"""The lint engine on bad inputs and at scale: one bad file never stops the run, work grows
linearly with findings (counted operations, never time), wrappers are found across files, and
INFO findings do not raise the exit code."""

from __future__ import annotations

import gc
import json
import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

import pipeval.lint.source as source_module
import pipeval.lint.sqltext as sqltext_module
from pipeval.files import LIMITS
from pipeval.lint.engine import PARSE_ERROR, LintTarget, lint_text, scan
from pipeval.lint.rule import Settings

RunCli = Callable[..., tuple[int, str, str]]
HOT = Settings(frozenset({"nba_reference.processor_run_history"}))
ONE_ROW = "client.insert_rows_json('nba_raw.t', [row])\n"


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def by_path(root: Path, **kwargs: object) -> dict[str, list[tuple[str, str]]]:
    report = scan(LintTarget(paths=(root,), **kwargs), HOT, workers=1)  # type: ignore[arg-type]
    found: dict[str, list[tuple[str, str]]] = {}
    for hit in report.hits:
        found.setdefault(hit.path, []).append((hit.rule, hit.message))
    return found


# --- one bad input never aborts the run ---


def test_a_fifo_and_a_symlink_to_dev_zero_are_findings_not_hangs(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "a.py")
    (tmp_path / "b.py").symlink_to("/dev/zero")
    write(tmp_path, "c.py", ONE_ROW)
    found = by_path(tmp_path)
    for name in ("a.py", "b.py"):
        ((rule, message),) = found[name]
        assert rule == PARSE_ERROR.id
        assert message == "is not a regular file (a device, FIFO or socket); file not scanned"
    assert [rule for rule, _ in found["c.py"]] == ["single-row-write"]


def test_a_source_over_the_size_cap_is_a_finding(tmp_path: Path) -> None:
    (tmp_path / "huge.py").write_bytes(b"#" * (LIMITS["source"] + 1))
    write(tmp_path, "small.py", ONE_ROW)
    found = by_path(tmp_path)
    ((rule, message),) = found["huge.py"]
    assert rule == PARSE_ERROR.id and "larger than 8 MiB" in message
    assert "small.py" in found


def test_a_file_nested_too_deep_is_a_parse_error_and_the_rest_are_scanned(
    tmp_path: Path,
) -> None:
    (tmp_path / "deep.py").write_text("x = " + " + ".join(["a"] * 100_000) + "\n")
    write(tmp_path, "z_after.py", ONE_ROW)
    found = by_path(tmp_path)
    assert found["deep.py"] == [
        ("parse-error", "nested too deeply for the parser; file not scanned")
    ]
    assert [rule for rule, _ in found["z_after.py"]] == ["single-row-write"]


def test_lint_text_reports_unparsable_text_instead_of_raising() -> None:
    result = lint_text("def f(:\n", HOT)
    assert not result.parsed
    assert [(hit.rule, hit.line) for hit in result.hits] == [("parse-error", 1)]


def test_gitignore_lines_git_accepts_do_not_crash_and_the_rest_apply(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", "!\n\\\ngenerated/\n!keep.py\n")
    write(tmp_path, "generated/client.py", ONE_ROW)
    write(tmp_path, "app.py", ONE_ROW)
    found = by_path(tmp_path)
    assert set(found) == {"app.py"}


def test_a_gitignore_that_is_a_fifo_is_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / ".gitignore")
    write(tmp_path, "app.py", ONE_ROW)
    assert set(by_path(tmp_path)) == {"app.py"}


def test_a_bad_exclude_is_exit_3_with_its_reason(run_cli: RunCli, tmp_path: Path) -> None:
    write(tmp_path, "app.py", ONE_ROW)
    code, out, err = run_cli("lint", str(tmp_path), "--exclude", "\\")
    assert (code, out) == (3, "")
    assert err.count("\n") == 1
    assert "--exclude '\\\\'" in err and "Invalid git pattern" in err


# --- linear in findings: counted operations, not time ---


def _count_splits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Characters read, per call of the one function that finds where lines start."""
    calls: list[int] = []
    real = source_module.line_starts

    def counting(text: str) -> list[int]:
        calls.append(len(text))
        return real(text)

    monkeypatch.setattr(source_module, "line_starts", counting)
    return calls


def test_eight_thousand_findings_in_one_file_find_the_line_starts_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = _count_splits(monkeypatch)
    text = "def flush(client, rows):\n" + "".join(
        f"    client.load_table_from_json([rows[{i}]], 'nba_reference.processor_run_history')\n"
        for i in range(8000)
    )
    hits = lint_text(text, HOT).hits
    assert len(hits) == 8000
    assert {hit.severity.value for hit in hits} == {"FAIL"}
    assert hits[-1].call.startswith("client.load_table_from_json([rows[7999]]")
    # Before: `ast.get_source_segment` re-split the whole file for each finding (8,000 times).
    assert calls == [len(text)]


def test_call_text_from_the_offsets_matches_the_source_segment() -> None:
    text = (
        "# café ☕\r\n"
        "def f(client, row):\r\n"
        "    note = 'é'; client.insert_rows_json(  # ünïcode\r\n"
        "        'nba_raw.t', [row])\n"
    )
    (hit,) = lint_text(text, HOT).hits
    assert hit.call == "client.insert_rows_json( # ünïcode 'nba_raw.t', [row])"


def test_functions_without_a_write_or_sql_word_are_not_indexed() -> None:
    plain = "".join(f"def helper_{i}(x):\n    return sorted(x)[{i}]\n\n" for i in range(50))
    source = source_module.SourceFile.index(
        plain + "def save(c, r):\n    c.insert_rows_json('t', [r])\n",
        __import__("ast").parse(plain + "def save(c, r):\n    c.insert_rows_json('t', [r])\n"),
        __import__("pipeval.lint.writes", fromlist=["TRIGGERS"]).TRIGGERS,
    )
    assert [site.node.func.attr for site in source.calls] == ["insert_rows_json"]


def test_an_attribute_assigned_in_a_method_not_indexed_is_not_a_constant() -> None:
    text = textwrap.dedent(
        """
        class Writer:
            def __init__(self):
                self.table = "nba_reference.processor_run_history"

            def retarget(self, name):
                self.table = name

            def write(self, client, row):
                client.insert_rows_json(self.table, [row])
        """
    )
    (hit,) = lint_text(text, HOT).hits
    assert hit.severity.value == "WARN"  # not FAIL: `retarget` may have changed the table


def test_twice_the_sql_names_cost_twice_the_template_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`sql = f"..."; client.query(sql)` repeated in one function: each query reads a bounded
    window of the name's assignments, so the work per query does not grow with the file."""
    counts: list[int] = []
    real = sqltext_module.template

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        counts[-1] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(sqltext_module, "template", counting)
    found = []
    for size in (2000, 4000):
        counts.append(0)
        body = "".join(
            f"    sql = f\"DELETE FROM nba_raw.t WHERE player_lookup = '{{p{i}}}'\"\n"
            "    client.query(sql)\n"
            for i in range(size)
        )
        hits = lint_text("def purge(client, **p):\n" + body, HOT).hits
        found.append(len([hit for hit in hits if hit.rule == "sql-string-building"]))
    assert found == [2000, 4000]
    assert counts[1] <= 2.2 * counts[0]


# --- wrappers across files, INFO and the exit code ---


def test_a_wrapper_in_one_file_makes_calls_in_another_a_sink(tmp_path: Path) -> None:
    write(
        tmp_path,
        "shared/bq.py",
        """
        def execute_bigquery(sql, project=None):
            return list(make_client(project).query(sql).result())
        """,
    )
    write(
        tmp_path,
        "jobs/helpers.py",
        """
        from shared.bq import execute_bigquery

        def run_statement(statement):
            return execute_bigquery(statement)
        """,
    )
    write(
        tmp_path,
        "jobs/reprocess.py",
        """
        from jobs.helpers import run_statement

        def reprocess(team):
            run_statement(f"DELETE FROM nba_raw.bdl_boxscores WHERE team = '{team}'")
        """,
    )
    report = scan(LintTarget(paths=(tmp_path,)), HOT, workers=1)
    assert report.wrappers == ["execute_bigquery", "run_statement"]
    (hit,) = report.hits
    assert (hit.rule, hit.path, hit.line) == ("sql-string-building", "jobs/reprocess.py", 4)
    assert hit.extra["via"] == "run_statement" and hit.sink is None
    # On its own, the calling file cannot know `run_statement` is a sink.
    alone = (tmp_path / "jobs" / "reprocess.py").read_text(encoding="utf-8")
    assert lint_text(alone, HOT).hits == []


def test_info_findings_do_not_raise_the_exit_code(run_cli: RunCli, tmp_path: Path) -> None:
    write(
        tmp_path,
        "window.py",
        """
        def recent(client, days_back):
            client.query(f"SELECT * FROM nba_raw.t LIMIT {int(days_back)}")
        """,
    )
    code, out, _ = run_cli("lint", str(tmp_path), "--format", "json")
    document = json.loads(out)
    check = next(c for c in document["checks"] if c["id"] == "lint.sql-string-building")
    assert [f["severity"] for f in check["findings"]] == ["INFO"]
    assert check["status"] == "OK"
    assert document["status"] == "OK" and code == 0
    assert check["findings"][0]["data"]["values"][0]["origin"] == "checked"


def test_a_linted_file_leaves_no_cycles_for_the_collector() -> None:
    """The engine lints with the cyclic collector paused: a class's scope and its parent's
    `classes`, or a method's scope in its class's `instance`, must not keep the tree alive."""
    text = textwrap.dedent(
        """
        class Outer:
            TABLE = "nba_raw.t"

            class Inner:
                pass

            def __init__(self, client):
                self.client = client

            def save(self, row):
                self.client.insert_rows_json(self.TABLE, [row])

            def plain(self):
                self.count = 0
        """
    )
    gc.collect()
    gc.disable()
    try:
        assert len(lint_text(text, HOT).hits) == 1
        assert gc.collect() == 0
    finally:
        gc.enable()
