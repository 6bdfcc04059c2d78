"""Lint one edited file and run the schema checks it takes part in; no warehouse, no network.

Every finding becomes one `Feedback`: where (`path:line`), which check, and the one-line fix
Claude reads. Lint findings carry their rule's fix and the call they flag; a schema check's
FAIL (fields the code writes that the DDL lacks) points at the first line that names the field
in the edited writer, or at the table's CREATE statement in the edited DDL file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pipeval.guard.payload import Unchecked
from pipeval.guard.session import warning_key
from pipeval.guard.targets import Target

if TYPE_CHECKING:  # pydantic: only when a schema check runs
    from pipeval.profile.model import Profile

MAX_DETAIL = 160


@dataclass(frozen=True)
class Feedback:
    severity: str  # "FAIL" or "WARN"
    path: str
    line: int
    end_line: int
    check: str
    fix: str
    detail: str
    key: str  # identifies the same warning across edits (file, rule, flagged code)

    def render(self) -> str:
        detail = self.detail if len(self.detail) <= MAX_DETAIL else self.detail[:159] + "…"
        return f"{self.path}:{self.line} {self.check} — {self.fix} ({detail})"


def lint_feedback(target: Target, hot_tables: tuple[str, ...]) -> list[Feedback]:
    from pipeval.lint.engine import LintTarget, scan
    from pipeval.lint.rule import Settings
    from pipeval.lint.rules import RULES

    fixes = {rule.id: rule.fix for rule in RULES}
    report = scan(LintTarget(paths=(target.file,)), Settings(frozenset(hot_tables)))
    found = []
    for hit in report.hits:
        if hit.rule == "parse-error":
            # The file is mid-edit or broken: nothing in it was checked, and Python will say why.
            raise Unchecked(f"{target.shown}: {hit.message}")
        found.append(
            Feedback(
                severity=str(hit.severity),
                path=target.shown,
                line=hit.line,
                end_line=hit.end_line or hit.line,
                check=f"lint.{hit.rule}",
                fix=_one_line(fixes.get(hit.rule, "see `pipeval lint`")),
                detail=hit.message,
                key=warning_key(target.shown, hit.rule, hit.call or hit.message),
            )
        )
    return found


def schema_feedback(target: Target, profile: Profile) -> list[Feedback]:
    if not target.tables:
        return []
    from pipeval.checks.schema import SchemaAlignment
    from pipeval.errors import PipevalError
    from pipeval.query import Context

    now = datetime.now(UTC)
    ctx = Context(profile=profile, as_of=now, start=now.date(), end=now.date())
    found = []
    specs = [spec for spec in profile.schema_tables if spec.table in target.tables]
    for spec in specs:
        try:
            result = SchemaAlignment(spec).run(ctx)
        except PipevalError as err:  # an unreadable DDL or writer: say so, check the rest
            raise Unchecked(f"schema.{spec.table}: {err}") from None
        for item in result.findings:
            if str(item.severity) != "FAIL":
                continue  # without a warehouse only code-only fields FAIL; drift waits for CI
            fields = [str(name) for name in item.data.get("fields", [])]
            line = _line_for(target, fields)
            ddl = spec.ddl or "the DDL file"
            fix = f"Declare {', '.join(fields)} in {ddl} and apply it, or stop writing them"
            found.append(
                Feedback(
                    severity="FAIL",
                    path=target.shown,
                    line=line,
                    end_line=line,
                    check=f"schema.{spec.table}",
                    fix=fix,
                    detail=item.message,
                    key=warning_key(target.shown, f"schema.{spec.table}", item.message),
                )
            )
    return found


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _line_for(target: Target, fields: list[str]) -> int:
    try:
        lines = target.file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return 1
    if target.file.suffix == ".sql":
        pattern = re.compile(r"\b(create|alter)\b.*\btable\b", re.IGNORECASE)
    elif fields:
        names = "|".join(re.escape(name) for name in fields)
        pattern = re.compile(rf"""(["'])({names})\1|\b({names})\s*=""")
    else:
        return 1
    for number, text in enumerate(lines, start=1):
        if pattern.search(text):
            return number
    return 1


def feedback_for(
    target: Target, hot_tables: tuple[str, ...], profile: Profile | None
) -> list[Feedback]:
    """Lint findings, then the schema checks' (`profile` is needed only for those)."""
    found = lint_feedback(target, hot_tables) if target.lint else []
    if target.tables and profile is not None:
        found.extend(schema_feedback(target, profile))
    return found
