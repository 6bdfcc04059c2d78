"""orchestration.<phase>: the phase's completion document for the date, checked against its mode
and against the data actually present downstream.

FAIL when the document is missing once the phase is due (before that it is pending), or when a
critical processor is missing or failed; WARN for a non-critical one. `_triggered` false while
the downstream phase's data exists is a stale flag (WARN, said as such), not a stuck pipeline;
`_triggered` true with no downstream data after its due time is a FAIL. Off-days are OK.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pipeval.checks.base import Check
from pipeval.checks.table_days import table_day
from pipeval.clock import local_time, zone
from pipeval.errors import PipevalError
from pipeval.listing import count
from pipeval.metrics.completion import CompletionDoc, MalformedDocument, parse_completion
from pipeval.metrics.games import (
    load_presence,
    load_schedule,
    presence_query,
    schedule_query,
)
from pipeval.profile.model import ModeSpec, OrchestrationSpec, PhaseTable, Profile
from pipeval.query import Context, Query
from pipeval.remediation import rerun_step
from pipeval.results import CheckResult, Finding, Severity

DEFAULT_MODE = "default"


def checks_for(profile: Profile) -> list[Check]:
    return [Orchestration(spec) for spec in profile.orchestration]


def due_at(spec: OrchestrationSpec, day: date, tz: str) -> datetime:
    """When the phase's document for game date `day` must exist (aware UTC)."""
    return local_time(day + timedelta(days=spec.due_days_after), spec.due, tz)


@dataclass  # not frozen: one per judged date, and a frozen __init__ costs several times more
class Downstream:
    phase: str
    rows: int
    tables: tuple[str, ...]
    due: datetime

    @property
    def has_data(self) -> bool:
        return self.rows > 0


@dataclass
class RangeFacts:
    """What every date of the range reads: games per date, the downstream phase's tables, and
    the spec whose due time the downstream phase keeps."""

    games: dict[date, int]
    tables: list[PhaseTable]
    downstream_due: OrchestrationSpec


