"""`pipeval guard`: recorded Claude Code hook payloads through the real command.

Each payload in tests/data/hooks/ is what Claude Code sends a PostToolUse hook after an edit
(`{project}` stands for the project directory). The project is a small pipeline built here:
a processor, a batched writer, a prediction writer configured in the profile's `schema:`
section with its DDL file, and a Markdown note.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HOOKS = Path(__file__).parent / "data" / "hooks"
REPO = Path(__file__).resolve().parents[1]
SCRIPT = Path(sys.executable).parent / "pipeval"

RUN_LOG = """\
from google.cloud import bigquery


def record_run(client: bigquery.Client, table: str, row: dict) -> None:
    \"\"\"Append one processor run to the run log.\"\"\"
    client.load_table_from_json([row], table)
"""

BATCHING = """\
def flush(client, table: str, rows: list[dict]) -> int:
    written = len(rows)
    if rows:
        client.load_table_from_json(rows, table)
    rows.clear()
    return written
"""

WRITER = """\
class PredictionWriter:
    def build_record(self, prediction, tier):
        return {
            "prediction_id": prediction.id,
            "game_id": prediction.game_id,
            "game_date": prediction.game_date,
            "player_lookup": prediction.player,
            "system_id": prediction.system,
            "current_points_line": prediction.line,
            "is_active": True,
            "confidence_tier": tier,
            "created_at": prediction.created_at,
        }
