"""The seeds' incidents as numbers: every test and demo assertion traces back to a name here.

Times are naive datetimes meaning UTC, as everywhere in the sample warehouse.
"""

from __future__ import annotations

from datetime import date, datetime

PROJECT = "nba-props-platform"

# --- Seed 002: DML concurrency limit drops prediction writes on 2025-12-29 -------------------
DML_LOSS_DATE = date(2025, 12, 29)
# The slate is fixed so that its rosters add up to exactly the seed's 158 players.
DML_LOSS_GAMES: tuple[tuple[str, str], ...] = (  # (away, home)
    ("MIL", "NOP"),
    ("BKN", "DEN"),
    ("MIA", "ORL"),
    ("WAS", "HOU"),
    ("PHI", "MEM"),
    ("SAC", "LAC"),
)
DML_LOSS_CONTEXT_PLAYERS = 158
DML_LOSS_PREDICTED_PLAYERS = 68
DML_LOSS_MISSING_PLAYERS = DML_LOSS_CONTEXT_PLAYERS - DML_LOSS_PREDICTED_PLAYERS  # 90
DML_LOSS_DEEP_BENCH = 15  # in the registry, but no book posted a line for them that day
DML_LOSS_LOST_WRITES = 63  # line + registry fine: the MERGE itself was rejected
DML_LOSS_FAILED_MERGES = 90
DML_LOSS_WINDOW = (datetime(2025, 12, 29, 20, 0), datetime(2025, 12, 29, 22, 0))
DML_LOSS_REASON = "quotaExceeded"
DML_LOSS_MESSAGE = (
    "Too many DML statements outstanding against table "
    "nba-props-platform:nba_predictions.player_prop_predictions, limit is 20"
)

# Context lookup -> (canonical lookup, alias_type); the alias rows exist but nothing used them.
UNRESOLVED_ALIASES: dict[str, tuple[str, str]] = {
    "herbjones": ("herbertjones", "nickname"),
    "garytrentjr": ("garytrent", "suffix_variation"),
    "jabarismithjr": ("jabarismith", "suffix_variation"),
    "jaimejaquezjr": ("jaimejaquez", "suffix_variation"),
    "michaelporterjr": ("michaelporter", "suffix_variation"),
    "treymurphyiii": ("treymurphy", "suffix_variation"),
    "marvinbagleyiii": ("marvinbagley", "suffix_variation"),
}
# Context lookup -> canonical lookup, with no alias row at all.
SUFFIX_VARIANTS: dict[str, str] = {
    "kevinporterjr": "kevinporter",
    "timhardawayjr": "timhardaway",
    "wendellcarterjr": "wendellcarter",
}
# Never registered: they only appear in the context on DML_LOSS_DATE so clean days stay clean.
UNREGISTERED: tuple[str, ...] = ("alexsarr", "egordemin")

# --- Seed 002: the same person under two universal ids --------------------------------------
REGISTRY_DUPLICATE = ("garytrentjr", "garytrentjr_001")  # besides garytrent -> garytrent_001

# --- Seed 000: load-job quota outage ----------------------------------------------------------
SUMMARY_GAP_DATE = date(2026, 1, 25)
SUMMARY_GAP_GAMES = 2  # final games absent from player_game_summary although the doc says success
RUN_HISTORY_TABLE = ("nba_reference", "processor_run_history")
BURST_JOBS = 1400
# 14:00-21:00 US/Eastern, when the pipeline's game-day runs write: the 24 h before the next
# morning's as-of (15:00 Eastern = 20:00Z) hold 6/7 of them, 80 % of the limit, under the WARN.
BURST_WINDOW = (datetime(2026, 1, 25, 19, 0), datetime(2026, 1, 26, 2, 0))

