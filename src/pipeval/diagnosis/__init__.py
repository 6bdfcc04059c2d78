"""Diagnosis: failing checks grouped into incidents along the profile's lineage, each with its
root check and subject, its consequences, a one-line story and one ordered plan.

Sits between suites and checks: it reads check results and the profile, never a backend.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pipeval.clock import local_date
from pipeval.diagnosis.incidents import Incident, group
from pipeval.diagnosis.plan import PlanInput, build_plan
from pipeval.diagnosis.playbook import entry_for
from pipeval.diagnosis.story import story
from pipeval.invocation import Invocation
from pipeval.profile.lineage import Lineage
from pipeval.profile.model import Profile
from pipeval.results import CheckResult, Status


def diagnose(
    checks: list[CheckResult],
    profile: Profile,
    day: date,
    as_of: datetime,
    invocation: Invocation | None = None,
) -> dict[str, Any]:
    """The `diagnosis` object of the result document: incidents, worst first."""
    lineage = Lineage.of(profile)
    given = PlanInput(
        profile=profile,
        lineage=lineage,
        invocation=invocation or Invocation(),
        day=day,
        as_of=as_of,
        today=local_date(as_of, profile.timezone),
    )
    incidents = sorted(group(checks, lineage), key=lambda i: -i.status.rank)
    return {"incidents": [_incident(i, given) for i in incidents]}


def _incident(incident: Incident, given: PlanInput) -> dict[str, Any]:
    plan = build_plan(incident, given)
    return {
        "root": {"check": incident.root.id, "subject": incident.subject},
        "status": incident.status.value,
        "consequences": [check.id for check in incident.consequences],
        "phases": incident.phases,
        "summary": story(incident, given.day),
        "playbook": entry_for(incident.root.id),
        "plan": [
            {"step": number, "action": step.action, "command": step.command}
            for number, step in enumerate(plan, start=1)
        ],
    }


__all__ = ["Incident", "Lineage", "Status", "diagnose"]