"""

DDL = """\
CREATE TABLE IF NOT EXISTS nba_predictions.player_prop_predictions (
  prediction_id STRING NOT NULL,
  game_id STRING,
  game_date DATE NOT NULL,
  player_lookup STRING,
  system_id STRING,
  current_points_line FLOAT64,
  is_active BOOL,
  created_at TIMESTAMP
)
PARTITION BY game_date;
"""

PROFILE = """\
extends: nba-props
schema:
  - table: nba_predictions.player_prop_predictions
    ddl: schemas/bigquery/predictions/01_player_prop_predictions.sql
    writers:
      - predictions/worker/prediction_writer.py::PredictionWriter.build_record
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "pipeline"
    files = {
        "data_processors/run_log.py": RUN_LOG,
        "data_processors/batching.py": BATCHING,
        "predictions/worker/prediction_writer.py": WRITER,
        "schemas/bigquery/predictions/01_player_prop_predictions.sql": DDL,
        "docs/handoff.md": "# Handoff\n\nclient.load_table_from_json([row], table) was the bug.\n",
        "pipeval.yaml": PROFILE,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(root)
    monkeypatch.setenv("PIPEVAL_CACHE_DIR", str(tmp_path / "cache"))
    for name in ("PIPEVAL_PROFILE", "PIPEVAL_GUARD"):
        monkeypatch.delenv(name, raising=False)
    return root


def payload(name: str, project: Path, **changes: object) -> bytes:
    text = (HOOKS / name).read_text(encoding="utf-8")
    text = text.replace("{project}", str(project)).replace("{outside}", str(project.parent))
    data = json.loads(text)
    data.update(changes)
    return json.dumps(data).encode()


@pytest.fixture
def hook(run_cli, monkeypatch: pytest.MonkeyPatch):
    """Run `pipeval guard` in-process with `raw` on stdin: (exit code, stdout, stderr)."""

    def invoke(raw: bytes, *args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
        return run_cli("guard", *args)

    return invoke


def lines(err: str) -> list[str]:
    return err.splitlines()


# --- the cases --------------------------------------------------------------------------


def test_an_edit_that_introduces_a_one_row_write_gets_one_line_to_batch_it(project, hook) -> None:
    code, out, err = hook(payload("edit_one_row_write.json", project))
    assert code == 2
    assert out == ""
    [line] = lines(err)
    assert line.startswith("data_processors/run_log.py:6 lint.single-row-write — ")
    assert "in batches" in line
    assert "load_table_from_json" in line


def test_a_writer_edit_adding_a_field_the_ddl_lacks_names_the_field(project, hook) -> None:
    code, _, err = hook(payload("edit_writer_adds_field.json", project))
    assert code == 2
    [line] = lines(err)
    # the line that writes the field, the check, and the fix naming it
    writer = "predictions/worker/prediction_writer.py"
    assert line.startswith(f"{writer}:11 schema.nba_predictions.player_prop_predictions — ")
    assert "Declare confidence_tier in schemas/bigquery" in line


def test_a_clean_edit_is_silent(project, hook) -> None:
    assert hook(payload("edit_clean.json", project)) == (0, "", "")


def test_a_markdown_file_is_not_pipeline_code(project, hook) -> None:
    assert hook(payload("write_markdown.json", project)) == (0, "", "")


def test_garbage_on_stdin_checks_nothing_and_says_so_in_one_line(project, hook) -> None:
    code, out, err = hook(b"\x00\xffnot json{")
    assert (code, out) == (0, "")
    assert lines(err) == ["pipeval guard: nothing checked: stdin is not a JSON hook payload"]


def test_a_path_outside_the_project_is_not_checked(project, hook) -> None:
    (project.parent / "scratch.py").write_text("client.load_table_from_json([row], table)\n")
    assert hook(payload("multiedit_outside_project.json", project)) == (0, "", "")


def test_the_same_warning_is_reported_once_per_session(project, hook) -> None:
    first = hook(payload("edit_one_row_write.json", project))
    again = hook(payload("edit_one_row_write.json", project))
    assert first[0] == 2 and again == (0, "", "")
    # moved down by an edit above it, it is still the same warning
    run_log = project / "data_processors" / "run_log.py"
    run_log.write_text("import logging\n\n" + RUN_LOG, encoding="utf-8")
    assert hook(payload("edit_one_row_write.json", project)) == (0, "", "")
    other_session = payload("edit_one_row_write.json", project, session_id="another-session")
    code, _, err = hook(other_session)
    assert code == 2 and err.startswith("data_processors/run_log.py:8 lint.single-row-write")


# --- what counts as edited, and FAIL vs WARN ----------------------------------------------------


def test_a_warning_away_from_the_edited_lines_is_not_reported(project, hook) -> None:
    edit = payload(
        "edit_one_row_write.json",
        project,
        tool_input={
            "file_path": str(project / "data_processors" / "run_log.py"),
            "old_string": "one",
            "new_string": '"""Append one processor run to the run log."""',
        },
    )
    assert hook(edit) == (0, "", "")


def test_a_fail_is_reported_wherever_it_is_and_every_time(project, hook) -> None:
    hot = RUN_LOG.replace("[row], table)", '[row], "nba_reference.processor_run_history")')
    (project / "data_processors" / "run_log.py").write_text(hot, encoding="utf-8")
    docstring_edit = payload(
        "edit_one_row_write.json",
        project,
        tool_input={
            "file_path": str(project / "data_processors" / "run_log.py"),
            "old_string": "one",
            "new_string": "def record_run(",
        },
    )
    for _ in range(2):
        code, _, err = hook(docstring_edit)
        assert code == 2
        assert "hot table nba_reference.processor_run_history" in err


def test_a_write_checks_the_whole_file(project, hook) -> None:
    whole = payload(
        "write_markdown.json",
        project,
        tool_input={
            "file_path": str(project / "data_processors" / "run_log.py"),
            "content": RUN_LOG,
        },
    )
    code, _, err = hook(whole)
    assert code == 2 and "run_log.py:6 lint.single-row-write" in err


def test_a_multiedit_counts_each_new_string(project, hook) -> None:
    edit = payload(
        "multiedit_outside_project.json",
        project,
        tool_input={
            "file_path": str(project / "data_processors" / "run_log.py"),
            "edits": [
                {"old_string": "x", "new_string": "import logging"},
                {"old_string": "y", "new_string": "client.load_table_from_json([row], table)"},
            ],
        },
    )
    code, _, err = hook(edit)
    assert code == 2 and "run_log.py:6" in err


def test_an_edit_of_the_ddl_runs_that_tables_schema_check(project, hook) -> None:
    ddl = project / "schemas" / "bigquery" / "predictions" / "01_player_prop_predictions.sql"
    edit = payload(
        "edit_clean.json",
        project,
        tool_input={"file_path": str(ddl), "old_string": "x", "new_string": "  is_active BOOL,"},
    )
    code, _, err = hook(edit)
    assert code == 2
    [line] = lines(err)
    assert line.startswith(
        "schemas/bigquery/predictions/01_player_prop_predictions.sql:1 "
        "schema.nba_predictions.player_prop_predictions — "
    )
    assert "confidence_tier" in line


def test_at_most_fifteen_lines(project, hook) -> None:
    many = "def save(client, rows):\n" + "".join(
        f"    client.insert_rows_json('t{n}', [rows[{n}]])\n" for n in range(30)
    )
    (project / "data_processors" / "many.py").write_text(many, encoding="utf-8")
    write = payload(
        "write_markdown.json",
        project,
        tool_input={"file_path": str(project / "data_processors" / "many.py"), "content": many},
    )
    code, _, err = hook(write)
    assert code == 2
    assert len(lines(err)) == 15
    assert lines(err)[-1] == "… and 16 more: run `pipeval lint` / `pipeval schema`"


# --- fail-open ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"tool_name": "Bash"},
            "tool 'Bash' does not edit files (expected Edit, MultiEdit, Write)",
        ),
        ({"hook_event_name": "PreToolUse"}, "hook event 'PreToolUse' is not PostToolUse"),
        ({"tool_input": "data_processors/run_log.py"}, "the hook payload has no tool_input object"),
        ({"cwd": None}, "the hook payload's cwd is not a string"),
    ],
)
def test_a_payload_that_describes_no_edit_checks_nothing(project, hook, change, expected) -> None:
    code, out, err = hook(payload("edit_one_row_write.json", project, **change))
    assert (code, out) == (0, "")
    assert lines(err) == [f"pipeval guard: nothing checked: {expected}"]


