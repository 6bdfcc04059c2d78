"""Thirty rosters of 13-15 players, the player registry and the alias table.

Rosters hold a few real players per team (the incidents need specific ones) and fill the rest
with plausible invented names; lookups follow the pipeline's convention: lowercase first+last
name without spaces or generational suffixes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from pipeval.sample import incidents

# Real players first, best scorer first; the order sets each player's role on the team.
STARS: dict[str, tuple[str, ...]] = {
    "ATL": ("traeyoung", "jalenjohnson", "dysondaniels"),
    "BOS": ("jaylenbrown", "derrickwhite", "paytonpritchard"),
    "BKN": ("michaelporter", "camthomas", "nicolasclaxton", "egordemin"),
    "CHA": ("lameloball", "brandonmiller", "milesbridges"),
    "CHI": ("cobywhite", "joshgiddey", "nikolavucevic"),
    "CLE": ("donovanmitchell", "evanmobley", "dariusgarland"),
    "DAL": ("anthonydavis", "cooperflagg", "klaythompson"),
    "DEN": ("nikolajokic", "jamalmurray", "timhardaway"),
    "DET": ("cadecunningham", "jalenduren", "ausarthompson"),
    "GSW": ("stephencurry", "jimmybutler", "draymondgreen"),
    "HOU": ("kevindurant", "alperensengun", "amenthompson", "jabarismith"),
    "IND": ("pascalsiakam", "andrewnembhard", "bennedictmathurin"),
    "LAC": ("kawhileonard", "jamesharden", "ivicazubac"),
    "LAL": ("lukadoncic", "lebronjames", "austinreaves"),
    "MEM": ("jamorant", "jarenjackson", "zachedey"),
    "MIA": ("tylerherro", "bamadebayo", "normanpowell", "jaimejaquez"),
    "MIL": ("giannisantetokounmpo", "kevinporter", "mylesturner", "garytrent"),
    "MIN": ("anthonyedwards", "juliusrandle", "rudygobert"),
    "NOP": ("zionwilliamson", "treymurphy", "jordanpoole", "herbertjones"),
    "NYK": ("jalenbrunson", "karlanthonytowns", "mikalbridges"),
    "OKC": ("shaigilgeousalexander", "jalenwilliams", "chetholmgren"),
    "ORL": ("paolobanchero", "franzwagner", "desmondbane", "wendellcarter"),
    "PHI": ("tyresemaxey", "joelembiid", "paulgeorge"),
    "PHX": ("devinbooker", "jalengreen", "dillonbrooks"),
    "POR": ("deniavdija", "shaedonsharpe", "jrueholiday"),
    "SAC": ("demarderozan", "zachlavine", "domantassabonis"),
    "SAS": ("victorwembanyama", "dearonfox", "stephoncastle"),
    "TOR": ("brandoningram", "scottiebarnes", "rjbarrett"),
    "UTA": ("laurimarkkanen", "keyontegeorge", "walkerkessler"),
    "WAS": ("cjmccollum", "khrismiddleton", "alexsarr", "marvinbagley"),
}
TEAMS: tuple[str, ...] = tuple(sorted(STARS))

FIRST_NAMES = (
    "aaron", "andre", "bruce", "caleb", "cameron", "chris", "cody", "colin", "dalton", "damion",
    "darius", "david", "deandre", "devin", "dominick", "dylan", "elijah", "eric", "gabe", "grant",
    "isaiah", "jace", "jalen", "jamal", "jaylen", "jeremy", "jordan", "josh", "julian", "justin",
    "kai", "keon", "kris", "landry", "malik", "marcus", "mason", "micah", "miles", "nate", "noah",
    "oscar", "quentin", "reggie", "ryan", "sam", "terrence", "tony", "trey", "tyler", "wes", "zeke",
)  # fmt: skip
LAST_NAMES = (
    "adams", "allen", "bailey", "banks", "bell", "brooks", "carter", "coleman", "collins", "cook",
    "davis", "dawson", "dixon", "ellis", "fields", "fisher", "ford", "gibson", "grant", "graves",
    "hayes", "hill", "holmes", "hudson", "jenkins", "jordan", "kelly", "knight", "lewis", "lyons",
    "mack", "marshall", "mitchell", "morgan", "nelson", "owens", "palmer", "pierce", "porter",
    "reed", "richards", "rivers", "robinson", "sanders", "shaw", "simmons", "stokes", "tate",
    "thomas", "tucker", "turner", "walker", "wallace", "ward", "watson", "wells", "wright",
)  # fmt: skip


@dataclass(frozen=True)
class Player:
    lookup: str
    team: str
    rank: int  # 0 = first option on offence; deep bench at the end
    ppg: float


def build_rosters(seed: int) -> dict[str, tuple[Player, ...]]:
    """Team tricode -> players ordered by rank; the same for every slice of a given seed."""
    rng = random.Random(f"{seed}:rosters")
    taken = set(_reserved_lookups())
    rosters: dict[str, tuple[Player, ...]] = {}
    for team in TEAMS:
        lookups = list(STARS[team])
        size = rng.choice((13, 14, 15, 15))
        while len(lookups) < size:
            lookup = rng.choice(FIRST_NAMES) + rng.choice(LAST_NAMES)
            if lookup not in taken:
                taken.add(lookup)
                lookups.append(lookup)
        rosters[team] = tuple(
            Player(lookup, team, rank, _scoring(rng, rank)) for rank, lookup in enumerate(lookups)
        )
    return rosters


def _reserved_lookups() -> list[str]:
    """Real players and their variant spellings: invented names must never collide with them."""
    real = [lookup for team in STARS.values() for lookup in team]
    return real + list(incidents.UNRESOLVED_ALIASES) + list(incidents.SUFFIX_VARIANTS)


def _scoring(rng: random.Random, rank: int) -> float:
    # Scoring falls off geometrically down a rotation: ~25 for a first option, ~3 at the end.
    return round(max(1.5, 26.0 * 0.83**rank + rng.uniform(-3.0, 3.0)), 1)


def registry_rows(rosters: dict[str, tuple[Player, ...]]) -> list[tuple[str, str, str]]:
    """(player_lookup, universal_player_id, team_abbr), with seed 002's duplicate identity."""
    rows = [
        (player.lookup, f"{player.lookup}_001", player.team)
        for team in TEAMS
        for player in rosters[team]
        if player.lookup not in incidents.UNREGISTERED
    ]
    duplicate, duplicate_id = incidents.REGISTRY_DUPLICATE
    canonical = incidents.UNRESOLVED_ALIASES[duplicate][0]
    team = next(p.team for t in TEAMS for p in rosters[t] if p.lookup == canonical)
    rows.append((duplicate, duplicate_id, team))
    return rows


def alias_rows() -> list[tuple[str, str, str]]:
    """(alias_lookup, nba_canonical_lookup, alias_type): the seven aliases seed 002 added."""
    return [
        (alias, canonical, kind)
        for alias, (canonical, kind) in incidents.UNRESOLVED_ALIASES.items()
    ]


def by_lookup(rosters: dict[str, tuple[Player, ...]]) -> dict[str, Player]:
    return {player.lookup: player for team in rosters.values() for player in team}
