"""The code side: writer snippets → the top-level fields of the record they write."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pipeval.errors import ConfigError
from pipeval.schema.writers import fields_in_source, written_fields

# (case, source, function, expected fields, expected number of unknown notes)
CASES: list[tuple[str, str, str, list[str], int]] = [
    (
        "dict literal returned",
        """
        def build(p):
            return {"a": p.a, "b": 2}
        """,
        "build",
        ["a", "b"],
        0,
    ),
    (
        "dict literal assigned to a name, then returned",
        """
        def build(p):
            record = {"a": 1, "b": 2}
            return record
        """,
        "build",
        ["a", "b"],
        0,
    ),
    (
        "update({...}) and update(k=...)",
        """
        def build(p):
            record = {"a": 1}
            record.update({"b": 2, "c": 3})
            record.update(d=4, e=5)
            return record
        """,
        "build",
        ["a", "b", "c", "d", "e"],
        0,
    ),
    (
        "subscript assignment",
        """
        def build(p):
            record = {}
            record["a"] = 1
            record["b"] = record["a"] + 1
            return record
        """,
        "build",
        ["a", "b"],
        0,
    ),
    (
        "dict(k=...) and dict(mapping, k=...)",
        """
        def build(p):
            base = dict(a=1)
            record = dict(base, b=2, **{"c": 3})
            return record
        """,
        "build",
        ["a", "b", "c"],
        0,
    ),
    (
        "every branch of if / elif / else counts",
        """
        def build(p):
            record = {"a": 1}
            if p.x:
                record["b"] = 2
            elif p.y:
                record.update(c=3)
            else:
                record["d"] = 4
            return record
        """,
        "build",
        ["a", "b", "c", "d"],
        0,
    ),
    (
        "conditional expression between two dicts",
        """
        def build(p):
            return {"a": 1, "b": 2} if p.full else {"a": 1}
        """,
        "build",
        ["a", "b"],
        0,
    ),
    (
        "nested dicts inside json.dumps are values, not fields",
        """
        import json
        def build(p):
            importance = {"pts": 0.4, "reb": 0.1}
            record = {
                "feature_importance": json.dumps(importance),
                "meta": json.dumps({"model": "v8", "inner": {"deep": 1}}),
                "nested": {"not_a_field": 1},
            }
            return record
        """,
        "build",
        ["feature_importance", "meta", "nested"],
        0,
    ),
    (
        "**other from a parameter is unknown, never guessed",
        """
        def build(p, extra):
            return {"a": 1, **extra}
        """,
        "build",
        ["a"],
        1,
    ),
    (
        "**other from a local dict is resolved",
        """
        def build(p):
            base = {"a": 1, "b": 2}
            return {**base, "c": 3}
        """,
        "build",
        ["a", "b", "c"],
        0,
    ),
    (
        "computed keys are unknown",
        """
        def build(p, name):
            record = {f"score_{p.kind}": 1, "a": 2}
            record[name] = 3
            record.update({name.upper(): 4})
            return record
        """,
        "build",
        ["a"],
        3,
    ),
    (
        "a dict comprehension has unknown keys",
        """
        def build(p):
            record = {k: v for k, v in p.items()}
            record["a"] = 1
            return record
        """,
        "build",
        ["a"],
        1,
    ),
    (
        "a row written with insert_rows_json([row]), nothing returned",
        """
        def write(client, p):
            row = {"a": 1}
            row["b"] = 2
            errors = client.insert_rows_json("d.t", [row])
            if errors:
                raise RuntimeError(errors)
        """,
        "write",
        ["a", "b"],
        0,
    ),
    (
        "rows queued in a list, then load_table_from_json(rows)",
        """
        def write(client, preds):
            rows = []
            for p in preds:
                row = dict(a=p.a)
                row["b"] = p.b
                rows.append(row)
            client.load_table_from_json(rows, "d.t").result()
        """,
        "write",
        ["a", "b"],
        0,
    ),
    (
        "a helper function of the same module is followed",
        """
        def _identity(p):
            return {"a": p.a, "b": p.b}

        def build(p):
            record = _identity(p)
            record["c"] = 3
            return record
        """,
        "build",
        ["a", "b", "c"],
        0,
    ),
    (
        "Class.method with a self._helper",
        """
        class Writer:
            def _base(self, p):
                record = {"a": 1}
                record.setdefault("b", 2)
                return record

            def build(self, p):
                record = self._base(p)
                record |= {"c": 3}
                return record
        """,
        "Writer.build",
        ["a", "b", "c"],
        0,
    ),
    (
        "a record started by code of another module is unknown, its added keys known",
        """
        from shared.rows import base_row
        def build(p):
            record = base_row(p)
            record["c"] = 3
            return record
        """,
        "build",
        ["c"],
        1,
    ),
    (
        "keys popped or deleted before the write are not written",
        """
        def build(p):
            record = {"a": 1, "debug": 2, "tmp": 3}
            record.pop("debug")
            del record["tmp"]
            return record
        """,
        "build",
        ["a"],
        0,
    ),
    (
        "try / except / with / for bodies all count; nested functions do not",
        """
        def build(p):
            record: dict = {"a": 1}
            try:
                record["b"] = 2
            except ValueError:
                record["c"] = 3
            finally:
                record["d"] = 4
            with open("x") as f:
                for line in f:
                    record["e"] = 5
            def inner():
                record["never"] = 0
            return record
        """,
        "build",
        ["a", "b", "c", "d", "e"],
        0,
    ),
    (
        "a list comprehension of helper-built rows handed to the writer",
        """
        def _row(p):
            return {"a": p.a}

        def write(client, preds):
            client.insert_rows_json("d.t", [_row(p) for p in preds])
        """,
        "write",
        ["a"],
        0,
    ),
    # --- patterns of the real pipeline, in our own words -----------------------------------
    (
        "a pool worker returns (True, record); its (False, {...}) error tuples are not records",
        """
        def score_one_player(player, inputs, version):
            try:
                if player is None:
                    return (False, {"entity_id": None, "reason": "no player", "category": "x"})
                record = {"player_lookup": player, "analysis_date": inputs.day}
                record["calculation_version"] = version
                if not inputs.ok:
                    return (False, {"entity_id": player, "reason": "bad", "can_retry": True})
                return (True, record)
            except ValueError as err:
                return False, {"entity_id": player, "reason": str(err)}
        """,
        "score_one_player",
        ["player_lookup", "analysis_date", "calculation_version"],
        0,
    ),
    (
        "a logging method writes `row` through the project helper and returns a summary",
        """
        class Sweeper:
            def _log_sweep(self, sweep_id, found, fixed):
                details = [{"path": f.path, "age": f.age} for f in found]
                row = {
                    "sweep_id": sweep_id,
                    "found_count": len(found),
                    "details": details,
                    "errors": [],
                }
                try:
                    insert_bigquery_rows("nba_orchestration.sweeps", [row])
                except OSError:
                    pass
                return {"sweep_id": sweep_id, "fixed": fixed}
        """,
        "Sweeper._log_sweep",
        ["sweep_id", "found_count", "details", "errors"],
        0,
    ),
    (
        "a dict literal handed straight to the project helper, JSON values inside it",
        """
        class RunLogger:
            def _log_run(self):
                from shared.bq import stream_bq_rows
                stream_bq_rows(f"{self.dataset}.run_log", [{
                    "run_id": self.run_id,
                    "summary": json.dumps({"records": self.n, "empty": self.n == 0}),
                    "opts": json.dumps({k: v for k, v in self.opts.items()}),
                }])
        """,
        "RunLogger._log_run",
        ["run_id", "summary", "opts"],
        0,
    ),
    (
        "record built in a method, written by a helper method that queues it in a batch writer",
        """
        class RunHistory:
            def _mark_running(self):
                record = {"processor_name": self.name, "status": "running", "run_id": None}
                record = {k: v for k, v in record.items() if v is not None}
                self._queue_history(record)
                return True

            def _queue_history(self, record):
                writer = get_batch_writer(table_id=self.TABLE)
                writer.add_record(record)
        """,
        "RunHistory._mark_running",
        ["processor_name", "status", "run_id"],
        0,
    ),
    (
        "a module helper that writes its second parameter, called with keywords",
        """
        def _send(client, rows):
            client.insert_rows_json("d.t", rows)

        def publish(client, game):
            payload = {"game_id": game.id, "state": "final"}
            _send(client=client, rows=[payload])
        """,
        "publish",
        ["game_id", "state"],
        0,
    ),
    (
        "a dataclass to_dict returning asdict(self) writes its fields (not its ClassVars)",
        """
        from dataclasses import asdict, dataclass
        from typing import ClassVar

        @dataclass(frozen=True)
        class StepResult:
            TABLE: ClassVar[str] = "nba_orchestration.steps"
            step_name: str
            status: str
            duration_seconds: float | None = None

            def to_dict(self):
                return asdict(self)
        """,
        "StepResult.to_dict",
        ["step_name", "status", "duration_seconds"],
        0,
    ),
    (
        "a dataclass to_dict building the row itself",
        """
        @dataclasses.dataclass
        class CostRow:
            run_id: str
            cost: float = 0.0

            def to_dict(self):
                return {"run_id": self.run_id, "total_cost": round(self.cost, 6)}
        """,
        "CostRow.to_dict",
        ["run_id", "total_cost"],
        0,
    ),
]


@pytest.mark.parametrize(
    ("case", "source", "function", "expected", "unknown"), CASES, ids=[c[0] for c in CASES]
)
def test_writer_snippet_fields(
    case: str, source: str, function: str, expected: list[str], unknown: int
) -> None:
    found = fields_in_source(textwrap.dedent(source), function, "w.py")
    assert sorted(found.fields) == sorted(expected)
    assert len(found.unknown) == unknown, found.unknown
    assert all(note.startswith("line ") for note in found.unknown)


def test_unknown_notes_name_the_line_and_expression() -> None:
    source = "def build(p, extra):\n    return {'a': 1, **extra}\n"
    assert fields_in_source(source, "build").unknown == ("line 2: **extra",)


@pytest.mark.parametrize(
    ("source", "function", "message"),
    [
        ("def build(p):\n    return {'a': 1}\n", "nope", r"no function 'nope' \(defined: build\)"),
        ("class W:\n    def m(self):\n        return {}\n", "W.x", r"defined: W\.m"),
        ("def build(p):\n    return {'a': 1\n", "build", r"w\.py:2: Python syntax error"),
        ("def build(p):\n    return p.a\n", "build", "found no record it returns or writes"),
    ],
)
def test_writer_problems_are_one_config_error(source: str, function: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        fields_in_source(source, function, "w.py")


def test_writer_spec_paths_are_relative_to_the_base_dir(tmp_path: Path) -> None:
    module = tmp_path / "pkg" / "writer.py"
    module.parent.mkdir()
    module.write_text("def build(p):\n    return dict(a=1, b=2)\n")
    found = written_fields("pkg/writer.py::build", tmp_path)
    assert found.writer == "pkg/writer.py::build"
    assert found.fields == ("a", "b")
    with pytest.raises(ConfigError, match="expected PATH::FUNCTION"):
        written_fields("pkg/writer.py", tmp_path)
    with pytest.raises(ConfigError, match="file not found"):
        written_fields("pkg/missing.py::build", tmp_path)
    module.write_bytes(b"def build(p):\n    return {'\xff': 1}\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        written_fields("pkg/writer.py::build", tmp_path)