def test_a_file_that_vanished_checks_nothing(project, hook) -> None:
    (project / "data_processors" / "run_log.py").unlink()
    code, _, err = hook(payload("edit_one_row_write.json", project))
    assert code == 0
    assert lines(err) == [
        "pipeval guard: nothing checked: data_processors/run_log.py: file not found"
    ]


def test_a_missing_profile_checks_nothing(project, hook, monkeypatch) -> None:
    monkeypatch.setenv("PIPEVAL_PROFILE", "profiles/gone.yaml")
    code, _, err = hook(payload("edit_one_row_write.json", project))
    assert code == 0
    [line] = lines(err)
    assert line.startswith("pipeval guard: nothing checked: profile profiles/gone.yaml")


def test_a_file_that_does_not_parse_checks_nothing(project, hook) -> None:
    (project / "data_processors" / "run_log.py").write_text(RUN_LOG + "def broken(:\n")
    code, _, err = hook(payload("edit_one_row_write.json", project))
    assert code == 0
    [line] = lines(err)
    assert "syntax error on line 7" in line and line.startswith("pipeval guard: nothing checked")


def test_switched_off_by_environment(project, hook, monkeypatch) -> None:
    monkeypatch.setenv("PIPEVAL_GUARD", "off")
    assert hook(payload("edit_one_row_write.json", project)) == (0, "", "")


def test_files_without_the_flag_is_a_usage_error(project, run_cli) -> None:
    code, _, err = run_cli("guard", "data_processors/run_log.py")
    assert code == 3 and "FILES need --files" in err


# --- --files (pre-commit, CI) ---------------------------------------------------------------


def test_files_mode_checks_each_file_and_names_what_it_could_not(project, run_cli) -> None:
    code, out, err = run_cli(
        "guard",
        "--files",
        "data_processors/run_log.py",
        "data_processors/batching.py",
        "docs/handoff.md",
        "data_processors/gone.py",
        "predictions/worker/prediction_writer.py",
    )
    assert code == 2 and out == ""
    assert lines(err) == [
        lines(err)[0],
        lines(err)[1],
        "pipeval guard: nothing checked: data_processors/gone.py: file not found",
    ]
    assert lines(err)[0].startswith("predictions/worker/prediction_writer.py:11 schema.")
    assert lines(err)[1].startswith("data_processors/run_log.py:6 lint.single-row-write")


def test_files_mode_on_clean_files_is_silent(project, run_cli) -> None:
    assert run_cli("guard", "--files", "data_processors/batching.py") == (0, "", "")


def test_the_pre_commit_hook_runs_guard_on_the_files() -> None:
    import yaml

    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["pipeval-guard"]["entry"] == "pipeval guard --files"
    assert hooks["pipeval-guard"]["pass_filenames"] is True


