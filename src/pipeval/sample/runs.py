"""Rows of nba_reference.processor_run_history: a few dozen processor runs per game date."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date

from pipeval.sample import incidents
from pipeval.sample.timing import eastern_between

# (processor, runs per date); pre-game ones run on the game date, post-game ones the next morning.
PRE_GAME: tuple[tuple[str, int], ...] = (
    ("NbacScheduleProcessor", 2),
    ("NbacInjuryReportProcessor", 3),
    ("NbacPlayerListProcessor", 1),
    ("OddsApiPropsProcessor", 4),
    ("OddsApiGameLinesProcessor", 2),
    ("BettingPropsProcessor", 2),
    ("UpcomingPlayerGameContextProcessor", 1),
    ("UpcomingTeamGameContextProcessor", 1),
)
PREDICTION: tuple[tuple[str, int], ...] = (
    ("PredictionCoordinator", 1),
    ("PredictionWorker", 3),
)
POST_GAME: tuple[tuple[str, int], ...] = (
    ("NbacGamebookProcessor", 2),
    ("BdlBoxscoresProcessor", 1),
    ("NbacPlayByPlayProcessor", 1),
    ("PlayerGameSummaryProcessor", 1),
    ("TeamOffenseGameSummaryProcessor", 1),
    ("TeamDefenseGameSummaryProcessor", 1),
)
PHASE4: tuple[tuple[str, int], ...] = (
    ("TeamDefenseZoneAnalysisProcessor", 1),
    ("PlayerShotZoneAnalysisProcessor", 1),
    ("PlayerCompositeFactorsProcessor", 1),
    ("PlayerDailyCacheProcessor", 1),
    ("MLFeatureStoreProcessor", 1),
)
OUTAGE_FAILED = "PlayerGameSummaryProcessor"
OUTAGE_RETRIES = 3


def run_rows(seed: int, game_days: list[date], overnight_done: set[date]) -> Iterator[tuple]:
    """(processor_name, data_date, status, started_at, phase) for every game date.

    Post-game and phase-4 processors only appear for dates whose overnight run has happened.
    """
    for day in game_days:
        rng = random.Random(f"{seed}:runs:{day}")
        yield from _runs(rng, day, PRE_GAME, 10.0, 18.0, "success")
        # Without phase 4 features for the outage date, the prediction run had nothing to use.
        outcome = "failed" if day == incidents.PHASE3_OUTAGE_DATE else "success"
        yield from _runs(rng, day, PREDICTION, 14.0, 18.0, outcome)
        if day not in overnight_done:
            continue
        if day == incidents.PHASE3_OUTAGE_DATE:
            yield from _outage_runs(rng, day)
            continue
        yield from _runs(rng, day, POST_GAME, 29.0, 31.0, "success")
        yield from _runs(rng, day, PHASE4, 31.0, 32.0, "success")


def _runs(
    rng: random.Random,
    day: date,
    processors: tuple[tuple[str, int], ...],
    start_hour: float,
    end_hour: float,
    status: str,
) -> Iterator[tuple]:
    for name, times in processors:
        failed = day == incidents.RUNS_FAILED_DATE and name == incidents.RUNS_FAILED_PROCESSOR
        for _ in range(times):
            moment = eastern_between(rng, day, start_hour, end_hour)
            yield (name, day, "failed" if failed else status, moment, phase_of(name, processors))


def phase_of(name: str, group: tuple[tuple[str, int], ...]) -> str:
    """The run history's `phase` column, as the pipeline's processors fill it."""
    if group is PHASE4:
        return "phase_4_precompute"
    if group is PREDICTION:
        return "phase_5_predictions"
    if name.endswith(("GameSummaryProcessor", "GameContextProcessor")):
        return "phase_3_analytics"
    return "phase_2_raw"


def _outage_runs(rng: random.Random, day: date) -> Iterator[tuple]:
    """Seed 000: raw post-game loads succeed, then player_game_summary fails on quota, retried."""
    raw = tuple(item for item in POST_GAME if item[0] != OUTAGE_FAILED)
    yield from _runs(rng, day, raw, 29.0, 31.0, "success")
    yield from _runs(rng, day, ((OUTAGE_FAILED, OUTAGE_RETRIES),), 29.0, 33.0, "failed")
