"""The 2025-26 regular-season schedule: ~1,230 games, each team at most once per date.

The whole season is always generated and then cut to the requested slice, so a game has the
same id, teams and rows in the default slice and in the full season.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from pipeval.sample import incidents
from pipeval.sample.rosters import TEAMS
from pipeval.sample.timing import days

SEASON_START = date(2025, 10, 21)
SEASON_END = date(2026, 4, 12)
SEASON_GAMES = 1230
SLICE_START = date(2025, 12, 1)
SLICE_END = date(2026, 1, 31)
ALL_STAR_BREAK = (date(2026, 2, 13), date(2026, 2, 18))
NO_GAMES = (date(2025, 12, 24),)
GAME_ID_PREFIX = "00225"  # 002 = regular season, 25 = the 2025-26 season

# Real matchups where the date is iconic; the incident slate comes from incidents.py.
FIXED_GAMES: dict[date, tuple[tuple[str, str], ...]] = {
    date(2025, 10, 21): (("HOU", "OKC"), ("GSW", "LAL")),
    date(2025, 12, 25): (
        ("CLE", "NYK"),
        ("SAS", "OKC"),
        ("DAL", "GSW"),
        ("HOU", "LAL"),
        ("MIN", "DEN"),
    ),
    incidents.DML_LOSS_DATE: incidents.DML_LOSS_GAMES,
}
# Incident dates need enough games to lose some and keep others.
FIXED_COUNTS: dict[date, int] = {
    incidents.SUMMARY_GAP_DATE: 8,
    incidents.PHASE3_OUTAGE_DATE: 7,
    SLICE_END: 8,
}
# Slate sizes as the NBA spreads them: many mid-size nights, few 1-2 or 13-15 game nights.
COUNT_WEIGHTS: dict[int, int] = {
    1: 1, 2: 3, 3: 5, 4: 6, 5: 8, 6: 10, 7: 12, 8: 12, 9: 11, 10: 10, 11: 7, 12: 4, 13: 2,
    14: 1, 15: 1,
}  # fmt: skip


@dataclass(frozen=True)
class Game:
    game_id: str  # NBA id, e.g. 0022500852
    day: date
    away: str
    home: str
    status: int = 3  # 1 scheduled, 2 in progress, 3 final

    @cached_property
    def key(self) -> str:
        """The YYYYMMDD_AWAY_HOME id that every table below the schedule uses."""
        return f"{self.day:%Y%m%d}_{self.away}_{self.home}"

    @property
    def final(self) -> bool:
        return self.status == 3


def build_schedule(seed: int, start: date, end: date, live_tail: bool) -> list[Game]:
    """Games from start to end; with live_tail the last night's late games are not final yet."""
    games = [game for game in season_games(seed) if start <= game.day <= end]
    return _mark_live(games, end) if live_tail else games


def season_games(seed: int) -> list[Game]:
    rng = random.Random(f"{seed}:schedule")
    counts = _slate_sizes(rng)
    played = dict.fromkeys(TEAMS, 0)
    hosted = dict.fromkeys(TEAMS, 0)
    games: list[Game] = []
    for day, count in counts.items():
        matchups = FIXED_GAMES.get(day) or _draw_matchups(rng, count, played, hosted)
        for away, home in matchups:
            played[away] += 1
            played[home] += 1
            hosted[home] += 1
            games.append(Game(f"{GAME_ID_PREFIX}{len(games) + 1:05d}", day, away, home))
    return games


def _slate_sizes(rng: random.Random) -> dict[date, int]:
    """Games per date, nudged so the season totals exactly SEASON_GAMES."""
    sizes = list(COUNT_WEIGHTS)
    weights = list(COUNT_WEIGHTS.values())
    counts: dict[date, int] = {}
    for day in days(SEASON_START, SEASON_END):
        if day in NO_GAMES or ALL_STAR_BREAK[0] <= day <= ALL_STAR_BREAK[1]:
            continue
        if day in FIXED_GAMES:
            counts[day] = len(FIXED_GAMES[day])
        else:
            counts[day] = FIXED_COUNTS.get(day) or rng.choices(sizes, weights)[0]
    adjustable = [d for d in counts if d not in FIXED_GAMES and d not in FIXED_COUNTS]
    while (gap := SEASON_GAMES - sum(counts.values())) != 0:
        day = rng.choice(adjustable)
        step = 1 if gap > 0 else -1
        if 2 <= counts[day] + step <= 13:
            counts[day] += step
    return counts


def _draw_matchups(
    rng: random.Random, count: int, played: dict[str, int], hosted: dict[str, int]
) -> list[tuple[str, str]]:
    # Teams with the fewest games so far play next, which keeps everyone near 82 games.
    order = sorted(TEAMS, key=lambda team: (played[team], rng.random()))
    teams = order[: 2 * count]
    rng.shuffle(teams)
    matchups = []
    for first, second in zip(teams[::2], teams[1::2], strict=True):
        # The team that has hosted less is at home, which balances home and away games.
        home, away = (first, second) if hosted[first] <= hosted[second] else (second, first)
        matchups.append((away, home))
    return matchups


def _mark_live(games: list[Game], last_day: date) -> list[Game]:
    """The last night's final games stay final; its latest tip-offs are in progress or upcoming."""
    tail = [game for game in games if game.day == last_day]
    late = tail[-(incidents.LIVE_IN_PROGRESS + incidents.LIVE_SCHEDULED) :]
    status = {g.game_id: 2 for g in late[: incidents.LIVE_IN_PROGRESS]}
    status |= {g.game_id: 1 for g in late[incidents.LIVE_IN_PROGRESS :]}
    return [
        Game(g.game_id, g.day, g.away, g.home, status[g.game_id]) if g.game_id in status else g
        for g in games
    ]
