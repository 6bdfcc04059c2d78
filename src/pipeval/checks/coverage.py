"""coverage.<name>: expected entities (players in context) with an active row in the target.

Covered / expected on the date, overall (WARN/FAIL below the profile's thresholds) and per
group (`system_id`): a system covering far fewer entities than the best one, or one that had
rows in the look-back days and none on the date, is reported. Every missing entity gets one
reason (game not final, name not resolved, not in the registry, no line, unknown) with the
remediation for that reason.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from pipeval.checks.base import Check
from pipeval.checks.table_days import table_day
from pipeval.errors import PipevalError
from pipeval.listing import MAX_LISTED, listed
from pipeval.metrics.coverage import CoverageInputs, coverage_queries, load_inputs
from pipeval.metrics.games import presence_query
from pipeval.metrics.missing_reason import (
    GAME_NOT_FINAL,
    NO_LINE,
    NOT_IN_REGISTRY,
    PHASE_MISSING,
    REASONS,
    UNKNOWN,
    UNRESOLVED_NAME,
    Missing,
    classify,
)
from pipeval.profile.lineage import Lineage
from pipeval.profile.model import CoverageSpec, CoverageThresholds, Phase, PhaseTable, Profile
from pipeval.query import Context, Query
from pipeval.remediation import rerun_step, span
from pipeval.results import CheckResult, Finding, Severity

REASON_LABELS = {
    GAME_NOT_FINAL: "game not final yet (pending)",
    UNRESOLVED_NAME: "name not resolved",
    NOT_IN_REGISTRY: "not in the registry",
    NO_LINE: "no betting line that day",
    UNKNOWN: "no reason found (lost writes?)",
    PHASE_MISSING: "their game is missing from an upstream phase",
}


def checks_for(profile: Profile) -> list[Check]:
    return [Coverage(spec) for spec in profile.coverage]


def _pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 100.0


class Coverage(Check):
    category = "coverage"

    def __init__(self, spec: CoverageSpec) -> None:
        super().__init__(f"coverage.{spec.name}")
        self.spec = spec

    def queries(self, ctx: Context) -> list[Query]:
        # The phase tables' statements are completeness's own: shared, they cost no query.
        chain = self._chain(ctx.profile)
        presence = [presence_query(ctx.profile, t, ctx.start, ctx.end) for _, t in chain]
        return coverage_queries(ctx.profile, self.spec, ctx.start, ctx.end).all() + presence

    def _chain(self, profile: Profile) -> list[tuple[str, PhaseTable]]:
        """Critical tables of the target's phase and of every phase it reads, in phase order."""
        lineage = Lineage.of(profile)
        own = lineage.owner(self.spec.target.table)
        if own is None:
            return []
        phases = {own} | lineage.upstream(own)
        return [
            (phase.name, table)
            for phase in profile.phases
            if phase.name in phases
            for table in phase.tables
            if table.critical
        ]

    def _phase_gaps(self, ctx: Context, day: date) -> dict[str, tuple[str, ...]]:
        """Game key -> the phases of the chain holding none of its rows on `day`, for the games
        the target itself holds no row of (a game with some rows did run through the phase)."""
        chain = self._chain(ctx.profile)

        def absent(table: PhaseTable) -> set[str]:
            return set(table_day(ctx, table, day).missing)

        own = [t for _, t in chain if t.table == self.spec.target.table]
        try:
            gone = absent(own[0]) if own else set()
        except PipevalError:
            return {}
        gaps: dict[str, list[str]] = {key: [] for key in gone}
        for phase, table in chain if gone else []:
            try:
                keys = absent(table) & gone
            except PipevalError:  # an upstream table that cannot be read says nothing here
                continue
            for key in keys:
                if phase not in gaps[key]:
                    gaps[key].append(phase)
        return {key: tuple(phases) for key, phases in gaps.items()}

    def thresholds(self, profile: Profile) -> tuple[float, float]:
        defaults = profile.thresholds.coverage
        warn = self.spec.warn_below if self.spec.warn_below is not None else defaults.warn_below
        fail = self.spec.fail_below if self.spec.fail_below is not None else defaults.fail_below
        return warn, fail

    def settled(self, ctx: Context, days: list[date]) -> set[date]:
        """Dates with entities expected, covered at or above both thresholds and no system
        finding: `run` has nothing above INFO to say there, so it calls them OK."""
        inputs = load_inputs(ctx, self.spec)
        return {day for day in days if self._clean(inputs, day, ctx.profile)}

    def _clean(self, inputs: CoverageInputs, day: date, profile: Profile) -> bool:
        expected = inputs.days.expected.get(day, 0)
        if not expected:  # an off-day, or nothing to measure: `run` says which
            return False
        # `run` judges against what is due: the expected minus the pending. Counting every
        # expected entity as due can only lower the share, so this verdict is the stricter.
        covered = inputs.days.covered.get(day, 0)
        if self._severity(covered, expected, profile) is not Severity.INFO:
            return False
        limits = profile.thresholds.coverage
        today, recent = self._groups(inputs, day, limits.system_lookback_days)
        return not self._system_findings(today, recent, day, limits)

    def run(self, ctx: Context) -> CheckResult:
        day = ctx.judged
        inputs = load_inputs(ctx, self.spec)
        label = self.spec.label
        expected = inputs.days.expected.get(day, 0)
        if not expected:
            return self._nothing_expected(inputs, day, ctx)
        covered = inputs.days.covered.get(day, 0)
        uncovered = inputs.days.uncovered.get(day, [])
        gaps = self._phase_gaps(ctx, day) if uncovered else {}
        missing = [classify(item, day, inputs, self.spec.expects, gaps) for item in uncovered]
        pending = [m for m in missing if m.reason == GAME_NOT_FINAL]
        due = expected - len(pending)
        severity = self._severity(covered, due, ctx.profile)
        warn, fail = self.thresholds(ctx.profile)
        findings = self._shortfall(severity, covered, due, day, ctx.profile)
        by_reason = _group(missing)
        findings += [self._reason_finding(r, by_reason[r], severity, day) for r in by_reason]
        system_findings, systems = self._systems(inputs, day, ctx.profile.thresholds.coverage)
        findings += system_findings
        metrics = {
            "date": day,
            "expected": due,
            "covered": covered,
            "coverage_pct": _pct(covered, due),
            "pending": len(pending),
            "warn_below": warn,
            "fail_below": fail,
            "missing_by_reason": {r: [m.entity for m in ms] for r, ms in by_reason.items()},
            "unresolved_names": {
                m.entity: {"via": m.via, "related": list(m.related)}
                for m in by_reason.get(UNRESOLVED_NAME, [])
            },
            "systems": systems,
        }
        summary = f"{covered} of {due} {label} ({_pct(covered, due)} %)"
        if pending:
            summary += f", {len(pending)} pending"
        remediation = self._remediation(by_reason, day, ctx)
        stopped = [f.data["systems"] for f in system_findings if f.data.get("stopped")]
        if stopped and covered:
            remediation.append(
                f"Check why {', '.join(stopped[0])} produced no rows on {day} while other "
                "systems did (their logs for the date, then re-run them)"
            )
        return CheckResult.from_findings(self.id, summary, findings, metrics, remediation)

    def _shortfall(
        self, severity: Severity, covered: int, due: int, day: date, profile: Profile
    ) -> list[Finding]:
        if severity is Severity.INFO:
            return []
        warn, fail = self.thresholds(profile)
        limit = fail if severity is Severity.FAIL else warn
        return [
            Finding(
                severity,
                f"{covered} of {due} {self.spec.label} covered on {day} "
                f"({_pct(covered, due)} %), below {limit:g} %",
                subject=self.spec.target.table,
                data={"date": day, "covered": covered, "expected": due},
            )
        ]

    def _severity(self, covered: int, due: int, profile: Profile) -> Severity:
        warn, fail = self.thresholds(profile)
        # Exact integer-vs-threshold comparison: 95 of 100 is 95 %, not below 95 %.
        if due and covered * 100 < fail * due:
            return Severity.FAIL
        if due and covered * 100 < warn * due:
            return Severity.WARN
        return Severity.INFO

    def _nothing_expected(self, inputs: CoverageInputs, day: date, ctx: Context) -> CheckResult:
        games = inputs.schedule.games_on(day)
        if not games and not _any_rows(inputs):
            # No game in the whole range and no target row in the days before it either: an
            # empty or wrong warehouse looks exactly like an off-day, so say so.
            lookback = ctx.profile.thresholds.coverage.system_lookback_days
            dates = span(ctx.start, ctx.end)
            message = (
                f"no games found in {ctx.profile.schedule.table} for {dates} and "
                f"no {self.spec.target.table} rows in the {lookback} days before: is this the "
                "right warehouse?"
            )
            finding = Finding(Severity.WARN, message, ctx.profile.schedule.table, {"date": day})
            return CheckResult.from_findings(self.id, message, [finding], {"date": day})
        if not games:
            return CheckResult.from_findings(
                self.id, f"no games scheduled on {day} (off-day)", [], {"date": day}
            )
        message = (
            f"no expected {self.spec.label} in {self.spec.expected.table} for the {games} "
            f"games of {day}: coverage cannot be measured (see completeness)"
        )
        finding = Finding(Severity.WARN, message, self.spec.expected.table, {"date": day})
        return CheckResult.from_findings(self.id, message, [finding], {"date": day})

    def _reason_finding(
        self, reason: str, missing: list[Missing], severity: Severity, day: date
    ) -> Finding:
        names = [m.entity if m.via == "phase" else _described(m) for m in missing]
        # Reasons explain a shortfall: they carry its severity; pending is never a problem.
        level = Severity.INFO if reason == GAME_NOT_FINAL else severity
        label = REASON_LABELS.get(reason, reason)
        if reason == PHASE_MISSING:
            phases = list(dict.fromkeys(p for m in missing for p in m.related))
            label = f"their game is missing from {', '.join(phases)}"
        return Finding(
            level,
            f"{len(missing)} {self.spec.label} missing on {day}, {label}: {listed(names)}",
            data={
                "date": day,
                "reason": reason,
                "count": len(missing),
                "entities": [m.entity for m in missing[:MAX_LISTED]],
                "more": max(0, len(missing) - MAX_LISTED),
            },
        )

    def _systems(
        self, inputs: CoverageInputs, day: date, limits: CoverageThresholds
    ) -> tuple[list[Finding], dict]:
        today, recent = self._groups(inputs, day, limits.system_lookback_days)
        best = max(today.values(), default=0)
        metrics = {
            system: {
                "entities": today.get(system, 0),
                "share_of_best_pct": _pct(today.get(system, 0), best) if best else 0.0,
            }
            for system in sorted(set(today) | recent)
        }
        return self._system_findings(today, recent, day, limits), metrics

    def _groups(
        self, inputs: CoverageInputs, day: date, lookback_days: int
    ) -> tuple[dict[str, int], set[str]]:
        """Entities per system on `day`, and the systems with rows in the days before it (none
        when the target is not grouped)."""
        if not self.spec.target.group_by:
            return {}, set()
        lookback = [day - timedelta(days=n) for n in range(1, lookback_days + 1)]
        recent = {group for d in lookback for group in inputs.groups.groups_on(d)}
        return inputs.groups.groups_on(day), recent

    def _system_findings(
        self, today: dict[str, int], recent: set[str], day: date, limits: CoverageThresholds
    ) -> list[Finding]:
        """Apart from the metrics: `settled` asks for these alone on every date."""
        days = limits.system_lookback_days
        best = max(today.values(), default=0)
        findings = []
        for system, count in sorted(today.items()):
            if best and count * 100 < limits.system_parity_pct * best:
                findings.append(
                    Finding(
                        Severity.WARN,
                        f"system {system} covered {count} {self.spec.label} on {day}, "
                        f"{_pct(count, best)} % of the best system's {best}",
                        data={"date": day, "system": system, "entities": count, "best": best},
                    )
                )
        stopped = sorted(recent - set(today))
        if stopped:
            # One finding: when everything stopped, that is one event, not one per system.
            every = " (every system)" if not today else ""
            findings.append(
                Finding(
                    Severity.WARN,
                    f"stopped{every}: {', '.join(stopped)} produced rows in the {days} days "
                    f"before {day} and none on it",
                    data={"date": day, "systems": stopped, "stopped": True},
                )
            )
        return findings

    def _remediation(
        self, by_reason: dict[str, list[Missing]], day: date, ctx: Context
    ) -> list[str]:
        profile = ctx.profile
        diag = self.spec.diagnostics
        steps = []
        unresolved = by_reason.get(UNRESOLVED_NAME, [])
        aliased = [m for m in unresolved if m.via == "alias"]
        spelled = [m for m in unresolved if m.via == "suffix"]
        alias_table = diag.aliases.table if diag.aliases else "the alias table"
        if spelled:
            pairs = [f"{m.entity} ↔ {'/'.join(m.related)}" for m in spelled]
            steps.append(f"Add alias rows to {alias_table} for: {listed(pairs)}")
        if aliased:
            steps.append(
                f"Alias rows exist for {listed([m.entity for m in aliased])} but the data still "
                f"uses the other lookup: resolve names through {alias_table} in the producing "
                "processors (e.g. the lines scrape), then re-run"
            )
        if NOT_IN_REGISTRY in by_reason:
            registry = diag.registry.table if diag.registry else "the registry"
            names = [m.entity for m in by_reason[NOT_IN_REGISTRY]]
            steps.append(f"Add to {registry}: {listed(names)}")
        if NO_LINE in by_reason and diag.lines is not None:
            steps.append(
                f"{len(by_reason[NO_LINE])} {self.spec.label} had no line on {day}: check the "
                f"lines scrape ({diag.lines.table}) for {day}; without a line there is no row"
            )
        if PHASE_MISSING in by_reason:
            phases = list(dict.fromkeys(p for m in by_reason[PHASE_MISSING] for p in m.related))
            steps += [rerun_step(p, profile.phase(p).rerun, day, day) for p in phases]
        if UNKNOWN in by_reason or spelled or aliased:
            phase = _phase_of(profile, self.spec.target.table)
            if UNKNOWN in by_reason:
                steps.append(
                    f"{len(by_reason[UNKNOWN])} {self.spec.label} passed every diagnostic "
                    f"({_diagnostics(self.spec)}) but have no row: look for lost writes on {day} "
                    "(quota.errors, quota.dml_queue)"
                )
            steps.append(
                rerun_step(
                    phase.name if phase else "the target", phase.rerun if phase else None, day, day
                )
            )
        if PHASE_MISSING in by_reason or UNKNOWN in by_reason or spelled or aliased:
            verify = ctx.command("daily", "--date", day, "--checks", self.id)
            steps.append(f"Then verify: `{verify}`")
        return steps


def _diagnostics(spec: CoverageSpec) -> str:
    diag = spec.diagnostics
    held = [
        ("name resolved", diag.aliases is not None or diag.registry is not None),
        ("in the registry", diag.registry is not None),
        ("line posted", diag.lines is not None),
    ]
    return ", ".join(text for text, configured in held if configured) or "none configured"


def _described(missing: Missing) -> str:
    if missing.related:
        return f"{missing.entity} ({missing.via}: {'/'.join(missing.related)})"
    return missing.entity


def _group(missing: list[Missing]) -> dict[str, list[Missing]]:
    grouped: dict[str, list[Missing]] = defaultdict(list)
    for item in missing:
        grouped[item.reason].append(item)
    return {reason: grouped[reason] for reason in REASONS if reason in grouped}


def _phase_of(profile: Profile, table: str) -> Phase | None:
    return next((p for p in profile.phases if any(t.table == table for t in p.tables)), None)


def _any_rows(inputs: CoverageInputs) -> bool:
    """Any scheduled game in the range, or any target row in it (or its look-back days, when
    the target is grouped per system)."""
    return (
        any(inputs.schedule.games.values())
        or any(inputs.days.covered.values())
        or any(inputs.groups.groups.values())
    )