class Orchestration(Check):
    category = "orchestration"

    def __init__(self, spec: OrchestrationSpec) -> None:
        super().__init__(f"orchestration.{spec.phase}")
        self.spec = spec

    def queries(self, ctx: Context) -> list[Query]:
        # The same statements completeness sends (each carries the date's scheduled games):
        # shared, so the cross-check costs no query. Without a downstream phase, the schedule.
        downstream = self._downstream_tables(ctx)
        if not downstream:
            return [schedule_query(ctx.profile, ctx.start, ctx.end)]
        return [presence_query(ctx.profile, table, ctx.start, ctx.end) for table in downstream]

    def run(self, ctx: Context) -> CheckResult:
        day = ctx.judged
        tz = ctx.profile.timezone
        facts = self._range(ctx)
        if not facts.games.get(day):
            return CheckResult.from_findings(
                self.id, f"no games scheduled on {day} (off-day)", [], {"date": day}
            )
        path = f"{self.spec.collection}/{day.isoformat()}"
        due = due_at(self.spec, day, tz)
        metrics: dict = {"date": day, "document": path, "due": due}
        downstream = self._downstream(ctx, day, facts)
        if downstream is not None:
            metrics["downstream"] = {
                "phase": downstream.phase,
                "rows": downstream.rows,
                "tables": list(downstream.tables),
                "due": downstream.due,
            }
        data = self._document(ctx, day, facts)
        if data is None:
            return self._no_document(path, due, ctx, metrics, downstream)
        try:
            doc = parse_completion(path, data)
        except MalformedDocument as err:
            return CheckResult.error(self.id, str(err))
        mode = self._mode(doc)
        if isinstance(mode, str):
            finding = Finding(Severity.FAIL, mode, path, {"date": day, "mode": doc.mode})
            return CheckResult.from_findings(self.id, f"{path}: {mode}", [finding], metrics)
        pending = ctx.as_of < due
        findings, state = self._processors(doc, mode, pending)
        if downstream is not None:
            findings += self._trigger_findings(doc, downstream, ctx, day, not state["broken"])
        metrics.update(
            mode=doc.mode or DEFAULT_MODE,
            expected=list(mode.expected),
            critical=list(mode.critical),
            triggered=doc.triggered,
            triggered_at=doc.triggered_at,
            **{key: value for key, value in state.items() if key != "broken"},
        )
        summary = self._summary(doc, mode, state, findings)
        return CheckResult.from_findings(
            self.id, summary, findings, metrics, self._remediation(findings, day, ctx.profile)
        )

    def settled(self, ctx: Context, days: list[date]) -> set[date]:
        """Off-days, and dates whose document reports every expected processor succeeded with a
        `_triggered` flag the downstream data agrees with: `run` has no finding there, so it
        calls them OK (a season's dates but a handful). Any other date is left to `run`."""
        facts = self._range(ctx)
        return {day for day in days if not facts.games.get(day) or self._clean(ctx, day, facts)}

    def _clean(self, ctx: Context, day: date, facts: RangeFacts) -> bool:
        """`run`'s verdict on a date with games, without building its result: the same document
        read, the same mode, processors and trigger findings, none of the metrics or text."""
        try:
            data = self._document(ctx, day, facts)
            if data is None:  # pending or missing: `run` says which
                return False
            doc = parse_completion(f"{self.spec.collection}/{day.isoformat()}", data)
        except PipevalError:  # unreadable or malformed: `run` reports it as ERROR
            return False
        mode = self._mode(doc)
        if isinstance(mode, str):
            return False
        runs = doc.processors
        if not all(name in runs and runs[name].status == "success" for name in mode.expected):
            return False
        downstream = self._downstream(ctx, day, facts)
        # Every expected processor succeeded: nothing is broken, the phase is complete.
        return downstream is None or not self._trigger_findings(doc, downstream, ctx, day, True)

    def _no_document(
        self,
        path: str,
        due: datetime,
        ctx: Context,
        metrics: dict,
        downstream: Downstream | None,
    ) -> CheckResult:
        day = ctx.judged
        when = _local(due, ctx.profile.timezone)
        data = {"date": day, "due": due}
        if ctx.as_of < due:
            finding = Finding(Severity.INFO, f"pending: not due before {when}", path, data)
            summary = f"pending: {path} is not due before {when}"
            return CheckResult.from_findings(self.id, summary, [finding], metrics)
        message = f"no document: {self.spec.phase} never reported completion (due {when})"
        if downstream is not None and downstream.has_data:
            # Still a FAIL (the contract's record is missing), but say what the data shows.
            message += (
                f"; {downstream.phase} data for {day} exists ({downstream.rows} rows), so the "
                "phase probably ran without recording its completion"
            )
        finding = Finding(Severity.FAIL, message, path, data)
        remediation = [self._rerun(self.spec.phase, day, ctx.profile)]
        summary = message.replace("no document", f"no {path} document", 1)
        return CheckResult.from_findings(self.id, summary, [finding], metrics, remediation)

    def _mode(self, doc: CompletionDoc) -> ModeSpec | str:
        """The expected processors for the document's `_mode`, or why there are none."""
        modes = self.spec.modes
        if doc.mode is not None and doc.mode in modes:
            return modes[doc.mode]
        if DEFAULT_MODE in modes:
            return modes[DEFAULT_MODE]
        said = f"_mode {doc.mode!r}" if doc.mode is not None else "no _mode"
        return (
            f"the document has {said} and the profile has no default mode for {self.spec.phase} "
            f"(known: {', '.join(sorted(modes))}): cannot tell which processors to expect"
        )

    def _processors(
        self, doc: CompletionDoc, mode: ModeSpec, pending: bool
    ) -> tuple[list[Finding], dict]:
        runs = doc.processors
        missing = [name for name in mode.expected if name not in runs]
        failed = [name for name in mode.expected if name in runs and runs[name].status == "failed"]
        partial = [
            name for name in mode.expected if name in runs and runs[name].status == "partial"
        ]
        critical = set(mode.critical)
        findings = []
        if pending and missing:
            findings.append(
                Finding(
                    Severity.INFO,
                    f"pending: {count(len(missing), 'processor')} not reported yet: "
                    + ", ".join(missing),
                    doc.path,
                    {"missing": missing, "pending": True},
                )
            )
        elif missing:
            findings += _by_criticality(missing, critical, "missing", doc.path)
        findings += _by_criticality(failed, critical, "failed", doc.path)
        if partial:
            findings.append(
                Finding(
                    Severity.WARN,
                    "processors partial: " + ", ".join(partial),
                    doc.path,
                    {"processors": partial, "status": "partial"},
                )
            )
        state = {
            "completed": sorted(name for name in runs if runs[name].status == "success"),
            "missing": missing,
            "failed": failed,
            "partial": partial,
            "unexpected": sorted(set(runs) - set(mode.expected)),
            "broken": bool(critical & set(missing + failed)),
        }
        return findings, state

    def _downstream_tables(self, ctx: Context) -> list[PhaseTable]:
        if self.spec.downstream_phase is None:
            return []
        return list(ctx.profile.phase(self.spec.downstream_phase).tables)

    def _range(self, ctx: Context) -> RangeFacts:
        """Games per date, the downstream phase's tables and whose due time it keeps, once."""
        key = ("orchestration-range", self.spec.phase, ctx.start, ctx.end)

        def compute() -> RangeFacts:
            tables = self._downstream_tables(ctx)
            name = self.spec.downstream_phase
            # The downstream phase is due when its own document is, else when this one is.
            due = next((s for s in ctx.profile.orchestration if s.phase == name), self.spec)
            if not tables:
                return RangeFacts(load_schedule(ctx).games, tables, due)
            # Each downstream statement carries the date's scheduled games: the first one's.
            first = load_presence(ctx, tables[0])
            games = {day: counts.games for day, counts in first.days.items()}
            return RangeFacts(games, tables, due)

        return ctx.memo_get(key, compute)

    def _documents(
        self, ctx: Context, facts: RangeFacts
    ) -> dict[str, dict | PipevalError | None] | PipevalError:
        """The collection's documents for every date of the range with games, in one read
        (`StateStore.get_many`: one round trip on Firestore, not one per date), once per run
        for `settled` and `run` alike. A document that cannot be read fails only its date, with
        the line `get` gives; a read that fails as a whole (the store unreachable, no
        permission) fails every date with its one error, without a timeout waited out again
        for each date."""
        key = ("orchestration-documents", self.spec.collection, ctx.start, ctx.end)

        def compute() -> dict[str, dict | PipevalError | None] | PipevalError:
            ids = [day.isoformat() for day, games in sorted(facts.games.items()) if games]
            try:
                return ctx.require_state().get_many(self.spec.collection, ids)
            except PipevalError as err:
                return err

        return ctx.memo_get(key, compute)

    def _document(self, ctx: Context, day: date, facts: RangeFacts) -> dict | None:
        """The date's document (None: it does not exist), from the range's one read."""
        name = day.isoformat()
        documents = self._documents(ctx, facts)
        # The read's one error, or the document's own, raised for each date it fails (a fresh
        # traceback each time: the error object is shared).
        if isinstance(documents, PipevalError):
            raise documents.with_traceback(None)
        if name not in documents:
            # A date the range's read left out: no games there, as far as the warehouse says.
            return ctx.require_state().get(self.spec.collection, name)
        found = documents[name]
        if isinstance(found, PipevalError):
            raise found.with_traceback(None)
        return found

    def _downstream(self, ctx: Context, day: date, facts: RangeFacts) -> Downstream | None:
        name = self.spec.downstream_phase
        if name is None:
            return None
        tables = facts.tables
        rows = sum(table_day(ctx, table, day).rows for table in tables)
        due = due_at(facts.downstream_due, day, ctx.profile.timezone)
        return Downstream(name, rows, tuple(t.table for t in tables), due)

    def _trigger_findings(
        self, doc: CompletionDoc, down: Downstream, ctx: Context, day: date, complete: bool
    ) -> list[Finding]:
        data = {"date": day, "downstream": down.phase, "rows": down.rows}
        if not doc.triggered and down.has_data:
            return [
                Finding(
                    Severity.WARN,
                    f"stale flag: {doc.path} says _triggered false, but {down.phase} data for "
                    f"{day} exists ({down.rows} rows): the next phase ran and only the flag was "
                    "not updated. Not a stuck pipeline",
                    doc.path,
                    {**data, "stale_flag": True},
                )
            ]
        if down.has_data or ctx.as_of < down.due:
            return []
        when = _local(down.due, ctx.profile.timezone)
        if doc.triggered:
            at = f" at {doc.triggered_at:%Y-%m-%d %H:%M}Z" if doc.triggered_at else ""
            return [
                Finding(
                    Severity.FAIL,
                    f"{doc.path} says {down.phase} was triggered{at}, but no {down.phase} data "
                    f"for {day} exists past its due time {when}",
                    doc.path,
                    {**data, "triggered_without_data": True},
                )
            ]
        if complete:
            return [
                Finding(
                    Severity.WARN,
                    f"{self.spec.phase} is complete but {down.phase} was never triggered for "
                    f"{day} and has no data past its due time {when}",
                    doc.path,
                    {**data, "not_triggered": True},
                )
            ]
        return []

    def _summary(
        self, doc: CompletionDoc, mode: ModeSpec, state: dict, findings: list[Finding]
    ) -> str:
        done = [name for name in mode.expected if name in state["completed"]]
        parts = [
            f"{doc.path}: {len(done)} of {len(mode.expected)} processors succeeded "
            f"({doc.mode or DEFAULT_MODE} mode)"
        ]
        pending = any(f.data.get("pending") for f in findings)
        critical = set(mode.critical)
        for label, names in (("missing", state["missing"]), ("failed", state["failed"])):
            if names and not (pending and label == "missing"):
                marked = [f"{n} (critical)" if n in critical else n for n in names]
                parts.append(f"{label}: {', '.join(marked)}")
        if pending:
            parts.append(f"{len(state['missing'])} pending")
        flags = {key for f in findings for key in f.data if f.data[key] is True}
        notes = {
            "stale_flag": "stale _triggered flag (downstream data exists)",
            "triggered_without_data": "triggered but no downstream data",
            "not_triggered": "next phase never triggered",
        }
        parts += [text for key, text in notes.items() if key in flags]
        return "; ".join(parts)

    def _remediation(self, findings: list[Finding], day: date, profile: Profile) -> list[str]:
        flags = {key for f in findings for key in f.data if f.data[key] is True}
        steps = []
        broken = any(f.severity is not Severity.INFO and "processors" in f.data for f in findings)
        if broken:
            steps.append(self._rerun(self.spec.phase, day, profile))
        down = self.spec.downstream_phase
        if down is not None and flags & {"triggered_without_data", "not_triggered"}:
            steps.append(self._rerun(down, day, profile))
        if "stale_flag" in flags:
            steps.append(
                f"No re-run needed: {down} data for {day} exists and only the "
                f"{self.spec.collection} _triggered flag is stale; fix the flag update in the "
                "orchestrator if it recurs"
            )
        return steps

    def _rerun(self, phase: str, day: date, profile: Profile) -> str:
        template = profile.phase(phase).rerun
        return rerun_step(phase, template, day, day)


def _by_criticality(names: list[str], critical: set[str], what: str, subject: str) -> list[Finding]:
    """One FAIL finding for the critical processors, one WARN for the others."""
    findings = []
    for severity, group in (
        (Severity.FAIL, [n for n in names if n in critical]),
        (Severity.WARN, [n for n in names if n not in critical]),
    ):
        if group:
            kind = "critical" if severity is Severity.FAIL else "non-critical"
            findings.append(
                Finding(
                    severity,
                    f"{kind} processors {what}: {', '.join(group)}",
                    subject,
                    {"processors": group, "critical": severity is Severity.FAIL},
                )
            )
    return findings


def _local(instant: datetime, tz: str) -> str:
    return f"{instant.astimezone(zone(tz)):%Y-%m-%d %H:%M} {tz}"
