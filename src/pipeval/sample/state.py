"""Firestore-shaped completion documents: state/<collection>/<YYYY-MM-DD>.json.

The overnight run for game date D finishes on the morning of D+1: phase 3 around 06:00-07:00
US/Eastern, phase 4 around 07:00-08:00.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from pipeval.sample import incidents
from pipeval.sample.timing import eastern_between, iso_z

PHASE3 = "phase3_completion"
PHASE4 = "phase4_completion"
PHASE3_PROCESSORS = (
    "player_game_summary",
    "team_offense_game_summary",
    "team_defense_game_summary",
    "upcoming_player_game_context",
    "upcoming_team_game_context",
)
PHASE4_PROCESSORS = (
    "team_defense_zone_analysis",
    "player_shot_zone_analysis",
    "player_composite_factors",
    "player_daily_cache",
    "ml_feature_store",
)


@dataclass(frozen=True)
class DayCounts:
    """Rows each processor wrote for one game date (its record_count)."""

    day: date
    games: int
    summary: int
    context: int
    features: int


def write_documents(root: Path, seed: int, days: list[DayCounts]) -> int:
    """Write both phases' documents for every date given; returns the number of documents."""
    written = 0
    for counts in days:
        rng = random.Random(f"{seed}:state:{counts.day}")
        for collection, document in _documents(rng, counts):
            folder = root / collection
            folder.mkdir(parents=True, exist_ok=True)
            text = json.dumps(document, indent=2) + "\n"
            (folder / f"{counts.day.isoformat()}.json").write_text(text, "utf-8")
            written += 1
    return written


def _documents(rng: random.Random, counts: DayCounts) -> list[tuple[str, dict[str, Any]]]:
    if counts.day == incidents.PHASE3_OUTAGE_DATE:
        # Seed 000: player_game_summary never completed, so phase 4 was never triggered.
        done = {name: _phase3_count(name, counts) for name in incidents.PHASE3_OUTAGE_DONE}
        return [(PHASE3, _document(rng, counts.day, done, (6.0, 7.0), triggered=False))]
    phase3 = {name: _phase3_count(name, counts) for name in PHASE3_PROCESSORS}
    phase4 = {name: _phase4_count(name, counts) for name in PHASE4_PROCESSORS}
    return [
        (PHASE3, _document(rng, counts.day, phase3, (6.0, 7.0), triggered=True)),
        (PHASE4, _document(rng, counts.day, phase4, (7.0, 8.0), triggered=True)),
    ]


def _phase3_count(name: str, counts: DayCounts) -> int:
    per_team = {"team_offense_game_summary", "team_defense_game_summary"}
    if name in per_team or name == "upcoming_team_game_context":
        return 2 * counts.games
    return counts.summary if name == "player_game_summary" else counts.context


def _phase4_count(name: str, counts: DayCounts) -> int:
    if name == "team_defense_zone_analysis":
        return 30  # every team, not only those playing
    if name == "player_shot_zone_analysis":
        return 450 + counts.context % 37  # the league's active players, give or take
    return counts.features if name == "ml_feature_store" else counts.context


def _document(
    rng: random.Random,
    day: date,
    completed: dict[str, int],
    hours: tuple[float, float],
    *,
    triggered: bool,
) -> dict[str, Any]:
    morning = day + timedelta(days=1)
    stamps = sorted(eastern_between(rng, morning, *hours) for _ in completed)
    document: dict[str, Any] = {
        name: {"status": "success", "completed_at": iso_z(stamp), "record_count": count}
        for (name, count), stamp in zip(completed.items(), stamps, strict=True)
    }
    document["_triggered"] = triggered
    if triggered:
        document["_triggered_at"] = iso_z(_after(rng, stamps[-1]))
    document["_completed_count"] = len(completed)
    document["_mode"] = "overnight"
    return document


def _after(rng: random.Random, moment: datetime) -> datetime:
    return moment + timedelta(milliseconds=rng.randrange(200, 4000))
