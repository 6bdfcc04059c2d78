"""The one-line story of an incident: root → phases it stopped → what that cost."""

from __future__ import annotations

from datetime import date

from pipeval.diagnosis.incidents import Incident
from pipeval.results import CheckResult, Status

QUOTA_UNITS = {
    "quota.table_operations": "table operations",
    "quota.partition_modifications": "partition modifications",
}


def _about(check: CheckResult, subject: str) -> str:
    """The part of a summary about `subject` (quota summaries list several tables)."""
    usage = check.metrics.get("tables", {}).get(subject) if check.id in QUOTA_UNITS else None
    if isinstance(usage, dict) and "used" in usage:
        return (
            f"{usage['used']:,} of {usage['limit']:,} {QUOTA_UNITS[check.id]} in 24 h "
            f"({usage['percent']:.0f} %)"
        )
    parts = [part.strip() for part in check.summary.split(";")]
    mine = [part for part in parts if subject and subject in part]
    text = mine[0] if mine else parts[0]
    return text.replace(f"{subject}: ", "").replace(f"{subject} ", "") if subject else text


def _missing(check: CheckResult) -> tuple[int, int] | None:
    """(missing, expected) games of the phase's worst table."""
    tables = check.metrics.get("tables", {})
    worst = [
        (len(t.get("missing", [])), t.get("expected", 0))
        for t in tables.values()
        if isinstance(t, dict) and t.get("missing")
    ]
    return max(worst) if worst else None


def _phase_phrases(incident: Incident, day: date) -> list[str]:
    by_phrase: dict[str, list[str]] = {}
    for phase in incident.phases:
        checks = {c.category: c for c in incident.checks if c.id.endswith(f".{phase}")}
        completeness = checks.get("completeness")
        counts = _missing(completeness) if completeness is not None else None
        if counts is not None:
            phrase = f"missing {counts[0]} of {counts[1]} games of {day}"
        else:
            phrase = "did not report completion"
        by_phrase.setdefault(phrase, []).append(phase)
    return [f"{', '.join(phases)} {phrase}" for phrase, phases in by_phrase.items()]


def story(incident: Incident, day: date) -> str:
    """Root first (its check and subject are the incident's `root`), then what it caused."""
    root = incident.root
    if root.status is Status.ERROR:
        return root.summary
    parts = [_about(root, incident.subject)]
    same = [c for c in incident.consequences if c.category == root.category == "quota"]
    parts[0] += "".join(f", {_about(c, incident.subject)}" for c in same)
    parts += _phase_phrases(incident, day)
    phase_checks = {
        f"{family}.{p}" for p in incident.phases for family in ("completeness", "orchestration")
    }
    parts += [
        f"{c.id} {c.summary}"
        for c in incident.consequences
        if c not in same
        and c.id not in phase_checks
        # declarative data checks on derived tables: named under Explains, not retold here
        and not c.metrics.get("declarative")
    ]
    return " → ".join(parts)
