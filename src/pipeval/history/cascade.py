"""Gaps and their cascade windows.

A gap on day X taints rolling features for the game days X+1 … X+N, N per window kind from
the profile (L5 = 5 days, L10 = 10, long = 21). Off-days in the window hold no games and are
not affected; nor are days after the season's last scheduled game.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from pipeval.history.matrix import PhaseDay
from pipeval.profile.model import HistoricalSpec


@dataclass(frozen=True)
class Gap:
    day: date
    phases: tuple[str, ...]
    missing_games: int
    windows: dict[str, tuple[date, ...]]  # window kind -> affected game days
    predictions_affected: int
    severity: str
    # Why a date with every phase complete is a gap (e.g. "coverage.predictions 68 of 158").
    reason: str = ""

    @property
    def cascade_days(self) -> tuple[date, ...]:
        return max(self.windows.values(), key=len, default=())


def window_days(day: date, length: int, game_days: set[date]) -> tuple[date, ...]:
    candidates = (day + timedelta(days=offset) for offset in range(1, length + 1))
    return tuple(candidate for candidate in candidates if candidate in game_days)


def severity(count: int, spec: HistoricalSpec) -> str:
    if count > spec.severity_high_above:
        return "high"
    if count >= spec.severity_medium_from:
        return "medium"
    return "low"


def find_gaps(
    cells: list[PhaseDay],
    game_days: set[date],
    predictions_per_day: dict[date, int],
    spec: HistoricalSpec,
) -> list[Gap]:
    by_day: dict[date, list[PhaseDay]] = {}
    for cell in cells:
        if cell.is_gap:
            by_day.setdefault(cell.day, []).append(cell)
    return [
        make_gap(
            day,
            tuple(cell.phase for cell in by_day[day]),
            max(len(cell.missing) for cell in by_day[day]),
            game_days,
            predictions_per_day,
            spec,
        )
        for day in sorted(by_day)
    ]


def make_gap(
    day: date,
    phases: tuple[str, ...],
    missing_games: int,
    game_days: set[date],
    predictions_per_day: dict[date, int],
    spec: HistoricalSpec,
    reason: str = "",
) -> Gap:
    windows = {
        kind: window_days(day, length, game_days) for kind, length in spec.cascade_windows.items()
    }
    longest = max(windows.values(), key=len, default=())
    affected = sum(predictions_per_day.get(d, 0) for d in longest)
    return Gap(
        day=day,
        phases=phases,
        missing_games=missing_games,
        windows=windows,
        predictions_affected=affected,
        severity=severity(affected, spec),
        reason=reason,
    )
