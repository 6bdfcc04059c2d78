"""Rows of the phase tables, derived from the game plans.

Every random draw uses a stream seeded by (seed, game, purpose), so a game's rows are the same
in the default slice and in the full season, and one table's draws never shift another's.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from pipeval.sample import incidents
from pipeval.sample.lineups import Entry, GamePlan
from pipeval.sample.timing import between, eastern_between, eastern_to_utc, uuid4

BOOKMAKERS = ("draftkings", "fanduel")
BOOK_RATE = {"draftkings": 0.93, "fanduel": 0.9}
SYSTEMS: dict[str, str | None] = {  # system_id -> model_version (None: not a trained model)
    "catboost_v8": "catboost_v8_20251118",
    "xgboost_v1": "xgboost_v1_20251021",
    "ensemble_v1": "ensemble_v1_20251118",
    "moving_average": None,
    "zone_matchup_v1": None,
}
FEATURE_COUNT = 34
SUPERSEDED_RATE = 0.10
IMPORTANT_FEATURES = (
    "points_avg_last_5",
    "points_avg_last_10",
    "minutes_avg_last_5",
    "usage_rate",
    "opponent_def_rating",
    "vegas_line",
)
TIP_OFF_ET = 19.5  # a typical 7:30 pm tip; the line's age is measured against it


@dataclass(frozen=True)
class Box:
    points: int
    minutes: float


def schedule_rows(plans: list[GamePlan]) -> Iterator[tuple[object, ...]]:
    for plan in plans:
        game = plan.game
        yield (game.game_id, game.day, game.home, game.away, game.status)


def box_scores(seed: int, plan: GamePlan) -> dict[str, Box]:
    """Points and minutes of everyone who played (keyed by canonical lookup)."""
    rng = random.Random(f"{seed}:box:{plan.game.game_id}")
    boxes = {}
    for entry in plan.entries:
        if entry.played:
            ppg = entry.player.ppg
            points = max(0, round(rng.gauss(ppg, 0.3 * ppg + 1.5)))
            minutes = min(44.0, max(3.0, rng.gauss(35.0 - 2.2 * entry.player.rank, 4.0)))
            boxes[entry.player.lookup] = Box(points, round(minutes, 2))
    return boxes


def lines(seed: int, plan: GamePlan) -> dict[str, dict[str, float]]:
    """Points lines per canonical lookup and bookmaker; every line holder gets at least one."""
    rng = random.Random(f"{seed}:lines:{plan.game.game_id}")
    posted = {}
    for entry in plan.entries:
        if entry.line:
            base = max(0.5, int(entry.player.ppg + rng.gauss(0.0, 1.5)) + 0.5)
            books = [book for book in BOOKMAKERS if rng.random() < BOOK_RATE[book]]
            # Books disagree by a point now and then.
            posted[entry.player.lookup] = {
                book: base + rng.choice((0.0, 0.0, 0.0, 1.0, -1.0)) * (base > 1)
                for book in books or [rng.choice(BOOKMAKERS)]
            }
    return posted


def box_rows(seed: int, plans: list[GamePlan]) -> Iterator[tuple[object, ...]]:
    for plan in plans:
        if plan.box_score:
            game = plan.game
            teams = {entry.player.lookup: entry.player.team for entry in plan.entries}
            for lookup, box in box_scores(seed, plan).items():
                yield (game.key, game.day, lookup, teams[lookup], box.points)


def summary_rows(seed: int, plans: list[GamePlan]) -> Iterator[tuple[object, ...]]:
    no_minutes = _first_games(plans, incidents.MINUTES_NULL_DATE, incidents.MINUTES_NULL_GAMES)
    corrected = _first_games(plans, incidents.SOURCES_MISMATCH_DATE, 1)
    for plan in plans:
        if plan.summary:
            game = plan.game
            teams = {entry.player.lookup: entry.player.team for entry in plan.entries}
            stale = incidents.SOURCES_MISMATCH_PLAYERS if game.key in corrected else 0
            for lookup, box in box_scores(seed, plan).items():
                points = box.points + (incidents.SOURCES_MISMATCH_POINTS if stale > 0 else 0)
                stale -= 1
                minutes: float | None = box.minutes
                usage: float | None = _usage(box)
                if game.key in no_minutes:
                    minutes = usage = None
                yield (game.key, game.day, lookup, teams[lookup], points, minutes, usage)


def _usage(box: Box) -> float:
    """A usage rate (% of team plays) from points per minute: no random draw, so adding it
    leaves every other column's stream as it was."""
    return round(min(45.0, 9.0 + 0.55 * box.points * 36.0 / max(box.minutes, 6.0)), 1)


def _first_games(plans: list[GamePlan], day: object, count: int) -> set[str]:
    keys = sorted(p.game.key for p in plans if p.game.day == day and p.game.final)
    return set(keys[:count])


def prop_rows(seed: int, plans: list[GamePlan]) -> Iterator[tuple[object, ...]]:
    for plan in plans:
        game = plan.game
        for lookup, books in lines(seed, plan).items():
            for book, line in books.items():
                yield (game.key, game.day, lookup, book, line)


