"""`<family>.<name>`: the profile's declarative data checks, judged one date at a time.

The rows come from one statement per table (`pipeval.metrics.declarative`), parsed once per run;
this module turns a date's aggregates into a status. It is schedule-aware like the built-in
checks: a date without games is an off-day (not judged), a check that `expects: final` is
pending while the date's games (per-game: that game) are not final, and a per-game check
expects every due game of the schedule, so a game with no rows counts as 0 rows.

Thresholds are strict: a value exactly at `warn` or `fail` passes.
"""

from __future__ import annotations

import statistics
from bisect import bisect_left
from datetime import date, datetime, time, timedelta
from typing import Any

from pipeval.checks.base import Check
from pipeval.checks.table_days import table_day
from pipeval.clock import zone
from pipeval.listing import listed
from pipeval.metrics.declarative import (
    Aggregate,
    CheckRows,
    load_table,
    run_query,
)
from pipeval.metrics.declarative_sql import PERCENT_DIGITS
from pipeval.metrics.games import (
    Game,
    games_query,
    load_games,
    presence_query,
)
from pipeval.profile.declarative import Bounds, DeclarativeCheck
from pipeval.profile.model import PhaseTable, Profile
from pipeval.query import Context, Query
from pipeval.results import CheckResult, Finding, Severity

# Fewer trailing values than this and a drift check cannot judge: the baseline is noise.
MIN_BASELINE_POINTS = 3


def _levels(spec: DeclarativeCheck) -> list[tuple[Severity, Bounds]]:
    levels = []
    for severity, which in ((Severity.FAIL, "fail"), (Severity.WARN, "warn")):
        bounds = spec.bounds(which)  # type: ignore[arg-type]
        if bounds is not None:
            levels.append((severity, bounds))
    return levels


def _thresholds(spec: DeclarativeCheck) -> dict[str, dict[str, float]]:
    found: dict[str, dict[str, float]] = {}
    for which in ("warn", "fail"):
        bounds = spec.bounds(which)  # type: ignore[arg-type]
        if bounds is not None:
            # only the bounds the profile sets: an unset side is absent, not null
            found[which] = {
                side: value
                for side in ("below", "above")
                if (value := getattr(bounds, side)) is not None
            }
    return found


def checks_for(profile: Profile) -> list[Check]:
    return [DeclarativeDataCheck(spec) for spec in profile.checks]


def _fmt(value: float) -> str:
    return f"{value:,.1f}".removesuffix(".0")


