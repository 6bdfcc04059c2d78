"""completeness.<phase>: final games per date present in each phase table vs the schedule.

FAIL when a final game is missing from a critical table, WARN from a non-critical one.
Scheduled or in-progress games are pending, never missing; a date with no games is an off-day.
"""

from __future__ import annotations

from datetime import date

from pipeval.checks.base import Check
from pipeval.checks.table_days import table_days
from pipeval.listing import listed
from pipeval.metrics.games import TableDay, load_presence, presence_query
from pipeval.profile.model import Phase, Profile
from pipeval.query import Context, Query
from pipeval.remediation import rerun_step
from pipeval.results import CheckResult, Finding, Severity


def checks_for(profile: Profile) -> list[Check]:
    return [Completeness(phase) for phase in profile.phases]


class Completeness(Check):
    category = "completeness"

    def __init__(self, phase: Phase) -> None:
        super().__init__(f"completeness.{phase.name}")
        self.phase = phase

    def queries(self, ctx: Context) -> list[Query]:
        return [presence_query(ctx.profile, t, ctx.start, ctx.end) for t in self.phase.tables]

    def assess_range(self, ctx: Context) -> dict[date, list[TableDay]]:
        """Every table of the phase on every date of the context's range (computed once)."""
        key = ("completeness", self.phase.name, ctx.start, ctx.end)
        return ctx.memo_get(key, lambda: self._assess_range(ctx))

    def _assess_range(self, ctx: Context) -> dict[date, list[TableDay]]:
        by_table = [table_days(ctx, table) for table in self.phase.tables]
        return {day: [days[day] for days in by_table] for day in ctx.dates}

    def _null_keys(self, ctx: Context) -> dict[date, int]:
        # Every table's statement reads the same schedule: the first one's count is the day's.
        return load_presence(ctx, self.phase.tables[0]).null_keys

    def settled(self, ctx: Context, days: list[date]) -> set[date]:
        """Dates where no table lacks a game and no schedule key is NULL: `run` has nothing
        above INFO to say there (games not final yet are INFO), so it calls them OK."""
        by_day, unkeyed = self.assess_range(ctx), self._null_keys(ctx)
        return {
            day
            for day in days
            if not unkeyed.get(day) and not any(table.missing for table in by_day[day])
        }

    def run(self, ctx: Context) -> CheckResult:
        day = ctx.judged
        tables = self.assess_range(ctx)[day]
        findings = [finding for table in tables for finding in self._findings(table, day)]
        unkeyed = self._null_keys(ctx).get(day, 0)
        if unkeyed:
            findings.append(
                Finding(
                    Severity.WARN,
                    f"{unkeyed} schedule rows on {day} have a NULL game key (a NULL column in "
                    "schedule.game_key): not judged",
                    subject=ctx.profile.schedule.table,
                    data={"date": day, "null_keys": unkeyed},
                )
            )
        metrics = {
            "date": day,
            "tables": {
                t.table: {
                    "critical": t.critical,
                    "expected": t.expected,
                    "present": t.present,
                    "missing": list(t.missing),
                    "pending": list(t.pending),
                    "rows": t.rows,
                }
                for t in tables
            },
        }
        remediation = []
        if any(t.missing for t in tables):
            remediation.append(rerun_step(self.phase.name, self.phase.rerun, day, day))
            verify = ctx.command("historical", "--verify-backfill", day)
            remediation.append(f"Then verify: `{verify}`")
        return CheckResult.from_findings(
            self.id, self._summary(tables, day), findings, metrics, remediation
        )

    def _findings(self, table: TableDay, day: date) -> list[Finding]:
        findings = []
        if table.missing:
            severity = Severity.FAIL if table.critical else Severity.WARN
            games = "final games" if table.expects == "final" else "scheduled games"
            findings.append(
                Finding(
                    severity,
                    f"{len(table.missing)} of {table.expected} {games} missing on {day}: "
                    f"{listed(table.missing)}",
                    subject=table.table,
                    data={"date": day, "missing": list(table.missing), "critical": table.critical},
                )
            )
        if table.pending:
            findings.append(
                Finding(
                    Severity.INFO,
                    f"{len(table.pending)} games not final yet (pending): {listed(table.pending)}",
                    subject=table.table,
                    data={"date": day, "pending": list(table.pending)},
                )
            )
        return findings

    def _summary(self, tables: list[TableDay], day: date) -> str:
        if not any(t.expected or t.pending for t in tables):
            return f"no games scheduled on {day} (off-day)"
        broken = [t for t in tables if t.missing]
        if broken:
            return "; ".join(
                f"{t.table}: {len(t.missing)} of {t.expected} games missing" for t in broken
            )
        expected = max(t.expected for t in tables)
        pending = max(len(t.pending) for t in tables)
        note = f", {pending} pending" if pending else ""
        tables_text = f"{len(tables)} table{'' if len(tables) == 1 else 's'}"
        return f"all {expected} expected games present in {tables_text}{note}"
