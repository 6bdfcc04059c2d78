"""schema.<table>: the DDL file vs the live table vs the fields the code writes.

FAIL when the code writes a field the DDL or the live table lacks (writes fail, now or on the
next table built from the file) or when a column's type or mode differs; WARN on drift: live
columns never written back to the DDL, DDL columns never applied, DDL statements that could not
be read (text skipped while reading a statement tolerantly is an INFO note). The live side is
the warehouse's table metadata (no query); without a warehouse the check compares the DDL with
the code only, which is what a pre-commit hook or CI can do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeval.checks.base import Check
from pipeval.listing import listed
from pipeval.ports import Column
from pipeval.profile.model import Profile, SchemaTable
from pipeval.query import Context
from pipeval.results import CheckResult, Finding, Severity
from pipeval.schema.compare import Drift, compare
from pipeval.types import type_signature

if TYPE_CHECKING:
    from pipeval.schema.ddl import TableDdl
    from pipeval.schema.writers import WrittenFields


def checks_for(profile: Profile) -> list[Check]:
    return [SchemaAlignment(spec) for spec in profile.schema_tables]


@dataclass
class Sides:
    """What was read for one table: each side is None when it was not configured."""

    ddl: TableDdl | None
    live: list[Column] | None
    writers: list[WrittenFields] | None
    live_missing: bool = False

    def code_fields(self) -> list[str] | None:
        if self.writers is None:
            return None
        fields: list[str] = []
        for writer in self.writers:
            fields.extend(name for name in writer.fields if name not in fields)
        return fields

    def code_complete(self) -> bool:
        return self.writers is not None and not any(w.unknown for w in self.writers)


class SchemaAlignment(Check):
    category = "schema"

    def __init__(self, spec: SchemaTable, base_dir: Path | None = None) -> None:
        super().__init__(f"schema.{spec.table}")
        self.spec = spec
        # Ad hoc runs (`pipeval schema --ddl ...`) resolve paths from the working directory.
        self.base_dir = base_dir

    def read_sides(self, ctx: Context) -> Sides:
        base = self.base_dir or ctx.profile.base_dir
        spec = self.spec
        ddl_paths = [base / p for p in ([spec.ddl] if spec.ddl else []) + spec.migrations]
        # The DDL and writer readers (sqlglot, ast) load only when a schema table is checked.
        from pipeval.schema.ddl import read_table_ddl
        from pipeval.schema.writers import written_fields

        ddl = read_table_ddl(ddl_paths, spec.table) if ddl_paths else None
        writers = [written_fields(w, base) for w in spec.writers] if spec.writers else None
        live = ctx.warehouse.table_schema(spec.table) if ctx.warehouse is not None else None
        missing = ctx.warehouse is not None and live is None
        return Sides(ddl, live, writers, missing)

    def verify_command(self, ctx: Context) -> str:
        """`pipeval schema` for this table again; an ad-hoc check repeats its files."""
        args: list[str] = ["schema", "--table", self.spec.table]
        if self.base_dir is not None:
            files = [self.spec.ddl, *self.spec.migrations] if self.spec.ddl else []
            args += [word for path in files for word in ("--ddl", path)]
            args += [word for writer in self.spec.writers for word in ("--writer", writer)]
        return ctx.command(*args)

    def run(self, ctx: Context) -> CheckResult:
        sides = self.read_sides(ctx)
        drift = compare(
            sides.ddl.columns if sides.ddl is not None and sides.ddl.created else None,
            sides.live,
            sides.code_fields(),
            sides.code_complete(),
        )
        findings = self._findings(sides, drift)
        return CheckResult.from_findings(
            self.id,
            self._summary(sides, drift),
            findings,
            self._metrics(sides, drift),
            self._remediation(sides, drift, ctx),
        )

    # --- findings ----------------------------------------------------------------------------
    def _findings(self, sides: Sides, drift: Drift) -> list[Finding]:
        table = self.spec.table
        findings: list[Finding] = []
        if sides.live_missing:
            findings.append(
                Finding(Severity.FAIL, "table not found in the warehouse", subject=table)
            )
        findings.extend(self._code_only(drift, live_read=sides.live is not None))
        for mismatch in drift.type_mismatches:
            findings.append(
                Finding(
                    Severity.FAIL,
                    f"column {mismatch.column}: DDL declares {mismatch.ddl}, "
                    f"the live table has {mismatch.live}",
                    subject=table,
                    data={"column": mismatch.column, "ddl": mismatch.ddl, "live": mismatch.live},
                )
            )
        findings.extend(self._drift(drift))
        findings.extend(self._reading_notes(sides))
        return findings

    def _drift(self, drift: Drift) -> list[Finding]:
        """Live-only and DDL-only columns: drift that does not break writes today."""
        if drift.ddl_only_against == "live":
            ddl_only = (
                Severity.WARN,
                "DDL columns are missing from the live table (migration not applied?)",
            )
        else:
            ddl_only = (Severity.INFO, "DDL columns are never written by the configured writers")
        live_only = (
            Severity.WARN,
            "live columns are not in the DDL (a runtime ALTER never written back)",
        )
        return [
            Finding(
                severity,
                f"{len(names)} {text}: {listed(names)}",
                subject=self.spec.table,
                data={"columns": names},
            )
            for names, (severity, text) in (
                (drift.live_only, live_only),
                (drift.ddl_only, ddl_only),
            )
            if names
        ]

    def _code_only(self, drift: Drift, live_read: bool) -> list[Finding]:
        groups: dict[tuple[str, ...], list[str]] = {}
        for name in drift.code_only:
            groups.setdefault(tuple(drift.missing_from[name]), []).append(name)
        reasons = {
            ("ddl", "live"): "are in neither the DDL nor the live table: writes fail",
            ("live",): "are in the DDL but not in the live table: writes fail until it is migrated",
            ("ddl",): "are missing from the DDL file (the live table has them: added at "
            "runtime, never written back); a table built from the file rejects them",
        }
        no_live = "are not in the DDL: writes fail on a table built from it"
        findings = []
        for lacking, names in groups.items():
            reason = no_live if lacking == ("ddl",) and not live_read else reasons[lacking]
            findings.append(
                Finding(
                    Severity.FAIL,
                    f"{len(names)} fields written by code {reason}: {listed(names)}",
                    subject=self.spec.table,
                    data={"fields": names, "missing_from": list(lacking)},
                )
            )
        return findings

    def _reading_notes(self, sides: Sides) -> list[Finding]:
        notes = []
        if sides.ddl is not None:
            notes.extend(
                Finding(Severity.WARN, warning, subject=self.spec.table, data={"ddl": warning})
                for warning in sides.ddl.warnings
            )
            notes.extend(
                Finding(Severity.INFO, note, subject=self.spec.table, data={"ddl": note})
                for note in sides.ddl.notes
            )
        for writer in sides.writers or []:
            if writer.unknown:
                notes.append(
                    Finding(
                        Severity.INFO,
                        f"{writer.writer}: keys pipeval cannot resolve without running the code "
                        f"(code-only may be incomplete): {'; '.join(writer.unknown)}",
                        subject=self.spec.table,
                        data={"writer": writer.writer, "unknown": list(writer.unknown)},
                    )
                )
        has_ddl = sides.ddl is not None and sides.ddl.created
        compared = [has_ddl, sides.live is not None, sides.writers is not None]
        if sum(compared) < 2:
            notes.append(
                Finding(
                    Severity.INFO,
                    "only one side could be read: configure a DDL file and writers, or pass "
                    "--warehouse, to compare",
                    subject=self.spec.table,
                )
            )
        return notes

    # --- summary, metrics, remediation ------------------------------------------------------
    def _summary(self, sides: Sides, drift: Drift) -> str:
        if sides.live_missing:
            return f"{self.spec.table} not found in the warehouse"
        counts = []
        if sides.ddl is not None and sides.ddl.created:
            counts.append(f"{len(sides.ddl.columns)} DDL columns")
        if sides.live is not None:
            counts.append(f"{len(sides.live)} live")
        fields = sides.code_fields()
        if fields is not None:
            counts.append(f"{len(fields)} written by code")
        read = ", ".join(counts) or "nothing read"
        if drift.clean:
            return f"in sync ({read})"
        parts = [
            f"{len(values)} {label}"
            for label, values in (
                ("code-only", drift.code_only),
                ("type mismatches", drift.type_mismatches),
                ("live-only", drift.live_only),
                ("DDL-only", drift.ddl_only),
            )
            if values
        ]
        return f"{', '.join(parts)} ({read})"

    def _metrics(self, sides: Sides, drift: Drift) -> dict[str, object]:
        return {
            "table": self.spec.table,
            "code_only": drift.code_only,
            "ddl_only": drift.ddl_only,
            "live_only": drift.live_only,
            "type_mismatches": [
                {"column": m.column, "ddl": m.ddl, "live": m.live} for m in drift.type_mismatches
            ],
            "missing_from": drift.missing_from,
            "ddl_only_against": drift.ddl_only_against,
            "sources": {
                "ddl": sides.ddl.files if sides.ddl is not None else None,
                "live": sides.live is not None,
                "writers": [w.writer for w in sides.writers] if sides.writers is not None else None,
            },
            "columns": {
                "ddl": len(sides.ddl.columns) if sides.ddl is not None else None,
                "live": len(sides.live) if sides.live is not None else None,
                "code": len(sides.code_fields() or []) if sides.writers is not None else None,
            },
            "unknown": [note for w in sides.writers or [] for note in w.unknown],
            "warnings": sides.ddl.warnings if sides.ddl is not None else [],
            "notes": sides.ddl.notes if sides.ddl is not None else [],
        }

    def _remediation(self, sides: Sides, drift: Drift, ctx: Context) -> list[str]:
        live = {c.name.lower(): c for c in sides.live or []}
        ddl = {c.name.lower(): c for c in (sides.ddl.columns if sides.ddl else [])}
        target = self.spec.ddl or "the DDL file"
        steps = [
            step
            for step in (
                self._write_back(drift, live, ddl, target),
                self._apply(drift, ddl),
                self._declare(drift, target),
                self._reconcile(drift),
            )
            if step
        ]
        if steps:
            steps.append(f"Then verify: `{self.verify_command(ctx)}`")
        return steps

    @staticmethod
    def _write_back(
        drift: Drift, live: dict[str, Column], ddl: dict[str, Column], target: str
    ) -> str:
        """Columns the live table has and the DDL lacks, with their live types."""
        names = sorted({*drift.live_only, *drift.code_only}, key=str.lower)
        found = [live[n.lower()] for n in names if n.lower() in live and n.lower() not in ddl]
        if not found:
            return ""
        columns = ", ".join(f"{c.name} {type_signature(c)}" for c in found)
        return f"Add to {target} the columns the live table already has: {columns}"

    def _apply(self, drift: Drift, ddl: dict[str, Column]) -> str:
        """DDL columns the live table lacks: the migration to run."""
        names = [n for n in drift.code_only if drift.missing_from[n] == ["live"]]
        names += [n for n in drift.ddl_only if drift.ddl_only_against == "live"]
        found = [ddl[n.lower()] for n in dict.fromkeys(names) if n.lower() in ddl]
        if not found:
            return ""
        # BigQuery adds columns as NULLABLE (or REPEATED): NOT NULL is not allowed here.
        actions = ", ".join(
            f"ADD COLUMN IF NOT EXISTS {c.name} {type_signature(c).removesuffix(' NOT NULL')}"
            for c in found
        )
        return f"Apply the DDL to the live table: ALTER TABLE {self.spec.table} {actions}"

    @staticmethod
    def _declare(drift: Drift, target: str) -> str:
        names = [n for n in drift.code_only if drift.missing_from[n] == ["ddl", "live"]]
        if not names:
            return ""
        return f"Declare {', '.join(names)} in {target} and apply it, or stop writing them"

    @staticmethod
    def _reconcile(drift: Drift) -> str:
        if not drift.type_mismatches:
            return ""
        pairs = "; ".join(
            f"{m.column} ({m.ddl} in DDL, {m.live} live)" for m in drift.type_mismatches
        )
        return f"Reconcile the types: {pairs}"
