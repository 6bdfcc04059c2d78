"""One ordered, de-duplicated plan per incident.

For an incident that explains phases: wait for quota headroom (with the time) → check the
backfill's cost → re-run the root phase for the date → re-run each later phase for the date
and its cascade window → verify → stop it recurring. For any other incident: the remediation
steps of its checks, root first, each once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pipeval.diagnosis.incidents import Incident
from pipeval.invocation import Invocation
from pipeval.profile.lineage import Lineage
from pipeval.profile.model import Profile
from pipeval.remediation import rerun_command, span
from pipeval.report.markdown import code_spans


@dataclass(frozen=True)
class Step:
    action: str
    command: str | None = None


def split_step(text: str) -> Step:
    """A remediation line as (action, command): its first code span is the command."""
    spans = code_spans(text)
    if not spans:
        return Step(text)
    action = text.split("`", 1)[0].strip().rstrip(":;,").strip()
    action = action.removeprefix("Then ").strip()
    return Step(action[:1].upper() + action[1:], spans[0])


@dataclass(frozen=True)
class PlanInput:
    profile: Profile
    lineage: Lineage
    invocation: Invocation
    day: date
    as_of: datetime
    today: date


def build_plan(incident: Incident, given: PlanInput) -> list[Step]:
    steps = _phase_plan(incident, given) if incident.phases else _check_plan(incident)
    unique: list[Step] = []
    for step in steps:
        if step not in unique:
            unique.append(step)
    return unique


def _check_plan(incident: Incident) -> list[Step]:
    first = _redeploy(incident)
    shown = {step.command for step in first if step.command is not None}
    return first + [
        split_step(text)
        for check in incident.checks
        for text in check.remediation
        if split_step(text).command not in shown
    ]


def cascade_end(given: PlanInput) -> date:
    """The last date whose rolling features read the judged date, already played or today."""
    longest = max(given.profile.historical.cascade_windows.values(), default=0)
    return max(given.day, min(given.day + timedelta(days=longest), given.today))


def _phase_plan(incident: Incident, given: PlanInput) -> list[Step]:
    root_phase = incident.phases[0]
    later = given.lineage.downstream(root_phase)
    last = cascade_end(given) if later else given.day
    run = given.invocation
    steps = _wait(incident, given) + _redeploy(incident)
    steps.append(
        Step(
            f"Check the backfill's quota cost for {span(given.day, last)}",
            run.command("quota", "--backfill", given.day, last),
        )
    )
    steps.append(_rerun(given.profile, root_phase, given.day, given.day))
    steps += [_rerun(given.profile, phase, given.day, last) for phase in later]
    steps.append(
        Step(
            f"Verify {given.day} and its cascade window",
            run.command("historical", "--verify-backfill", given.day),
        )
    )
    steps += _prevent(incident)
    return steps


def _rerun(profile: Profile, phase: str, start: date, end: date) -> Step:
    template = profile.phase(phase).rerun
    action = f"Re-run {phase} for {span(start, end)}"
    if not template:
        return Step(action + " (the profile has no rerun command for it)")
    return Step(action, rerun_command(template, start, end, phase))


def _wait(incident: Incident, given: PlanInput) -> list[Step]:
    """Quota first: a re-run before the window refills fails the same way."""
    root = incident.root
    if root.category != "quota":
        return []
    usage = root.metrics.get("tables", {}).get(incident.subject, {})
    back = usage.get("back_under_at") if isinstance(usage, dict) else None
    recheck = given.invocation.command("quota")
    if isinstance(back, datetime) and back > given.as_of:
        when = back.strftime("%Y-%m-%d %H:%MZ")
        return [
            Step(
                f"Wait until ~{when}, when {incident.subject} is back under its quota (the "
                "24 h window refills hourly)",
                recheck,
            )
        ]
    if root.id == "quota.dml_queue":
        return [Step(f"Wait for the DML queue on {incident.subject} to drain", recheck)]
    return []


def _redeploy(incident: Incident) -> list[Step]:
    """A stale deployment first: a re-run on the old code fails the same way."""
    if incident.root.category != "deploy" or not incident.subject:
        return []
    action = f"Redeploy {incident.subject}"
    if incident.phases:
        action += " (a re-run on the deployed code fails the same way)"
    for text in incident.root.remediation:
        if incident.subject in text:
            # "Redeploy NAME: `cd REPO && DEPLOY`" (none when the profile has no command).
            return [Step(action, split_step(text).command)]
    if incident.root.remediation:
        # Its steps are about something else, e.g. the clone lacks the deployed commit (fetch
        # it and check again): nothing says the service is stale, so no redeploy.
        return []
    return [Step(action)]


def _prevent(incident: Incident) -> list[Step]:
    """A quota root's own fix (e.g. batch the writes), without its re-run and wait steps."""
    if incident.root.category != "quota":
        return []
    for text in incident.root.remediation:
        step = split_step(text)
        if step.command is None and "until the rolling window" not in text:
            # "TABLE: usage; the change ...: how" -> the change, which names its effect.
            change = step.action.split("; ", 1)[-1].split(": ", 1)[0]
            return [Step(f"Stop a repeat on {incident.subject}: {change}")]
    return []
