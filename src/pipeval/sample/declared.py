"""Rows of the tables only the shipped profile's declarative checks read (`checks:`).

Grading (`nba_predictions.prediction_accuracy`), team summaries, BigDataBall play-by-play, the
NBA.com injury report and prediction worker runs, with the real tables' names and the columns
the checks read. Each declarative family has one incident on its own date (incidents.py); every
other date is clean. Draws use streams seeded by (seed, game, purpose), as facts.py does.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta

from pipeval.sample import incidents
from pipeval.sample.facts import SYSTEMS, box_scores, lines
from pipeval.sample.lineups import GamePlan, slate_days
from pipeval.sample.timing import eastern_between, eastern_to_utc, uuid4

INJURY_STATUSES = ("out", "questionable", "doubtful", "probable", "available")
REASONS = ("injury", "illness", "rest", "g_league")
# Eastern hours the injury report is published on a game day (processed minutes later).
INJURY_REPORT_HOURS = (11.5, 13.5, 17.5)
PBP_EVENTS = (430, 500)  # BigDataBall events per game
GRADED_AT_ET = 33.0  # 9 AM the morning after


def _grading_gap(plans: list[GamePlan]) -> set[str]:
    slate = [p for p in plans if p.game.day == incidents.GRADING_GAP_DATE and p.game.final]
    return {p.game.key for p in slate[: incidents.GRADING_GAP_GAMES]}


def accuracy_rows(seed: int, plans: list[GamePlan]) -> Iterator[tuple[object, ...]]:
    """One graded row per active prediction of a final game with analytics (grading reads it)."""
    skipped = _grading_gap(plans)
    for plan in plans:
        game = plan.game
        if not (plan.predictions and plan.summary and game.final) or game.key in skipped:
            continue
        rng = random.Random(f"{seed}:grading:{game.game_id}")
        boxes = box_scores(seed, plan)
        posted = lines(seed, plan)
        graded_at = eastern_to_utc(game.day, GRADED_AT_ET)
        for entry in plan.expected:
            box = boxes.get(entry.player.lookup)
            if not entry.predicted or box is None:
                continue
            books = posted.get(entry.player.lookup, {})
            line = books.get("draftkings", books.get("fanduel"))
            for system, version in SYSTEMS.items():
                bias = (
                    incidents.MODEL_BIAS_POINTS
                    if game.day == incidents.MODEL_BIAS_DATE
                    and system == incidents.MODEL_BIAS_SYSTEM
                    else 0.0
                )
                predicted = round(box.points + rng.gauss(0.0, 4.0) + bias, 1)
                signed = round(predicted - box.points, 1)
                correct = None
                if line is not None and predicted != line and box.points != line:
                    correct = (predicted > line) == (box.points > line)
                yield (
                    entry.context_lookup,
                    game.key,
                    game.day,
                    system,
                    predicted,
                    line,
                    box.points,
                    box.minutes,
                    abs(signed),
                    signed,
                    correct,
                    version,
                    graded_at,
                )


def team_rows(seed: int, plans: list[GamePlan]) -> Iterator[tuple[object, ...]]:
    """nba_analytics.team_offense_game_summary: two rows per final game with a box score."""
    for plan in plans:
        game = plan.game
        if not (plan.box_score and game.final):
            continue
        rng = random.Random(f"{seed}:teams:{game.game_id}")
        boxes = box_scores(seed, plan)
        points = {game.home: 0, game.away: 0}
        for entry in plan.entries:
            box = boxes.get(entry.player.lookup)
            if box is not None:
                points[entry.player.team] += box.points
        processed = eastern_between(rng, game.day, 29.0, 31.0)
        copies = 2 if game.key in _team_duplicates(plans) else 1
        for copy in range(copies):
            for team, opponent in ((game.away, game.home), (game.home, game.away)):
                yield (
                    game.key,
                    game.game_id,
                    game.day,
                    team,
                    opponent,
                    points[team],
                    round(rng.gauss(99.5, 3.0), 1),
                    team == game.home,
                    processed + timedelta(hours=3 * copy),
                )


def _team_duplicates(plans: list[GamePlan]) -> set[str]:
    keys = sorted(
        p.game.key for p in plans if p.game.day == incidents.TEAM_DUPLICATE_DATE and p.game.final
    )
    return set(keys[: incidents.TEAM_DUPLICATE_GAMES])


def pbp_rows(seed: int, plans: list[GamePlan]) -> Iterator[tuple[object, ...]]:
    """nba_raw.bigdataball_play_by_play: a few hundred events per final game."""
    missing = sorted(
        p.game.key for p in plans if p.game.day == incidents.PBP_GAP_DATE and p.game.final
    )[: incidents.PBP_GAP_GAMES]
    for plan in plans:
        game = plan.game
        if not (plan.box_score and game.final) or game.key in missing:
            continue
        rng = random.Random(f"{seed}:pbp:{game.game_id}")
        events = rng.randrange(*PBP_EVENTS)
        key, day = game.key, game.day
        # Only the columns the checks read: a season is ~550,000 events.
        yield from (
            (key, day, sequence, 1 + 4 * sequence // (events + 1))
            for sequence in range(1, events + 1)
        )


def injury_rows(seed: int, plans: list[GamePlan]) -> Iterator[tuple[object, ...]]:
    """nba_raw.nbac_injury_report: the day's reports, a few players per team each."""
    for day, slate in slate_days(plans).items():
        rng = random.Random(f"{seed}:injuries:{day}")
        hours = INJURY_REPORT_HOURS
        if day == incidents.INJURY_STALL_DATE:
            hours = (incidents.INJURY_STALL_LAST_HOUR,)  # the scraper stopped after this one
        listed = []
        for plan in slate:
            for team in (plan.game.away, plan.game.home):
                roster = [e.player for e in plan.entries if e.player.team == team]
                for player in rng.sample(roster, min(2, len(roster))):
                    status = rng.choice(INJURY_STATUSES)
                    listed.append((plan.game, team, player.lookup, status, rng.choice(REASONS)))
        for hour in hours:
            processed = eastern_to_utc(day, hour) + timedelta(minutes=rng.randrange(4, 15))
            for game, team, lookup, status, reason in listed:
                yield (day, int(hour), game.day, game.key, team, lookup, status, reason, processed)


def worker_rows(seed: int, plans: list[GamePlan]) -> Iterator[tuple[object, ...]]:
    """nba_predictions.prediction_worker_runs: a request per predicted player, retries included."""
    for plan in plans:
        if not plan.predictions:
            continue
        game = plan.game
        rng = random.Random(f"{seed}:workers:{game.game_id}")
        failing = (
            incidents.WORKER_FAILURE_RATE if game.day == incidents.WORKER_FAILURE_DATE else 0.0
        )
        for entry in plan.expected:
            if not entry.predicted:
                continue
            run = eastern_between(rng, game.day, 10.0, 17.0)
            if rng.random() < failing:
                yield (
                    uuid4(rng),
                    run,
                    entry.context_lookup,
                    game.day,
                    game.key,
                    False,
                    "ModelError",
                    0,
                )
                run += timedelta(minutes=rng.randrange(2, 20))
            yield (
                uuid4(rng),
                run,
                entry.context_lookup,
                game.day,
                game.key,
                True,
                None,
                len(SYSTEMS),
            )