def context_rows(plans: list[GamePlan]) -> Iterator[tuple[object, ...]]:
    for plan in plans:
        game = plan.game
        for entry in plan.expected:
            yield (game.key, game.day, entry.context_lookup, entry.player.team)


def feature_rows(seed: int, plans: list[GamePlan]) -> Iterator[tuple[object, ...]]:
    broken = _first_games(plans, incidents.FEATURES_BROKEN_DATE, incidents.FEATURES_BROKEN_GAMES)
    for plan in plans:
        if plan.features:
            rng = random.Random(f"{seed}:features:{plan.game.game_id}")
            game = plan.game
            for entry in plan.expected:
                values: str | None = _features(rng, entry, home=entry.player.team == game.home)
                count = FEATURE_COUNT
                if game.key in broken:
                    values, count = None, 0
                yield (game.key, game.day, entry.context_lookup, values, count)


def _features(rng: random.Random, entry: Entry, home: bool) -> str:
    """34 features as DuckDB list text: recent scoring, minutes, usage, matchup, rest, venue."""
    ppg = entry.player.ppg
    head = [
        ppg + rng.gauss(0.0, 2.5),
        ppg + rng.gauss(0.0, 1.8),
        ppg + rng.gauss(0.0, 0.8),
        0.3 * ppg + rng.uniform(1.0, 3.0),
        max(4.0, 35.0 - 2.2 * entry.player.rank + rng.gauss(0.0, 3.0)),
        rng.uniform(0.08, 0.34),
        rng.uniform(104.0, 122.0),
        float(rng.choice((0, 1, 1, 2, 3))),
        1.0 if home else 0.0,
    ]
    draw = rng.random  # the bulk of the draws: skip uniform()'s call overhead
    tail = [2.0 * draw() - 1.0 for _ in range(FEATURE_COUNT - len(head))]
    return "[" + ", ".join(f"{value:.4f}" for value in head + tail) + "]"


def prediction_rows(seed: int, plans: list[GamePlan]) -> Iterator[tuple[object, ...]]:
    for plan in plans:
        if plan.predictions:
            yield from _game_predictions(seed, plan)


def _game_predictions(seed: int, plan: GamePlan) -> Iterator[tuple[object, ...]]:
    rng = random.Random(f"{seed}:predictions:{plan.game.game_id}")
    posted = lines(seed, plan)
    game = plan.game
    tip = eastern_to_utc(game.day, TIP_OFF_ET)
    for entry in plan.expected:
        if not entry.predicted:
            continue
        books = posted.get(entry.player.lookup, {})
        line = books.get("draftkings", books.get("fanduel"))
        created = _created_at(rng, plan)
        for system in SYSTEMS:
            yield _prediction(rng, plan, entry, system, line, created, tip, active=True)
        if rng.random() < SUPERSEDED_RATE:
            # An earlier run, often before the books had posted, later replaced.
            older = created - timedelta(minutes=rng.randrange(90, 300))
            stale = None if rng.random() < 0.4 else line
            system = rng.choice(tuple(SYSTEMS))
            yield _prediction(rng, plan, entry, system, stale, older, tip, active=False)


def _created_at(rng: random.Random, plan: GamePlan) -> datetime:
    if plan.game.day == incidents.DML_LOSS_DATE:
        return between(rng, *incidents.DML_LOSS_WINDOW)
    return eastern_between(rng, plan.game.day, 10.0, 18.0)


def _prediction(
    rng: random.Random,
    plan: GamePlan,
    entry: Entry,
    system: str,
    line: float | None,
    created: datetime,
    tip: datetime,
    *,
    active: bool,
) -> tuple[object, ...]:
    game = plan.game
    version = SYSTEMS[system]
    filter_reason = "no_line" if line is None else _filter_reason(rng)
    # The incident blanks the column only: the draws (and so every other column) stay as they were.
    attributed = version
    if game.day == incidents.ATTRIBUTION_DATE and system == incidents.ATTRIBUTION_SYSTEM:
        attributed = None
    out_starters = rng.choice((0, 0, 0, 1, 1, 2))
    return (
        uuid4(rng),
        game.key,
        game.day,
        entry.context_lookup,
        system,
        line,
        active,
        created,
        _importance(rng) if version else None,
        filter_reason,
        filter_reason is None,
        round((tip - created).total_seconds() / 60),
        attributed,
        round(rng.uniform(0.0, 1.0), 4),
        out_starters,
        round(0.035 * out_starters + rng.uniform(0.0, 0.02), 4),
    )


def _filter_reason(rng: random.Random) -> str | None:
    draw = rng.random()
    if draw < 0.08:
        return "low_confidence"
    if draw < 0.12:
        return "line_too_close"
    return None


def _importance(rng: random.Random) -> str:
    weights = [rng.uniform(0.02, 0.4) for _ in IMPORTANT_FEATURES]
    total = sum(weights)
    # Valid JSON built by hand: json.dumps for every prediction row costs more than the rest.
    named = zip(IMPORTANT_FEATURES, weights, strict=True)
    pairs = (f'"{name}": {weight / total:.4f}' for name, weight in named)
    return "{" + ", ".join(pairs) + "}"