class DeclarativeDataCheck(Check):
    category = "declarative"

    def __init__(self, spec: DeclarativeCheck) -> None:
        super().__init__(spec.id)
        self.spec = spec
        self.category = spec.family  # `--checks grading` selects the family
        # The spec is frozen: its thresholds are read once, not per date.
        self.levels = _levels(spec)
        self.thresholds = _thresholds(spec)

    def queries(self, ctx: Context) -> list[Query]:
        # The phase's presence statements are the completeness checks' own: no extra statement.
        upstream = [
            presence_query(ctx.profile, t, ctx.start, ctx.end) for t in self._phase_tables(ctx)
        ]
        return [
            games_query(ctx.profile, ctx.start, ctx.end),
            run_query(ctx, self.spec.table),
            *upstream,
        ]

    def _phase_tables(self, ctx: Context) -> list[PhaseTable]:
        if self.spec.phase is None:
            return []
        return [t for t in ctx.profile.phase(self.spec.phase).tables if t.critical]

    def _blocked(self, ctx: Context, day: date) -> frozenset[str]:
        """Games the check's phase is missing (its critical tables lack them): a table derived
        from that phase cannot hold them yet, and completeness.<phase> reports them. Once per
        phase and date: every check of the phase asks."""

        def compute() -> frozenset[str]:
            blocked: set[str] = set()
            for table in self._phase_tables(ctx):
                blocked.update(table_day(ctx, table, day).missing)
            return frozenset(blocked)

        if self.spec.phase is None:
            return frozenset()
        return ctx.memo_get(("declarative-blocked", self.spec.phase, day), compute)

    def _games(self, ctx: Context) -> dict[date, list[Game]]:
        return ctx.memo_get(("declarative-games", ctx.start, ctx.end), lambda: load_games(ctx))

    def _rows(self, ctx: Context) -> CheckRows:
        rows = load_table(ctx, self.spec.table).get(self.id)
        return rows if rows is not None else CheckRows()

    def settled(self, ctx: Context, days: list[date]) -> set[date]:
        """Off-days and the dates the warehouse judged passing: `run` calls both OK, with no
        finding, before it looks at a figure (most dates of a season)."""
        games, passed = self._games(ctx), self._rows(ctx).passed
        return {day for day in days if not games.get(day) or day in passed}

    def run(self, ctx: Context) -> CheckResult:
        day = ctx.judged
        games = self._games(ctx).get(day, [])
        base: dict[str, Any] = {"date": day, "table": self.spec.table, "kind": self.spec.kind}
        if self.spec.phase is not None:
            base["phase"] = self.spec.phase  # the diagnosis groups it with that phase
        if not games:
            return self._result(f"no games scheduled on {day} (off-day)", [], base)
        rows = self._rows(ctx)
        if day in rows.passed:  # a historical date the warehouse judged: its status is all
            return self._result(f"every threshold met on {day} (judged in the warehouse)", [], base)
        not_final = [g.key for g in games if not g.final]
        blocked = self._blocked(ctx, day)
        if self.spec.per == "game":
            return self._per_game(day, games, rows, base, blocked)
        if blocked and len(blocked) == len(games):
            message = f"blocked upstream: {self.spec.phase} is missing all {len(games)} games"
            return self._result(message, [], {**base, "blocked": sorted(blocked)})
        if self.spec.expects == "final" and not_final:
            message = f"{len(not_final)} of {len(games)} games not final yet (pending)"
            finding = Finding(Severity.INFO, f"{message}: {listed(not_final)}", self.spec.table)
            return self._result(f"pending: {message}", [finding], {**base, "pending": not_final})
        return self._per_date(ctx, day, rows, base)

    # -- one value per date ------------------------------------------------------------------

    def _per_date(
        self, ctx: Context, day: date, rows: CheckRows, base: dict[str, Any]
    ) -> CheckResult:
        spec = self.spec
        agg = rows.dates.get(day, Aggregate(None, 0.0, None, None))
        subjects = rows.subjects.get(day, [])
        kind = spec.kind
        if kind == "row_count":
            return self._judge(day, agg.value or 0.0, "rows", base, agg)
        if kind in ("metric", "drift") and day not in rows.dates:
            # No rows at all: presence is what row_count and completeness checks judge.
            message = f"no rows in {spec.table} on {day}: {spec.expression} not measured"
            return self._result(message, [], {**base, "rows": 0})
        if kind == "metric":
            return self._judge(day, agg.value, spec.expression or "value", base, agg)
        if kind == "freshness":
            return self._freshness(ctx, day, agg, base)
        if kind == "duplicates":
            keys = int(agg.value or 0)
            extra = int(agg.total or 0)
            label = f"duplicate keys ({', '.join(spec.key)})"
            return self._judge(
                day, float(keys), label, base, agg, subjects, keys, f"{extra} extra rows"
            )
        if kind in ("missing_percent", "invalid_percent"):
            total = agg.total or 0.0
            what = "NULL" if kind == "missing_percent" else "invalid"
            if not total:
                message = f"no rows to measure {spec.column} on {day}"
                return self._result(message, [], {**base, "rows": 0})
            bad = agg.value or 0.0
            pct = round(100.0 * bad / total, PERCENT_DIGITS)
            return self._judge(
                day,
                pct,
                f"% {what} {spec.column}",
                base,
                agg,
                subjects,
                int(agg.extra or 0),
                f"{int(bad)} of {int(total)} rows",
            )
        if kind == "drift":
            return self._drift(ctx, day, rows, base)
        if kind == "reconcile":
            compared = int(agg.total or 0)
            if not compared:
                message = f"no keys in both {spec.table} and {spec.other.table} on {day}"  # type: ignore[union-attr]
                return self._result(message, [], {**base, "compared": 0})
            bad = int(agg.value or 0)
            return self._judge(
                day,
                float(bad),
                f"keys differing from {spec.other.table}",  # type: ignore[union-attr]
                base,
                agg,
                subjects,
                bad,
                f"of {compared} compared",
            )
        raise ValueError(f"unknown kind {kind}")

    def _freshness(
        self, ctx: Context, day: date, agg: Aggregate, base: dict[str, Any]
    ) -> CheckResult:
        # Against --as-of, but never later than the end of the judged date: in a historical run
        # a past date is judged as it stood that night, not as stale today.
        tz = zone(ctx.profile.timezone)
        end_of_day = datetime.combine(day + timedelta(days=1), time(), tz)
        reference = min(ctx.as_of, end_of_day)
        latest = agg.latest
        if latest is None:
            return self._judge(day, None, f"hours since the latest {self.spec.column}", base, agg)
        hours = round((reference - latest).total_seconds() / 3600.0, 1)
        extra = {"latest": latest, "reference": reference}
        return self._judge(
            day, hours, f"hours since the latest {self.spec.column}", {**base, **extra}, agg
        )

    def _drift(self, ctx: Context, day: date, rows: CheckRows, base: dict[str, Any]) -> CheckResult:
        spec = self.spec
        current = rows.dates.get(day)
        value = current.value if current else None
        first = day - timedelta(days=spec.baseline_days)
        # The measured dates in order, sorted once per run rather than once per judged date.
        dated = ctx.memo_get(
            ("drift-dates", self.id, ctx.start, ctx.end), lambda: sorted(rows.dates)
        )
        window = dated[bisect_left(dated, first) : bisect_left(dated, day)]
        history = [agg.value for when in window if (agg := rows.dates[when]).value is not None]
        label = "% change vs baseline" if spec.method == "percent" else "z-score vs baseline"
        if value is None:
            return self._judge(day, None, spec.expression or "value", base, current)
        if len(history) < MIN_BASELINE_POINTS:
            message = (
                f"{spec.expression} = {_fmt(value)} on {day}; only {len(history)} baseline "
                f"values in the {spec.baseline_days} days before (need {MIN_BASELINE_POINTS})"
            )
            return self._result(message, [], {**base, "value": value, "baseline": history})
        mean = statistics.fmean(history)
        if spec.method == "percent":
            score = (
                abs(value - mean) / abs(mean) * 100.0
                if mean
                else (0.0 if value == mean else float("inf"))
            )
        else:
            spread = statistics.stdev(history)
            score = (
                abs(value - mean) / spread if spread else (0.0 if value == mean else float("inf"))
            )
        score = round(score, 2)
        extra = {"value": value, "baseline_mean": round(mean, 4), "baseline_points": len(history)}
        return self._judge(
            day,
            score,
            label,
            {**base, **extra},
            current,
            note=f"{spec.expression} = {_fmt(value)} vs a {spec.baseline_days}-day mean "
            f"of {_fmt(mean)}",
        )

    # -- one value per game ------------------------------------------------------------------

    def _per_game(
        self,
        day: date,
        games: list[Game],
        rows: CheckRows,
        base: dict[str, Any],
        blocked: frozenset[str],
    ) -> CheckResult:
        spec = self.spec
        due = [g for g in games if g.final] if spec.expects == "final" else list(games)
        pending = [g.key for g in games if g not in due]
        held_up = sorted(g.key for g in due if g.key in blocked)
        due = [g for g in due if g.key not in blocked]
        by_game = rows.games.get(day, {})
        if spec.absent == "skip":  # absent games are the completeness checks' to report
            due = [g for g in due if g.key in by_game]
        values: dict[str, float | None] = {}
        for game in due:
            agg = by_game.get(game.key)
            if spec.kind == "row_count":
                values[game.key] = agg.value if agg and agg.value is not None else 0.0
            else:
                values[game.key] = agg.value if agg else None
        findings: list[Finding] = []
        for severity, bounds in self.levels:
            out = [
                key
                for key, value in values.items()
                if (value is None or bounds.tripped(value))
                and not any(key in f.data.get("games", {}) for f in findings)
            ]
            if out:
                shown = [
                    f"{key} ({_fmt(values[key]) if values[key] is not None else 'no value'})"
                    for key in out
                ]
                what = "rows" if spec.kind == "row_count" else spec.expression
                findings.append(
                    Finding(
                        severity,
                        f"{len(out)} of {len(due)} games with {what} {bounds.describe()} on "
                        f"{day}: {listed(shown)}",
                        subject=spec.table,
                        data={"date": day, "games": {key: values[key] for key in out}},
                    )
                )
        if pending:
            findings.append(
                Finding(
                    Severity.INFO,
                    f"{len(pending)} games not final yet (pending): {listed(pending)}",
                    subject=spec.table,
                    data={"date": day, "pending": pending},
                )
            )
        if held_up:
            findings.append(
                Finding(
                    Severity.INFO,
                    f"{len(held_up)} games blocked upstream ({spec.phase} lacks them): "
                    f"{listed(held_up)}",
                    subject=spec.table,
                    data={"date": day, "blocked": held_up},
                )
            )
        bad = sum(len(f.data.get("games", {})) for f in findings)
        summary = (
            f"{bad} of {len(due)} games out of range"
            if bad
            else f"all {len(due)} games within range"
        )
        if pending:
            summary += f", {len(pending)} pending"
        if held_up:
            summary += f", {len(held_up)} blocked upstream"
        metrics = {
            **base,
            "games": values,
            "pending": pending,
            "blocked": held_up,
            **self._thresholds(),
        }
        return self._result(summary, findings, metrics, failing=bad > 0)

    # -- judging -----------------------------------------------------------------------------

    def _thresholds(self) -> dict[str, Any]:
        return {which: dict(bounds) for which, bounds in self.thresholds.items()}

    def _judge(
        self,
        day: date,
        value: float | None,
        label: str,
        base: dict[str, Any],
        agg: Aggregate | None,
        subjects: list[str] | None = None,
        subject_count: int = 0,
        detail: str = "",
        note: str = "",
    ) -> CheckResult:
        metrics = {**base, "value": value, **self._thresholds()}
        if agg is not None and agg.total is not None and "rows" not in base:
            metrics["rows"] = agg.total
        if subjects:
            metrics["subjects"] = subjects
            metrics["subject_count"] = max(subject_count, len(subjects))
        context = f" ({detail})" if detail else ""
        context += f"; {note}" if note else ""
        if value is None:
            severity = Severity.FAIL if self.thresholds.get("fail") else Severity.WARN
            message = f"{label}: no value on {day} (no rows, or every value NULL)"
            finding = Finding(severity, message, self.spec.table, {"date": day})
            return self._result(message, [finding], metrics)
        findings = []
        for severity, bounds in self.levels:
            if bounds.tripped(value):
                message = f"{label} = {_fmt(value)} on {day}{context}, {bounds.describe()}"
                if subjects:
                    total = max(subject_count, len(subjects))
                    message += f": {listed(subjects, total=total)}"
                findings.append(
                    Finding(
                        severity,
                        message,
                        self.spec.table,
                        {"date": day, "value": value, "subjects": subjects or []},
                    )
                )
                break
        summary = f"{label} = {_fmt(value)}{context}"
        return self._result(summary, findings, metrics)

    def _result(
        self,
        summary: str,
        findings: list[Finding],
        metrics: dict[str, Any],
        failing: bool | None = None,
    ) -> CheckResult:
        bad = any(f.severity is not Severity.INFO for f in findings) if failing is None else failing
        day = metrics.get("date")
        # The table first, as built-in checks do: a report with a diagnosis then shows no
        # separate details for a finding the summary already names.
        summary = f"{self.spec.table}: {summary}"
        metrics = {**metrics, "declarative": True}
        remediation = (
            [step.replace("{date}", str(day)) for step in self.spec.remediation] if bad else []
        )
        return CheckResult.from_findings(self.id, summary, findings, metrics, remediation)