# --- the real process: console script, imports, the plugin's hook --------------------------------


def _env(project: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIPEVAL_")}
    return {**env, "PIPEVAL_CACHE_DIR": str(project.parent / "cache"), **extra}


def test_the_console_script_answers_the_done_when_case(project) -> None:
    done = subprocess.run(
        [str(SCRIPT), "guard"],
        input=payload("edit_one_row_write.json", project),
        capture_output=True,
        cwd=project,
        env=_env(project),
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == b""
    err = done.stderr.decode()
    assert err.count("\n") == 1 and "lint.single-row-write — Buffer rows and write them" in err


FRESH_GUARD = (
    "import io, sys\n"
    "watched = sys.argv[2].split(',')\n"
    "sys.stdin = io.TextIOWrapper(io.BytesIO(sys.argv[1].encode()))\n"
    "from pipeval.cli.main import main\n"
    "try:\n"
    "    main(['guard'])\n"
    "except SystemExit as done:\n"
    "    print(done.code, [w for w in watched"
    " if any(m == w or m.startswith(w + '.') for m in sys.modules)])\n"
)


def _guard_in_a_fresh_process(project: Path, raw: bytes, watched: tuple[str, ...]) -> str:
    """`exit-code [watched modules it imported]` of one guard run in a new interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", FRESH_GUARD, raw.decode(), ",".join(watched)],
        capture_output=True,
        text=True,
        cwd=project,
        env=_env(project, PYTHONPATH=os.pathsep.join(sys.path)),
        check=True,
    )
    return done.stdout.split("\n")[0]


def test_guard_loads_no_warehouse_sample_or_cloud_code(project) -> None:
    heavy = ("duckdb", "google.cloud", "jinja2", "pipeval.sample", "pipeval.adapters")
    heavy += ("pipeval.suites", "rich", "pandas")
    raw = payload("edit_one_row_write.json", project)
    assert _guard_in_a_fresh_process(project, raw, heavy) == "2 []"


def test_a_markdown_edit_does_not_even_load_the_profile(project) -> None:
    raw = payload("write_markdown.json", project)
    assert _guard_in_a_fresh_process(project, raw, ("pydantic", "sqlglot", "yaml")) == "0 []"


# --- the profile's facts are cached, and follow the profile ----------------------------------


def test_a_profile_change_is_seen_by_the_next_edit(project, run_cli) -> None:
    literal = RUN_LOG.replace("[row], table)", '[row], "ops.run_log")')
    (project / "data_processors" / "run_log.py").write_text(literal, encoding="utf-8")
    code, _, err = run_cli("guard", "--files", "data_processors/run_log.py")
    assert code == 2 and "to hot table" not in err  # WARN: ops.run_log is not hot
    profile = project / "pipeval.yaml"
    profile.write_text(PROFILE + "lint_hot_tables: [ops.run_log]\n", encoding="utf-8")
    code, _, err = run_cli("guard", "--files", "data_processors/run_log.py")
    assert code == 2 and "one-row client.load_table_from_json to hot table ops.run_log" in err
    profile.write_text("extends: nba-props\nlint_hot_tables: 3\n", encoding="utf-8")
    code, _, err = run_cli("guard", "--files", "data_processors/run_log.py")
    assert code == 0
    assert lines(err) == [
        f"pipeval guard: nothing checked: profile {profile}: lint_hot_tables: "
        "Input should be a valid list"
    ]


def test_once_the_profile_is_known_a_lint_edit_loads_neither_pydantic_nor_sqlglot(project) -> None:
    raw = payload("edit_one_row_write.json", project, session_id="")
    runs = [_guard_in_a_fresh_process(project, raw, ("pydantic", "sqlglot")) for _ in range(2)]
    assert runs == ["2 ['pydantic', 'sqlglot']", "2 []"]  # the first one validated the profile


# --- the plugin -------------------------------------------------------------------------------


def test_the_plugin_registers_the_guard_as_a_post_tool_use_hook() -> None:
    from tests.plugin_hooks import HOOKS, registered

    config = json.loads(HOOKS.read_text(encoding="utf-8"))
    [group] = config["hooks"]["PostToolUse"]
    assert group["matcher"] == "Edit|Write|MultiEdit"
    [command] = group["hooks"]
    assert command["type"] == "command"
    assert command["command"] == '"${CLAUDE_PLUGIN_ROOT}/hooks/pipeval-guard"'
    assert 0 < command["timeout"] <= 30
    assert list(config["hooks"]) == ["PostToolUse"] and len(registered()) == 1
    script = REPO / "hooks" / "pipeval-guard"
    assert os.access(script, os.X_OK)
    # hooks/hooks.json is loaded from its default place: declaring it again is an error
    manifest = json.loads((REPO / ".claude-plugin" / "plugin.json").read_text("utf-8"))
    assert "hooks" not in manifest
    # The fixed layout keeps CLAUDE.md at the top; a regular file there is what the validator
    # warns about (not loaded for the plugin's users), so it is a link to the loaded copy.
    root_memory = REPO / "CLAUDE.md"
    assert root_memory.is_symlink() and root_memory.resolve() == (REPO / ".claude" / "CLAUDE.md")


def _plugin_hook(project: Path, raw: bytes, path: str, plugin_root: Path) -> tuple[int, str]:
    done = subprocess.run(
        [str(REPO / "hooks" / "pipeval-guard")],
        input=raw,
        capture_output=True,
        cwd=project,
        env=_env(
            project,
            PATH=path,
            CLAUDE_PLUGIN_ROOT=str(plugin_root),
            PYTHONPATH=os.pathsep.join(sys.path),
        ),
        check=False,
    )
    assert done.stdout == b""
    return done.returncode, done.stderr.decode()


def test_the_plugin_hook_runs_pipeval_guard(project) -> None:
    path = os.pathsep.join([str(SCRIPT.parent), "/usr/bin", "/bin"])
    code, err = _plugin_hook(project, payload("edit_one_row_write.json", project), path, REPO)
    assert code == 2 and err.startswith("data_processors/run_log.py:6 lint.single-row-write — ")
    assert _plugin_hook(project, payload("edit_clean.json", project), path, REPO) == (0, "")


def test_the_plugin_hook_fails_open_without_pipeval(project, tmp_path) -> None:
    bare = tmp_path / "bin"
    bare.mkdir()
    (bare / "cat").symlink_to("/bin/cat")
    code, err = _plugin_hook(
        project, payload("edit_one_row_write.json", project), str(bare), tmp_path / "nowhere"
    )
    assert code == 0
    assert err == (
        "pipeval guard: nothing checked: the pipeval command is not installed "
        "(python -m pip install pipeval)\n"
    )


def test_the_plugin_hook_turns_a_crash_into_one_line_and_exit_0(project, tmp_path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "pipeval").write_text(
        "#!/bin/sh\necho 'Traceback (most recent call last):'>&2\n"
        "echo 'ImportError: no module' >&2\nexit 1\n"
    )
    (broken / "pipeval").chmod(0o755)
    path = os.pathsep.join([str(broken), "/usr/bin", "/bin"])
    code, err = _plugin_hook(project, payload("edit_one_row_write.json", project), path, REPO)
    assert code == 0
    assert err == (
        "pipeval guard: nothing checked: pipeval exited with status 1 (ImportError: no module)\n"
    )


def test_the_repository_is_a_one_plugin_marketplace() -> None:
    """`/plugin marketplace add OWNER/pipeval` reads this; the plugin is the repository root."""
    market = json.loads((REPO / ".claude-plugin" / "marketplace.json").read_text("utf-8"))
    manifest = json.loads((REPO / ".claude-plugin" / "plugin.json").read_text("utf-8"))
    [entry] = market["plugins"]
    assert (entry["name"], entry["source"]) == (manifest["name"], "./")


def test_info_findings_are_not_feedback(project, run_cli) -> None:
    sql = (
        "def count(client, day, name):\n"
        '    client.query(f"SELECT * FROM t WHERE d = {int(day)}")\n'
        "    client.query(f\"SELECT * FROM t WHERE n = '{name}'\")\n"
    )
    (project / "data_processors" / "counts.py").write_text(sql, encoding="utf-8")
    code, _, err = run_cli("guard", "--files", "data_processors/counts.py")
    assert code == 2
    [line] = lines(err)  # the WARN (a spliced name); the INFO (a spliced int) is not feedback
    assert line.startswith("data_processors/counts.py:3 lint.sql-string-building — ")