PHASE3_OUTAGE_DATE = date(2026, 1, 26)
OUTAGE_JOBS = 2466
# 15:00 to 01:00 US/Eastern: the seed's handoff (21:10 Eastern) still saw 403s, so the loads
# are refused from ~21:05 Eastern on; all 2,466 fall in the 24 h before the demo's as-of
# (2026-01-27 15:00 Eastern = 20:00Z), the seed's 164 %, and the window is back under its
# limit only hours after that as-of, so the plan's "wait until" lies ahead of it.
OUTAGE_WINDOW = (datetime(2026, 1, 26, 20, 0), datetime(2026, 1, 27, 6, 0))
LOAD_QUOTA = 1500  # load jobs per table in a rolling 24 h
LOAD_QUOTA_REASON = "quotaExceeded"
LOAD_QUOTA_MESSAGE = (
    "Quota exceeded: Your table exceeded quota for imports or query appends per table"
)
# No routine run-history loads in here, so the burst and the outage counts stay exact and the
# demo window [2026-01-26T20:00Z, 2026-01-27T20:00Z) holds only the outage jobs.
RUN_HISTORY_QUIET = (BURST_WINDOW[0], datetime(2026, 1, 27, 20, 0))
PHASE3_OUTAGE_DONE = (
    "team_offense_game_summary",
    "team_defense_game_summary",
    "upcoming_player_game_context",
    "upcoming_team_game_context",
)

# --- Seed 002: staging tables left behind by a failed consolidation ---------------------------
STAGING_TABLES: tuple[str, ...] = (
    "_staging_batch_worker1",
    "_staging_batch_worker2",
    "_staging_batch_worker3",
)
STAGING_CREATED = datetime(2026, 1, 25, 22, 0)
STAGING_ROWS = 6

# --- The default slice ends mid-evening: late games not final, no overnight docs yet ----------
LIVE_IN_PROGRESS = 2
LIVE_SCHEDULED = 1

# --- Declarative check families (profile `checks:`): one incident each, on its own date -------
# runs: a scraper's processor failed every run of the day.
RUNS_FAILED_DATE = date(2025, 12, 4)
RUNS_FAILED_PROCESSOR = "BettingPropsProcessor"
# grading: the grading job skipped three final games.
GRADING_GAP_DATE = date(2025, 12, 8)
GRADING_GAP_GAMES = 3
# features: one game's feature vectors were written empty (NULL features, feature_count 0).
FEATURES_BROKEN_DATE = date(2025, 12, 11)
FEATURES_BROKEN_GAMES = 1
# predictions: a deploy dropped model attribution: catboost_v8 rows without model_version.
ATTRIBUTION_DATE = date(2025, 12, 17)
ATTRIBUTION_SYSTEM = "catboost_v8"
# teams: a re-run appended team summaries instead of merging them (duplicate team rows).
TEAM_DUPLICATE_DATE = date(2025, 12, 18)
TEAM_DUPLICATE_GAMES = 2
# pbp: BigDataBall files never arrived for two final games.
PBP_GAP_DATE = date(2025, 12, 20)
PBP_GAP_GAMES = 2
# minutes: minutes_played (and the usage rate derived from it) NULL for two games' players.
MINUTES_NULL_DATE = date(2026, 1, 6)
MINUTES_NULL_GAMES = 2
# injuries: the injury-report scraper stalled after the morning report.
INJURY_STALL_DATE = date(2026, 1, 8)
INJURY_STALL_LAST_HOUR = 9.5
# sources: a stat correction reached the gamebook but not analytics, for three players.
SOURCES_MISMATCH_DATE = date(2026, 1, 13)
SOURCES_MISMATCH_PLAYERS = 3
SOURCES_MISMATCH_POINTS = 2
# execution: prediction workers failed 30 % of requests (retried).
WORKER_FAILURE_DATE = date(2026, 1, 16)
WORKER_FAILURE_RATE = 0.3
# models: a bad catboost_v8 model over-predicted every player by 4.5 points.
MODEL_BIAS_DATE = date(2026, 1, 22)
MODEL_BIAS_SYSTEM = "catboost_v8"
MODEL_BIAS_POINTS = 4.5
