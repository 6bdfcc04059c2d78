"""Group failing checks into incidents along the lineage: one root, its consequences.

Order of reasoning:
1. A phase is *affected* when its completeness check or its orchestration check (other than a
   stale `_triggered` flag) is not OK. An affected phase whose upstream phases are all fine is
   a *root phase*; every affected phase downstream of it joins its group.
2. An *explainer* can stand behind a root phase: a quota check on a table the phase writes
   (its own tables or the shared ones lineage lists), a stale deployment of a service that runs
   it, a schema failure on a table it writes. The strongest one is the incident's root; quota
   checks on the same table join it as consequences.
3. Coverage joins the group whose phases include its target's phase or one upstream of it;
   any other check whose findings name a table of a group's phases joins that group.
4. Everything else is an incident of its own (a staging orphan, a dormant registry split, a
   check that could not run). Without lineage in the profile every failing check is its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeval.profile.lineage import Lineage
from pipeval.results import CheckResult, Finding, Severity, Status

# Explainer families, strongest first: the first that explains a root phase is the root.
QUOTA_ORDER = (
    "quota.table_operations",
    "quota.partition_modifications",
    "quota.dml_queue",
    "quota.errors",
)
PHASE_FAMILIES = ("orchestration", "completeness")


@dataclass
class Incident:
    root: CheckResult
    subject: str
    phases: list[str] = field(default_factory=list)  # affected phases it explains, in order
    consequences: list[CheckResult] = field(default_factory=list)

    @property
    def checks(self) -> list[CheckResult]:
        return [self.root, *self.consequences]

    @property
    def status(self) -> Status:
        return max((c.status for c in self.checks), key=lambda s: s.rank)

    def add(self, check: CheckResult) -> None:
        if check is not self.root and check not in self.consequences:
            self.consequences.append(check)


def problems(check: CheckResult) -> list[Finding]:
    return [f for f in check.findings if f.severity is not Severity.INFO]


def subject_of(check: CheckResult) -> str:
    return next((f.subject for f in problems(check) if f.subject), "")


def _phase_failure(check: CheckResult) -> bool:
    """Not OK, and not only a stale `_triggered` flag (data exists; nothing to re-run)."""
    if check.status in (Status.OK, Status.ERROR):
        return False
    if check.category == "orchestration":
        return any(not f.data.get("stale_flag") for f in problems(check))
    return True


def _affected(checks: list[CheckResult], lineage: Lineage) -> dict[str, list[CheckResult]]:
    found: dict[str, list[CheckResult]] = {}
    for family in PHASE_FAMILIES:
        for check in checks:
            phase = check.id.split(".", 1)[1] if check.category == family else None
            if phase in lineage.order and _phase_failure(check):
                found.setdefault(phase, []).append(check)
    return {name: found[name] for name in lineage.order if name in found}


def _explained_phases(check: CheckResult, lineage: Lineage) -> tuple[str, list[str]]:
    """(subject, phases) a possible root cause explains: the phases that write its table or
    that its service runs. Empty when the check is not an explainer."""
    if check.status in (Status.OK, Status.ERROR):
        return "", []
    for finding in problems(check):
        subject = finding.subject
        if check.category == "quota" or (
            check.category == "schema" and check.status is Status.FAIL
        ):
            phases = lineage.writers(subject)
        elif check.category == "deploy":
            phases = lineage.running(subject)
        else:
            return "", []
        if phases:
            return subject, phases
    return "", []


def _rank(check: CheckResult) -> tuple[int, int]:
    if check.id in QUOTA_ORDER:
        return (0, QUOTA_ORDER.index(check.id))
    return ({"deploy": 1, "schema": 2}.get(check.category, 3), 0)


def group(checks: list[CheckResult], lineage: Lineage) -> list[Incident]:
    failing = [c for c in checks if c.status is not Status.OK]
    if not lineage.declared:
        return [Incident(c, subject_of(c)) for c in failing]
    affected = _affected(failing, lineage)
    roots = [p for p in affected if not lineage.upstream(p) & set(affected)]
    incidents: list[Incident] = []
    placed: set[int] = set()
    phase_incident: dict[str, Incident] = {}

    def place(incident: Incident, check: CheckResult) -> None:
        incident.add(check)
        placed.add(id(check))

    # Explainers first, strongest first; each claims the root phases it explains.
    explainers = sorted(
        (c for c in failing if _explained_phases(c, lineage)[1]), key=lambda c: _rank(c)
    )
    for check in explainers:
        subject, writers = _explained_phases(check, lineage)
        claimed = [p for p in roots if p in writers and p not in phase_incident]
        same = next(
            (i for i in incidents if i.root.category == "quota" and i.subject == subject),
            None,
        )
        if check.category == "quota" and same is not None:
            place(same, check)  # quota.errors on the table whose quota ran out
            continue
        if not claimed:
            continue
        incident = Incident(check, subject)
        placed.add(id(check))
        incidents.append(incident)
        for root in claimed:
            phase_incident[root] = incident
    # Root phases nothing explains: the phase itself is the root (orchestration first).
    for root in roots:
        if root not in phase_incident:
            first = affected[root][0]
            incident = Incident(first, subject_of(first))
            placed.add(id(first))
            incidents.append(incident)
            phase_incident[root] = incident
    # Affected phases join the group of their root (the first root upstream of them).
    for phase, phase_checks in affected.items():
        owner = phase_incident.get(phase) or next(
            phase_incident[r] for r in roots if r in lineage.upstream(phase)
        )
        phase_incident.setdefault(phase, owner)
        owner.phases.append(phase)
        for check in phase_checks:
            place(owner, check)
    for check in failing:
        if id(check) in placed:
            continue
        owner = _owner(check, lineage, phase_incident) or _same_quota(check, incidents)
        if owner is not None:
            place(owner, check)
        else:
            incidents.append(Incident(check, subject_of(check)))
            placed.add(id(check))
    return incidents


def _owner(
    check: CheckResult, lineage: Lineage, phase_incident: dict[str, Incident]
) -> Incident | None:
    """The incident of a phase this check's tables belong to (coverage: its target's phase or
    one upstream of it). Checks that could not run stay on their own."""
    if check.status is Status.ERROR:
        return None
    tables = [f.subject for f in problems(check) if f.subject]
    target = check.metrics.get("target_table")
    if isinstance(target, str):
        tables.insert(0, target)
    phases = [lineage.owner(table) for table in tables]
    # A declarative check names the phase its table derives from (e.g. grading: phase5).
    hint = check.metrics.get("phase")
    if isinstance(hint, str) and hint in lineage.order:
        phases.append(hint)
    for phase in phases:
        if phase is None:
            continue
        for candidate in (phase, *lineage.sorted(lineage.upstream(phase))):
            if candidate in phase_incident:
                return phase_incident[candidate]
    return None


def _same_quota(check: CheckResult, incidents: list[Incident]) -> Incident | None:
    """Quota checks on one table are one incident, whatever else they explain."""
    if check.category != "quota":
        return None
    subject = subject_of(check)
    return next(
        (i for i in incidents if i.root.category == "quota" and i.subject == subject and subject),
        None,
    )
