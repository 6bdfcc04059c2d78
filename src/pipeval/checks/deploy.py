"""deploy.drift: is each deployed service running the latest commit that touches its source?

Per service of the profile: the commit its deploy stamped (the `commit-sha` label) against the
clone's HEAD, restricted to the service's source paths. Without a usable label the service's
`updateTime` is compared with the commits on its paths instead, and the finding says so. A
pending commit older than `thresholds.deploy.max_lag_hours` turns the WARN into a FAIL.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeval.checks.base import Check
from pipeval.listing import count
from pipeval.metrics.commits import COMMIT_ID_RE, CommitInfo, Repository
from pipeval.ports import DeployedService, Deployments
from pipeval.profile import Profile
from pipeval.profile.model import ServiceSpec
from pipeval.query import Context
from pipeval.results import CheckResult, Finding, Severity

CHECK_ID = "deploy.drift"


@dataclass
class Verdict:
    finding: Finding
    state: str  # up_to_date, stale, not_found, unknown_commit, unknown
    remediation: list[str] = field(default_factory=list)


def _when(instant: datetime | None) -> str:
    return instant.strftime("%Y-%m-%d %H:%M UTC") if instant is not None else "unknown"


def _listing(pending: list[CommitInfo], limit: int) -> str:
    shown = "; ".join(
        f"{commit.short} {commit.committed.date().isoformat()} {commit.subject}"
        for commit in pending[:limit]
    )
    rest = len(pending) - limit
    return shown + (f"; and {rest} more" if rest > 0 else "")


class DriftCheck(Check):
    category = "deploy"

    def __init__(self) -> None:
        super().__init__(CHECK_ID)

    def run(self, ctx: Context) -> CheckResult:
        deployments = ctx.require_deployments()
        repo = ctx.memo_get(("repo", ctx.repo), lambda: Repository(ctx.repo))
        verdicts = [self._judge(spec, deployments, repo, ctx) for spec in ctx.profile.services]
        counts: dict[str, int] = {}
        for verdict in verdicts:
            counts[verdict.state] = counts.get(verdict.state, 0) + 1
        stale = [v.finding.subject for v in verdicts if v.state == "stale"]
        parts = []
        if stale:
            parts.append(f"{len(stale)} stale ({', '.join(stale)})")
        for state, label in (
            ("not_found", "not found"),
            ("unknown_commit", "deployed commit not in the clone"),
            ("unknown", "not comparable"),
            ("up_to_date", "up to date"),
        ):
            if counts.get(state):
                parts.append(f"{counts[state]} {label}")
        summary = (
            f"{count(len(verdicts), 'service')}: " + ", ".join(parts)
            if verdicts
            else "the profile lists no services"
        )
        return CheckResult.from_findings(
            CHECK_ID,
            summary,
            [verdict.finding for verdict in verdicts],
            metrics={
                "services": len(verdicts),
                **{state: counts.get(state, 0) for state in _STATES},
                "repo": str(repo.root),
                "head": repo.head,
                "max_lag_hours": ctx.profile.thresholds.deploy.max_lag_hours,
            },
            remediation=[step for verdict in verdicts for step in verdict.remediation],
        )

    def _judge(
        self, spec: ServiceSpec, deployments: Deployments, repo: Repository, ctx: Context
    ) -> Verdict:
        deployed = deployments.describe(spec.name, spec.region)
        data: dict[str, Any] = {"service": spec.name, "kind": spec.kind, "region": spec.region}
        redeploy = _redeploy(spec, repo.root)
        if deployed is None:
            message = f"not found in {spec.region} on {deployments.url}"
            finding = Finding(Severity.FAIL, message, spec.name, data)
            return Verdict(finding, "not_found", [redeploy])
        data.update(
            revision=deployed.revision,
            update_time=deployed.update_time,
            is_function=deployed.is_function,
        )
        label = deployed.labels.get(spec.label, "")
        if COMMIT_ID_RE.match(label):
            return self._by_commit(spec, deployed, label, repo, ctx, data, redeploy)
        return self._by_time(spec, deployed, label, repo, ctx, data, redeploy)

    def _by_commit(
        self,
        spec: ServiceSpec,
        deployed: DeployedService,
        label: str,
        repo: Repository,
        ctx: Context,
        data: dict[str, Any],
        redeploy: str,
    ) -> Verdict:
        data.update(basis="commit", deployed_commit=label)
        base = repo.resolve(label)
        if base is None:
            message = f"deployed commit {label} is not in this clone: fetch?"
            fetch = (
                "Fetch the clone, then run the check again: "
                f"`git -C {shlex.quote(str(repo.root))} fetch`"
            )
            finding = Finding(Severity.WARN, message, spec.name, data)
            return Verdict(finding, "unknown_commit", [fetch])
        pending = repo.since_commit(base, spec.paths)
        where = f"commit {label[:12]}, deployed {_when(deployed.update_time)}"
        return _verdict(spec, pending, where, ctx, data, redeploy)

    def _by_time(
        self,
        spec: ServiceSpec,
        deployed: DeployedService,
        label: str,
        repo: Repository,
        ctx: Context,
        data: dict[str, Any],
        redeploy: str,
    ) -> Verdict:
        why = f"no {spec.label} label"
        if label:
            why = f"label {spec.label}={label!r} is not a commit id"
        data.update(basis="time")
        if deployed.update_time is None:
            message = f"{why} and no updateTime: cannot tell what is deployed"
            return Verdict(Finding(Severity.WARN, message, spec.name, data), "unknown", [redeploy])
        last = repo.last_change(spec.paths)
        data["last_change"] = last.committed if last is not None else None
        pending = repo.since_time(deployed.update_time, spec.paths)
        where = (
            f"{why}: compared by time, deployed {_when(deployed.update_time)}, last change "
            f"on its paths {_when(last.committed if last else None)}"
        )
        return _verdict(spec, pending, where, ctx, data, redeploy)


_STATES = ("up_to_date", "stale", "not_found", "unknown_commit", "unknown")


def _verdict(
    spec: ServiceSpec,
    pending: list[CommitInfo],
    where: str,
    ctx: Context,
    data: dict[str, Any],
    redeploy: str,
) -> Verdict:
    limits = ctx.profile.thresholds.deploy
    # A commit made after --as-of was not waiting for a deploy at that instant (a past --as-of,
    # e.g. `pipeval demo --date`): counting it would report a negative wait.
    pending = [commit for commit in pending if commit.committed <= ctx.as_of]
    data["pending_count"] = len(pending)
    data["pending"] = [
        {"sha": c.sha, "short": c.short, "date": c.committed, "subject": c.subject}
        for c in pending[: limits.list_commits]
    ]
    if not pending:
        finding = Finding(Severity.INFO, f"up to date ({where})", spec.name, data)
        return Verdict(finding, "up_to_date")
    oldest = min(commit.committed for commit in pending)
    lag_hours = (ctx.as_of - oldest).total_seconds() / 3600
    data["lag_hours"] = round(lag_hours, 1)
    severity = Severity.FAIL if lag_hours > limits.max_lag_hours else Severity.WARN
    message = (
        f"{count(len(pending), 'commit')} on its paths not deployed, the oldest waiting "
        f"{lag_hours:.0f} h (limit {limits.max_lag_hours:g} h; {where}): "
        f"{_listing(pending, limits.list_commits)}"
    )
    return Verdict(Finding(severity, message, spec.name, data), "stale", [redeploy])


def _redeploy(spec: ServiceSpec, root: Path) -> str:
    """The profile's deploy command, run from the clone, as a code span ready to paste."""
    if not spec.deploy:
        return f"Redeploy {spec.name} from {root} (the profile has no deploy command for it)"
    return f"Redeploy {spec.name}: `cd {shlex.quote(str(root))} && {spec.deploy}`"


def checks_for(profile: Profile) -> list[Check]:
    return [DriftCheck()] if profile.services else []
