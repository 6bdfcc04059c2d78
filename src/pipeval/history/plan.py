"""The remediation plan: re-run phases in dependency order over merged date ranges, then verify.

Phase N is re-run for its gap dates; every later phase for those dates through the end of
their cascade window (its rolling features read the repaired days). Contiguous dates, and
dates separated only by off-days, merge into one range.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from pipeval.history.cascade import Gap
from pipeval.invocation import Invocation
from pipeval.profile.model import Profile
from pipeval.remediation import rerun_command


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __str__(self) -> str:
        return str(self.start) if self.start == self.end else f"{self.start}..{self.end}"


@dataclass
class Step:
    order: int
    action: str
    phase: str | None
    ranges: list[DateRange]
    command: list[str]


def merge_ranges(days: set[date], game_days: set[date]) -> list[DateRange]:
    """Merge sorted dates; a run of off-days between two dates does not break a range."""
    ranges: list[DateRange] = []
    for day in sorted(days):
        if ranges:
            last = ranges[-1]
            between = (
                last.end + timedelta(days=offset) for offset in range(1, (day - last.end).days)
            )
            if all(d not in game_days for d in between):
                ranges[-1] = DateRange(last.start, day)
                continue
        ranges.append(DateRange(day, day))
    return ranges


def build_plan(
    profile: Profile,
    gaps: list[Gap],
    game_days: set[date],
    latest: date,
    invocation: Invocation | None = None,
) -> list[Step]:
    phase_names = [phase.name for phase in profile.phases]
    dates_for: dict[str, set[date]] = {name: set() for name in phase_names}
    for gap in gaps:
        first = min(phase_names.index(phase) for phase in gap.phases)
        tail = {d for d in gap.cascade_days if d <= latest}
        for index, name in enumerate(phase_names):
            if name in gap.phases or index > first:
                dates_for[name].add(gap.day)
            if index > first:
                dates_for[name] |= tail
    steps: list[Step] = []
    for phase in profile.phases:
        ranges = merge_ranges(dates_for[phase.name], game_days)
        if not ranges:
            continue
        commands = [rerun_command(phase.rerun, r.start, r.end, phase.name) for r in ranges]
        steps.append(Step(len(steps) + 1, f"re-run {phase.name}", phase.name, ranges, commands))
    if gaps:
        run = invocation or Invocation()
        verify = [run.command("historical", "--verify-backfill", gap.day) for gap in gaps]
        gap_ranges = merge_ranges({gap.day for gap in gaps}, game_days)
        steps.append(Step(len(steps) + 1, "verify", None, gap_ranges, verify))
    return steps
