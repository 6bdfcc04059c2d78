"""The handoff's content: a validation result and git facts turned into the template's input.

Sections follow the pipeline's own handoffs: Executive Summary, What Was Done, Current System
State, Issues Found, Next Steps, Verification Commands, then the user's notes. Values stay raw
here; the template escapes every one of them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pipeval import __version__
from pipeval.handoff.git import HANDOFF_DIR, GitFacts
from pipeval.invocation import Invocation
from pipeval.report.markdown import code
from pipeval.results import Status, SuiteResult, jsonable

DEFAULT_TITLE = "Session handoff"
DEFAULT_SLUG = "session"
MAX_SLUG = 60
FINDINGS_PER_ISSUE = 8
MAX_FILES_LISTED = 100

# Next steps in priority order: data lost first, then checks that could not run, then drift.
PRIORITY = (Status.FAIL, Status.ERROR, Status.WARN)


def slug(title: str | None) -> str:
    """A file-name slug from the title: ASCII letters and digits joined by hyphens."""
    if not title:
        return DEFAULT_SLUG
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    text = "-".join(words)[:MAX_SLUG].strip("-")
    return text or DEFAULT_SLUG


def default_output(root: Path, day: date, title: str | None, extension: str = "md") -> Path:
    return root / HANDOFF_DIR / f"{day.isoformat()}-{slug(title)}.{extension}"


def _issues(result: SuiteResult) -> list[dict[str, Any]]:
    failing = [check for check in result.checks if check.status is not Status.OK]
    failing.sort(key=lambda check: PRIORITY.index(check.status))
    issues = []
    for check in failing:
        findings = [f for f in check.findings if f.severity.value != "INFO"]
        issues.append(
            {
                "id": check.id,
                "status": check.status.value,
                "summary": check.summary,
                "findings": [
                    {"severity": f.severity.value, "subject": f.subject, "message": f.message}
                    for f in findings[:FINDINGS_PER_ISSUE]
                ],
                "more_findings": max(0, len(findings) - FINDINGS_PER_ISSUE),
            }
        )
    return issues


def _next_steps(result: SuiteResult) -> list[dict[str, str | None]]:
    incidents = (result.diagnosis or {}).get("incidents")
    if incidents:
        return _planned_steps(incidents, result)
    return _remediation_steps(result)


def _planned_steps(
    incidents: list[dict[str, Any]], result: SuiteResult
) -> list[dict[str, str | None]]:
    """The diagnosis' plans, incident by incident (worst first), each step once and in its
    plan's order: the handoff then says what the report says (wait for quota headroom before
    re-running, later phases over the cascade window), never each check's own steps."""
    summaries = {check.id: check.summary for check in result.checks}
    steps: dict[tuple[str, str | None], dict[str, str | None]] = {}
    for incident in incidents:
        root, status = incident["root"]["check"], incident["status"]
        plan = [(s["action"], s["command"]) for s in incident["plan"]]
        if not plan and status == Status.ERROR.value:
            plan = [(f"Make {root} runnable: {summaries.get(root, '')}", None)]
        for action, command in plan:
            text = f"{action}: {code(command)}" if command else action
            steps.setdefault(
                (action, command),
                {
                    "step": text,
                    "action": action,
                    "command": command,
                    "check": root,
                    "status": status,
                },
            )
    return list(steps.values())


def _remediation_steps(result: SuiteResult) -> list[dict[str, str | None]]:
    """Without a diagnosis: every check's remediation, failures first."""
    steps: dict[str, dict[str, str | None]] = {}
    for status in PRIORITY:
        for check in result.checks:
            if check.status is not status:
                continue
            remediation = check.remediation or (
                [f"Make {check.id} runnable: {check.summary}"] if status is Status.ERROR else []
            )
            for step in remediation:
                steps.setdefault(step, {"step": step, "check": check.id, "status": status.value})
    return list(steps.values())


def verification_commands(
    day: date, result: SuiteResult | None, run: Invocation, facts: GitFacts | None
) -> list[str]:
    """Commands that show whether the next steps worked (the run's options included)."""
    commands = [run.command("daily", "--date", day)]
    if result is not None:
        failing = [c.id for c in result.checks if c.status is not Status.OK]
        if failing:
            commands.append(run.command("daily", "--date", day, "--checks", ",".join(failing)))
        if any(c.category == "completeness" and c.status is Status.FAIL for c in result.checks):
            commands.append(run.command("historical", "--verify-backfill", day))
    if facts is not None and facts.head is not None:
        commands.append("git status --short")
        span = f"{facts.base[:12]}..HEAD" if facts.base else "HEAD"
        commands.append(f"git log --oneline {span}")
    return commands


def _git_section(facts: GitFacts) -> dict[str, Any]:
    files = sorted(facts.files, key=lambda f: f.path)
    return {
        "root": str(facts.root),
        "branch": facts.branch,
        "head": facts.head[:12] if facts.head else None,
        "base": facts.base[:12] if facts.base else None,
        "since": facts.since,
        "base_label": facts.base_label,
        "commits": [
            {
                "short": c.short,
                "subject": c.subject,
                "author": c.author,
                "date": c.date,
                "files": len(c.files),
                "added": c.lines[0],
                "deleted": c.lines[1],
            }
            for c in facts.commits
        ],
        "truncated": facts.truncated,
        "files": [asdict(f) for f in files[:MAX_FILES_LISTED]],
        "more_files": max(0, len(files) - MAX_FILES_LISTED),
        "totals": {"files": len(files), "added": facts.lines[0], "deleted": facts.lines[1]},
        "uncommitted": [{"status": s, "path": p} for s, p in facts.uncommitted],
    }


def _counts(result: SuiteResult) -> dict[str, int]:
    return {status.value: sum(c.status is status for c in result.checks) for status in Status}


def build(
    *,
    title: str | None,
    day: date,
    validation_day: date,
    as_of: datetime,
    profile: str,
    result: SuiteResult | None,
    validation_note: str | None,
    facts: GitFacts | None,
    git_note: str | None,
    notes: str | None,
    invocation: Invocation,
) -> dict[str, Any]:
    """The template's whole input (also what `--format json` writes)."""
    return jsonable(
        {
            "title": title or DEFAULT_TITLE,
            "date": day,
            "generated_at": as_of.replace(microsecond=0),
            "pipeval_version": __version__,
            "profile": profile,
            "status": result.status.value if result is not None else None,
            "counts": _counts(result) if result is not None else {},
            "validation": result.to_dict() if result is not None else None,
            "validation_note": validation_note,
            "issues": _issues(result) if result is not None else [],
            "next_steps": _next_steps(result) if result is not None else [],
            "git": _git_section(facts) if facts is not None else None,
            "git_note": git_note,
            "verification": verification_commands(validation_day, result, invocation, facts),
            "notes": notes,
        }
    )
