"""quota.regions: do the jobs views pipeval reads hold the pipeline's jobs?

BigQuery keeps job metadata per region, and a jobs view in a region where no job ran answers
with zero rows, not an error: every quota check would pass on a wrong region. So this check
compares the regions the profile reads (`warehouse.regions`) with the warehouse URL's
`?location=` (where the data queries run, so where the datasets live), and WARNs when a region
shows no job at all over the whole lookback while a phase table holds rows for the judged date
(the pipeline clearly wrote data) and no region read shows a job writing those tables. A
region without jobs next to one that holds every written table's jobs is an INFO (unused).

Quota checks read metadata, never data: the evidence is the completeness statements when the
run reads them anyway (`pipeval daily`), never a statement of its own. Without them (a quota-only
run) an empty region is an INFO that says so.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from pipeval.checks.quota_base import QuotaCheck
from pipeval.listing import count
from pipeval.metrics.games import presence_query, read_presence
from pipeval.metrics.jobs import VIEW, JobsWindow
from pipeval.query import Context
from pipeval.results import CheckResult, Finding, Severity
from pipeval.sqlkit import info_schema


def url_location(url: str) -> str | None:
    """The `?location=` of a `bigquery://` warehouse URL; None for other warehouses."""
    parts = urlsplit(url)
    if parts.scheme != "bigquery":
        return None
    return parse_qs(parts.query).get("location", [None])[0]


class JobRegions(QuotaCheck):
    def __init__(self) -> None:
        super().__init__("quota.regions")

    @staticmethod
    def written_tables(ctx: Context) -> list[str] | None:
        """Phase tables with rows for the judged date, from the completeness rows this run read;
        None when it read none (a table that could not be read is no evidence either way)."""
        found: list[str] = []
        read = False
        for phase in ctx.profile.phases:
            for table in phase.tables:
                rows = ctx.peek(presence_query(ctx.profile, table, ctx.start, ctx.end))
                if rows is None:
                    continue
                read = True
                counts = read_presence(rows).days.get(ctx.judged)
                if counts is not None and counts.rows_written:
                    found.append(table.table)
        return found if read else None

    def evaluate(self, ctx: Context, window: JobsWindow) -> CheckResult:
        regions = ctx.profile.warehouse.regions
        findings: list[Finding] = []
        location = url_location(ctx.warehouse.url) if ctx.warehouse is not None else None
        if location is not None and location.lower() not in {r.lower() for r in regions}:
            findings.append(
                Finding(
                    Severity.WARN,
                    f"the warehouse URL runs queries in location {location}, which is not in "
                    f"warehouse.regions ({', '.join(regions)}): the jobs that ran there are "
                    "not read by the quota checks",
                    subject=location,
                    data={"location": location, "regions": list(regions)},
                )
            )
        empty = [region for region, jobs in window.regions if jobs == 0]
        read = self.written_tables(ctx) if empty else []
        written = read or []
        # A written table no job in any region read wrote: its jobs ran in a region not read.
        destinations = {group.table for group in window.groups if group.table}
        unseen = [table for table in written if table not in destinations]
        evidence = unseen or (written if len(empty) == len(window.regions) else [])
        for region in empty:
            view = str(info_schema(region, VIEW))
            if evidence:
                findings.append(
                    Finding(
                        Severity.WARN,
                        f"{view} shows no job at all in the {window.days} days before "
                        f"{window.as_of:%Y-%m-%d %H:%MZ}, yet {', '.join(evidence)} "
                        f"{'has' if len(evidence) == 1 else 'have'} rows for {ctx.judged}: "
                        "the pipeline's jobs run in another region, and quota checks on this "
                        "one pass silently",
                        subject=region,
                        data={"region": region, "jobs": 0, "written": evidence},
                    )
                )
            else:
                findings.append(
                    Finding(
                        Severity.INFO,
                        f"{view} shows no job in the {window.days} days before "
                        f"{window.as_of:%Y-%m-%d %H:%MZ}; "
                        + (
                            "this run read no phase table to tell whether the pipeline wrote "
                            "data (pipeval daily does)"
                            if read is None
                            else "the jobs of the tables written for "
                            f"{ctx.judged} are in the other regions read"
                            if written
                            else f"no phase table has rows for {ctx.judged} either"
                        ),
                        subject=region,
                        data={"region": region, "jobs": 0, "written": []},
                    )
                )
        shown = ", ".join(f"region-{region}: {jobs:,} jobs" for region, jobs in window.regions)
        problems = [f for f in findings if f.severity is Severity.WARN]
        summary = (
            f"{count(len(problems), 'region problem')} ({shown})"
            if problems
            else f"jobs read per region over {window.days} days: {shown}"
        )
        remediation = (
            [
                "Set warehouse.regions in the profile to the location of the pipeline's "
                "datasets (bq show --format=prettyjson PROJECT:DATASET | grep location; "
                "multi-region US is `us`), and the warehouse URL's ?location= to the same, "
                "then re-run: pipeval quota"
            ]
            if problems
            else []
        )
        return CheckResult.from_findings(
            self.id,
            summary,
            findings,
            {
                "regions": [{"region": r, "jobs": jobs} for r, jobs in window.regions],
                "location": location,
            },
            remediation,
        )
