"""Who is expected, who has a line, who plays and who gets predictions, game by game.

A GamePlan is the single source of truth the table writers read, so every table tells the same
story about a game. Incidents are decided here, at the level of games and players.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date

from pipeval.sample import incidents
from pipeval.sample.rosters import Player
from pipeval.sample.schedule import Game

OUT_RATE = 0.05  # injured / rested on a given night
CONTEXT_SIZES = (12, 13, 13, 14)
MIN_CONTEXT = 12
DNP_COUNTS = (0, 1, 1, 2, 2, 3)


@dataclass(frozen=True)
class Entry:
    """One player in one game."""

    player: Player  # the canonical identity: gamebook, summary and lines use player.lookup
    context_lookup: str | None  # the spelling in upcoming_player_game_context; None = not expected
    line: bool
    played: bool
    predicted: bool


@dataclass(frozen=True)
class GamePlan:
    game: Game
    entries: tuple[Entry, ...]
    box_score: bool  # gamebook rows (post-game, raw)
    summary: bool  # player_game_summary rows (post-game, phase 3)
    features: bool
    predictions: bool

    @property
    def expected(self) -> list[Entry]:
        return [entry for entry in self.entries if entry.context_lookup is not None]


def build_plans(
    seed: int, games: list[Game], rosters: dict[str, tuple[Player, ...]]
) -> list[GamePlan]:
    gap_games = _summary_gap(seed, games)
    plans = []
    for day in sorted({game.day for game in games}):
        slate = [game for game in games if game.day == day]
        if day == incidents.DML_LOSS_DATE:
            entries = _dml_loss_entries(seed, slate, rosters)
        else:
            entries = {game.game_id: _normal_entries(seed, game, rosters) for game in slate}
        plans += [_plan(game, entries[game.game_id], game.game_id in gap_games) for game in slate]
    return plans


def _plan(game: Game, entries: list[Entry], summary_gap: bool) -> GamePlan:
    outage = game.day == incidents.PHASE3_OUTAGE_DATE
    return GamePlan(
        game=game,
        entries=tuple(entries),
        box_score=game.final,
        summary=game.final and not outage and not summary_gap,
        features=not outage,
        predictions=not outage,
    )


def _summary_gap(seed: int, games: list[Game]) -> set[str]:
    """The final games of SUMMARY_GAP_DATE that never reached player_game_summary."""
    finals = [g.game_id for g in games if g.day == incidents.SUMMARY_GAP_DATE and g.final]
    if not finals:
        return set()
    return set(random.Random(f"{seed}:summary-gap").sample(finals, incidents.SUMMARY_GAP_GAMES))


def _normal_entries(seed: int, game: Game, rosters: dict[str, tuple[Player, ...]]) -> list[Entry]:
    rng = random.Random(f"{seed}:lineup:{game.game_id}")
    return _team_entries(rng, rosters[game.away]) + _team_entries(rng, rosters[game.home])


def _team_entries(rng: random.Random, roster: tuple[Player, ...]) -> list[Entry]:
    # Unregistered players sit out on normal nights so that clean days stay fully covered.
    available = [p for p in roster if p.lookup not in incidents.UNREGISTERED]
    for player in list(available):
        # Injuries never leave a team short of a 12-man rotation in the context.
        if len(available) > MIN_CONTEXT and rng.random() < OUT_RATE:
            available.remove(player)
    expected = available[: rng.choice(CONTEXT_SIZES)]
    playing = len(expected) - rng.choice(DNP_COUNTS)
    return [
        Entry(player, player.lookup, line=True, played=index < playing, predicted=True)
        for index, player in enumerate(expected)
    ]


# --- 2025-12-29: the numbers of seed 002 -----------------------------------------------------


@dataclass(frozen=True)
class _TeamShape:
    size: int  # players in the context
    deep: int  # of which deep bench without a line


def _dml_loss_entries(
    seed: int, slate: list[Game], rosters: dict[str, tuple[Player, ...]]
) -> dict[str, list[Entry]]:
    """Context, lines and predictions that add up to exactly 158 expected and 68 predicted."""
    rng = random.Random(f"{seed}:dml-loss")
    teams = [team for game in slate for team in (game.away, game.home)]
    shapes = _team_shapes(rng, teams, rosters)
    by_team = {team: _incident_team(rng, rosters[team], shapes[team]) for team in teams}
    # The MERGEs the DML queue rejected: any player whose prediction was otherwise fine.
    healthy = [(team, i) for team in teams for i, e in enumerate(by_team[team]) if e.predicted]
    for team, index in rng.sample(healthy, incidents.DML_LOSS_LOST_WRITES):
        by_team[team][index] = replace(by_team[team][index], predicted=False)
    _check_totals([entry for team in teams for entry in by_team[team]])
    return {game.game_id: by_team[game.away] + by_team[game.home] for game in slate}


def _team_shapes(
    rng: random.Random, teams: list[str], rosters: dict[str, tuple[Player, ...]]
) -> dict[str, _TeamShape]:
    base, extra = divmod(incidents.DML_LOSS_CONTEXT_PLAYERS, len(teams))
    deep_base, deep_extra = divmod(incidents.DML_LOSS_DEEP_BENCH, len(teams))
    roomy = [team for team in teams if len(rosters[team]) > base]
    bigger = set(rng.sample(roomy, extra))
    deeper = set(rng.sample(teams, deep_extra))
    return {
        team: _TeamShape(base + (team in bigger), deep_base + (team in deeper)) for team in teams
    }


def _incident_team(
    rng: random.Random, roster: tuple[Player, ...], shape: _TeamShape
) -> list[Entry]:
    """The named players under their odd spellings, a rotation, and line-less deep bench."""
    spelled = _incident_spellings()
    named = [p for p in roster if p.lookup in spelled]
    others = [p for p in roster if p.lookup not in spelled]
    deep = others[len(others) - shape.deep :]
    rotation = others[: shape.size - len(named) - shape.deep]
    if len(rotation) + len(deep) + len(named) != shape.size or set(rotation) & set(deep):
        raise AssertionError(f"{roster[0].team} cannot field {shape.size} players on 2025-12-29")
    entries = [Entry(p, spelled[p.lookup], True, True, False) for p in named]
    entries += [Entry(p, p.lookup, True, True, True) for p in rotation]
    entries += [Entry(p, p.lookup, False, rng.random() < 0.4, False) for p in deep]
    return sorted(entries, key=lambda entry: entry.player.rank)


def _incident_spellings() -> dict[str, str]:
    """Canonical lookup -> the spelling the context used on 2025-12-29 for the named players."""
    spelled = {canonical: alias for alias, (canonical, _) in incidents.UNRESOLVED_ALIASES.items()}
    spelled |= {canonical: variant for variant, canonical in incidents.SUFFIX_VARIANTS.items()}
    spelled |= {lookup: lookup for lookup in incidents.UNREGISTERED}
    return spelled


def _check_totals(entries: list[Entry]) -> None:
    expected = (incidents.DML_LOSS_CONTEXT_PLAYERS, incidents.DML_LOSS_PREDICTED_PLAYERS)
    got = (len(entries), sum(entry.predicted for entry in entries))
    if got != expected:
        raise AssertionError(f"2025-12-29 adds up to {got}, not {expected}")


def slate_days(plans: list[GamePlan]) -> dict[date, list[GamePlan]]:
    """Plans grouped by game date, in date order."""
    grouped: dict[date, list[GamePlan]] = {}
    for plan in plans:
        grouped.setdefault(plan.game.day, []).append(plan)
    return grouped
