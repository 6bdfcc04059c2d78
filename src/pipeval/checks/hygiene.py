"""hygiene.*: leftovers and identity splits that quietly cost money or predictions.

- `hygiene.staging_tables`: tables with the profile's staging prefix older than the max age,
  from the TABLES metadata view (no data is read). WARN any.
- `hygiene.registry_duplicates`: one person under several universal ids (lookups equal after
  removing a generational suffix). The registry has no time dimension, so a duplicate is a WARN
  when the split is live on the date (both lookups appear in its expected, target or lines
  data) and an INFO note otherwise: a clean day stays clean.
"""

from __future__ import annotations

import shlex
from datetime import timedelta

from pipeval.checks.base import Check
from pipeval.errors import ConfigError
from pipeval.listing import MAX_LISTED, count, listed
from pipeval.metrics.coverage import in_use_query, load_in_use
from pipeval.metrics.identity import duplicate_groups
from pipeval.metrics.staging import staging_query
from pipeval.profile.model import CoverageSpec, Profile
from pipeval.query import Context, Query
from pipeval.results import CheckResult, Finding, Severity


def checks_for(profile: Profile) -> list[Check]:
    checks: list[Check] = [StagingTables()]
    registry_spec = _registry_spec(profile)
    if registry_spec is not None:
        checks.append(RegistryDuplicates(registry_spec))
    return checks


def _registry_spec(profile: Profile) -> CoverageSpec | None:
    """The first coverage pair whose diagnostics name a registry with universal ids."""
    return next(
        (
            spec
            for spec in profile.coverage
            if spec.diagnostics.registry and spec.diagnostics.registry.universal_id
        ),
        None,
    )


class StagingTables(Check):
    category = "hygiene"

    def __init__(self) -> None:
        super().__init__("hygiene.staging_tables")

    def queries(self, ctx: Context) -> list[Query]:
        return [staging_query(ctx.profile, ctx.as_of)]

    def run(self, ctx: Context) -> CheckResult:
        limits = ctx.profile.thresholds.hygiene
        max_age = timedelta(hours=limits.staging_max_age_hours)
        datasets = set(limits.datasets)
        rows = [
            row
            for row in ctx.fetch(staging_query(ctx.profile, ctx.as_of))
            if not datasets or row["dataset_id"] in datasets
        ]
        # Tables created after as-of did not exist yet at that instant.
        rows.sort(key=lambda row: (row["creation_time"], row["dataset_id"], row["table_id"]))
        old = [row for row in rows if ctx.as_of - row["creation_time"] >= max_age]
        young = [row for row in rows if row not in old]
        findings = []
        if old:
            names = [
                f"{row['dataset_id']}.{row['table_id']} "
                f"({_hours(ctx.as_of - row['creation_time'])} h)"
                for row in old
            ]
            findings.append(
                Finding(
                    Severity.WARN,
                    f"{count(len(old), limits.staging_prefix + '* table')} older than "
                    f"{limits.staging_max_age_hours:g} h (orphaned by a failed consolidation?): "
                    + listed(names),
                    data={"tables": [_table(row) for row in old]},
                )
            )
        if young:
            findings.append(
                Finding(
                    Severity.INFO,
                    f"{count(len(young), limits.staging_prefix + '* table')} younger than "
                    f"{limits.staging_max_age_hours:g} h (a batch in flight): "
                    + listed([_table(row) for row in young]),
                    data={"tables": [_table(row) for row in young]},
                )
            )
        metrics = {
            "prefix": limits.staging_prefix,
            "max_age_hours": limits.staging_max_age_hours,
            "orphaned": [{"table": _table(row), "created": row["creation_time"]} for row in old],
            "in_flight": [_table(row) for row in young],
        }
        summary = (
            f"{count(len(old), 'orphaned staging table')} older than "
            f"{limits.staging_max_age_hours:g} h"
            if old
            else f"no staging tables older than {limits.staging_max_age_hours:g} h"
        )
        remediation = []
        if old:
            project = f"{ctx.profile.project}:" if ctx.profile.project else ""
            # Names come from metadata: quoted, so that a pasted command runs only `bq rm`.
            drops = "; ".join(
                f"bq rm -f -t {shlex.quote(project + _table(row))}" for row in old[:MAX_LISTED]
            )
            # A code span when it can hold the command verbatim (real table names always can).
            shown = drops if "`" in drops or "\n" in drops else f"`{drops}`"
            remediation.append(f"Make sure no consolidation is running, then drop them: {shown}")
        return CheckResult.from_findings(self.id, summary, findings, metrics, remediation)


class RegistryDuplicates(Check):
    category = "hygiene"

    def __init__(self, spec: CoverageSpec) -> None:
        super().__init__("hygiene.registry_duplicates")
        self.spec = spec

    def queries(self, ctx: Context) -> list[Query]:
        # One statement: the registry rows of possible duplicates, and their lookups in use.
        return [in_use_query(self.spec, ctx.start, ctx.end)]

    def run(self, ctx: Context) -> CheckResult:
        day = ctx.judged
        registry = self.spec.diagnostics.registry
        if registry is None:
            raise ConfigError(f"coverage.{self.spec.name}: diagnostics name no registry")
        in_use = load_in_use(ctx, self.spec)
        groups = duplicate_groups(in_use.registry, self.spec.diagnostics.suffixes)
        seen = in_use.used.get(day, set())
        live = [g for g in groups if _split_in_use(g, seen)]
        dormant = [g for g in groups if g not in live]
        findings = []
        if live:
            findings.append(
                Finding(
                    Severity.WARN,
                    f"{count(len(live), 'person', 'people')} under several ids, both lookups "
                    f"in use on {day}: " + listed([_pair(g) for g in live]),
                    subject=registry.table,
                    data={"date": day, "duplicates": live},
                )
            )
        if dormant:
            findings.append(
                Finding(
                    Severity.INFO,
                    f"{count(len(dormant), 'person', 'people')} under several ids in the "
                    "registry (not both in use "
                    f"on {day}): " + listed([_pair(g) for g in dormant]),
                    subject=registry.table,
                    data={"date": day, "duplicates": dormant},
                )
            )
        summary = (
            f"{count(len(live), 'registry duplicate')} in use on {day}"
            if live
            else f"no registry duplicates in use on {day}"
            + (f" ({len(dormant)} dormant)" if dormant else "")
        )
        remediation = []
        if live:
            remediation.append(
                f"Merge each person onto one {registry.universal_id} in {registry.table} "
                "(keep the canonical lookup, add the other as an alias): "
                + listed([_pair(g) for g in live])
            )
        metrics = {"date": day, "live": live, "dormant": dormant}
        return CheckResult.from_findings(self.id, summary, findings, metrics, remediation)


def _split_in_use(group: dict[str, list[str]], seen: set[str]) -> bool:
    """Two of its lookups appear in the date's data, or its only lookup (with several ids) does."""
    in_use = [lookup for lookup in group["lookups"] if lookup in seen]
    return len(in_use) > 1 or (len(group["lookups"]) == 1 and bool(in_use))


def _pair(group: dict[str, list[str]]) -> str:
    return f"{' / '.join(group['lookups'])} ({', '.join(group['ids'])})"


def _table(row: dict) -> str:
    return f"{row['dataset_id']}.{row['table_id']}"


def _hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.0f}"
