"""The sample season: the seeds' incidents are exact, clean days are clean, builds are reproducible.

The default sample is built once per session (conftest's `sample_dir`); everything is asserted
with plain DuckDB SQL on the file, opened read-only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from pipeval.sample import build_sample, incidents
from pipeval.sample.build import SampleInfo
from tests.builders import CONTRACT

DML = incidents.DML_LOSS_DATE
GAP = incidents.SUMMARY_GAP_DATE
OUTAGE = incidents.PHASE3_OUTAGE_DATE
LAST = date(2026, 1, 31)
INCIDENT_DATES = (DML, GAP, OUTAGE, LAST)
GAME_KEY = "strftime(game_date, '%Y%m%d') || '_' || away_team_tricode || '_' || home_team_tricode"
RUN_HISTORY = "destination_table.table_id = 'processor_run_history'"
PHASE_TABLES = {
    "gamebook": "nba_raw.nbac_gamebook_player_stats",
    "props": "nba_raw.odds_api_player_points_props",
    "summary": "nba_analytics.player_game_summary",
    "context": "nba_analytics.upcoming_player_game_context",
    "features": "nba_predictions.ml_feature_store_v2",
    "predictions": "nba_predictions.player_prop_predictions",
}
SYSTEMS = {"catboost_v8", "xgboost_v1", "ensemble_v1", "moving_average", "zone_matchup_v1"}


@pytest.fixture(scope="module")
def con(sample_dir: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(sample_dir / "warehouse.duckdb"), read_only=True)
    yield connection
    connection.close()


def one(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> object:
    return con.execute(sql, list(params)).fetchone()[0]


def column(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> list[object]:
    return [row[0] for row in con.execute(sql, list(params)).fetchall()]


def doc(sample_dir: Path, collection: str, day: date) -> dict | None:
    path = sample_dir / "state" / collection / f"{day.isoformat()}.json"
    return json.loads(path.read_text("utf-8")) if path.exists() else None


def games_missing(con: duckdb.DuckDBPyConnection, table: str, day: date, where: str = "true"):
    """Final games of `day` with no row in `table` (keys as the profile's schedule key)."""
    return column(
        con,
        f"SELECT {GAME_KEY} FROM nba_raw.nbac_schedule WHERE game_date = ? AND game_status = 3 "
        f"AND {GAME_KEY} NOT IN (SELECT game_id FROM {table} WHERE game_date = ? AND {where})",
        day,
        day,
    )


def checksums(path: Path) -> dict[str, tuple[int, str]]:
    with duckdb.connect(str(path), read_only=True) as connection:
        names = connection.execute(
            "SELECT schema_name || '.' || table_name FROM duckdb_tables() ORDER BY 1"
        ).fetchall()
        return {
            name: connection.execute(
                f"SELECT count(*), sum(hash(t)::HUGEINT) FROM {name} t"
            ).fetchone()
            for (name,) in names
        }


# --- contract ----------------------------------------------------------------------------------


def test_tables_follow_the_data_contract(con) -> None:
    for table, ddl in CONTRACT.items():
        described = con.execute(f"DESCRIBE {table}").fetchall()
        if table == "nba_predictions.player_prop_predictions":
            # the contract's columns, in order, among seed 003's drift columns
            named = {part.split(" ")[0] for part in ddl.split(", ")}
            described = [row for row in described if row[0] in named]
        # DESCRIBE quotes struct fields that are keywords ("location").
        got = ", ".join(f"{name} {kind}" for name, kind, *_ in described).replace('"', "")
        assert got == ddl, table
    drift = column(
        con,
        "SELECT column_name FROM information_schema.columns WHERE table_schema = "
        "'nba_predictions' AND table_name = 'player_prop_predictions' ORDER BY ordinal_position",
    )[8:]
    assert drift == [
        "feature_importance", "filter_reason", "is_actionable", "line_minutes_before_game",
        "model_version", "teammate_opportunity_score", "teammate_out_starters",
        "teammate_usage_boost",
    ]  # fmt: skip
    listed = set(con.execute("SELECT dataset_id || '.' || table_id FROM bq_meta.tables").fetchall())
    existing = set(
        con.execute(
            "SELECT schema_name || '.' || table_name FROM duckdb_tables() "
            "WHERE schema_name <> 'bq_meta'"
        ).fetchall()
    )
    assert listed == existing


def test_schedule_shape(con) -> None:
    per_date = dict(
        con.execute("SELECT game_date, count(*) FROM nba_raw.nbac_schedule GROUP BY 1").fetchall()
    )
    assert 430 <= sum(per_date.values()) <= 470
    assert date(2025, 12, 24) not in per_date
    assert per_date[date(2025, 12, 25)] == 5
    assert max(per_date.values()) <= 15
    assert 6.8 <= sum(per_date.values()) / 62 <= 7.8
    assert (
        one(
            con,
            "SELECT count(*) FROM (SELECT game_date, team FROM nba_raw.nbac_schedule, "
            "unnest([home_team_tricode, away_team_tricode]) AS u(team) GROUP BY ALL "
            "HAVING count(*) > 1)",
        )
        == 0
    )
    assert one(con, "SELECT count(DISTINCT home_team_tricode) FROM nba_raw.nbac_schedule") == 30
    assert one(
        con,
        "SELECT bool_and(regexp_full_match(game_id, '00225[0-9]{5}')) FROM nba_raw.nbac_schedule",
    )


def test_rosters_and_named_players(con) -> None:
    sizes = column(
        con,
        "SELECT count(*) FROM nba_reference.nba_players_registry "
        "WHERE player_lookup <> 'garytrentjr' GROUP BY team_abbr",
    )
    assert len(sizes) == 30
    # WAS and BKN each carry one unregistered player on a roster of 13-15.
    assert all(12 <= size <= 15 for size in sizes)
    named = {
        "herbertjones": "NOP", "treymurphy": "NOP", "garytrent": "MIL", "kevinporter": "MIL",
        "jabarismith": "HOU", "jaimejaquez": "MIA", "michaelporter": "BKN",
        "nicolasclaxton": "BKN", "marvinbagley": "WAS", "timhardaway": "DEN",
        "wendellcarter": "ORL",
    }  # fmt: skip
    found = dict(
        con.execute(
            "SELECT player_lookup, team_abbr FROM nba_reference.nba_players_registry "
            "WHERE player_lookup IN (SELECT unnest(?))",
            [list(named)],
        ).fetchall()
    )
    assert found == named
    assert one(con, "SELECT team_abbr FROM nba_analytics.upcoming_player_game_context "
               "WHERE player_lookup = 'alexsarr'") == "WAS"  # fmt: skip


# --- seed 002: 2025-12-29 ----------------------------------------------------------------------

MISSING_0 = """
WITH ctx AS (SELECT DISTINCT player_lookup FROM nba_analytics.upcoming_player_game_context
             WHERE game_date = $d),
pred AS (SELECT DISTINCT player_lookup FROM nba_predictions.player_prop_predictions
         WHERE game_date = $d),
lines AS (SELECT DISTINCT player_lookup FROM nba_raw.odds_api_player_points_props
          WHERE game_date = $d),
reg AS (SELECT DISTINCT player_lookup FROM nba_reference.nba_players_registry),
alias AS (SELECT alias_lookup FROM nba_reference.player_aliases)
SELECT
  c.player_lookup,
  c.player_lookup IN (SELECT alias_lookup FROM alias) AS aliased,
  c.player_lookup IN (SELECT player_lookup FROM reg) AS registered,
  c.player_lookup IN (SELECT player_lookup FROM lines) AS has_line
FROM ctx c WHERE c.player_lookup NOT IN (SELECT player_lookup FROM pred)
"""


def test_dml_loss_coverage_is_68_of_158(con) -> None:
    assert (
        one(
            con,
            "SELECT count(DISTINCT player_lookup) FROM nba_analytics.upcoming_player_game_context "
            "WHERE game_date = ?",
            DML,
        )
        == 158
    )
    systems = con.execute(
        "SELECT c.player_lookup, list(DISTINCT p.system_id) FROM "
        "(SELECT DISTINCT player_lookup FROM nba_analytics.upcoming_player_game_context "
        " WHERE game_date = $d) c JOIN nba_predictions.player_prop_predictions p "
        "ON p.player_lookup = c.player_lookup AND p.game_date = $d AND p.is_active GROUP BY 1",
        {"d": DML},
    ).fetchall()
    assert len(systems) == 68
    assert all(set(found) == SYSTEMS for _, found in systems)
    assert len(con.execute(MISSING_0, {"d": DML}).fetchall()) == 90


def test_dml_loss_reason_groups(con) -> None:
    missing = {
        lookup: (aliased, registered, has_line)
        for lookup, aliased, registered, has_line in con.execute(MISSING_0, {"d": DML}).fetchall()
    }
    aliased = {lookup for lookup, flags in missing.items() if flags[0]}
    assert aliased == set(incidents.UNRESOLVED_ALIASES)
    rest = {lookup: flags for lookup, flags in missing.items() if not flags[0]}
    unregistered = {lookup for lookup, (_, registered, _) in rest.items() if not registered}
    assert unregistered == set(incidents.SUFFIX_VARIANTS) | {"alexsarr", "egordemin"}
    assert {lookup for lookup in unregistered if rest[lookup][2]} == {"alexsarr", "egordemin"}
    registered = {lookup: flags for lookup, flags in rest.items() if flags[1]}
    assert sum(not has_line for *_, has_line in registered.values()) == 15
    assert sum(has_line for *_, has_line in registered.values()) == 63

    aliases = set(con.execute("SELECT * FROM nba_reference.player_aliases").fetchall())
    assert aliases == {
        (alias, canonical, kind)
        for alias, (canonical, kind) in incidents.UNRESOLVED_ALIASES.items()
    }
    canonical = [c for c, _ in incidents.UNRESOLVED_ALIASES.values()]
    canonical += list(incidents.SUFFIX_VARIANTS.values())
    with_lines = column(
        con,
        "SELECT DISTINCT player_lookup FROM nba_raw.odds_api_player_points_props "
        "WHERE game_date = ? AND player_lookup IN (SELECT unnest(?))",
        DML,
        canonical + list(incidents.UNRESOLVED_ALIASES) + list(incidents.SUFFIX_VARIANTS),
    )
    assert sorted(with_lines) == sorted(canonical)  # lines only under the canonical names
    in_registry = column(
        con,
        "SELECT player_lookup FROM nba_reference.nba_players_registry "
        "WHERE player_lookup IN (SELECT unnest(?))",
        list(incidents.SUFFIX_VARIANTS.values()) + list(incidents.SUFFIX_VARIANTS),
    )
    assert sorted(in_registry) == sorted(incidents.SUFFIX_VARIANTS.values())


def test_dml_loss_failed_merges(con) -> None:
    failed = con.execute(
        "SELECT count(*), min(creation_time), max(creation_time), "
        "count(DISTINCT error_result.reason), any_value(error_result.message) "
        "FROM bq_meta.jobs_by_project WHERE statement_type = 'MERGE' "
        "AND destination_table.table_id = 'player_prop_predictions' "
        "AND error_result IS NOT NULL AND creation_time >= '2025-12-29' "
        "AND creation_time < '2025-12-30'"
    ).fetchone()
    count, first, last, reasons, message = failed
    assert count == 90
    assert first.hour >= 20 and last.hour < 22 and first.date() == DML
    assert reasons == 1
    assert message == (
        "Too many DML statements outstanding against table "
        "nba-props-platform:nba_predictions.player_prop_predictions, limit is 20"
    )
    assert (
        one(
            con,
            "SELECT any_value(error_result.reason) FROM bq_meta.jobs_by_project "
            "WHERE error_result IS NOT NULL AND statement_type = 'MERGE'",
        )
        == "quotaExceeded"
    )


def test_dml_loss_other_tables_complete(con) -> None:
    for name, table in PHASE_TABLES.items():
        where = "is_active" if name == "predictions" else "true"
        assert games_missing(con, table, DML, where) == [], name


def test_registry_duplicate(con) -> None:
    rows = set(
        con.execute(
            "SELECT player_lookup, universal_player_id FROM nba_reference.nba_players_registry "
            "WHERE player_lookup IN ('garytrent', 'garytrentjr')"
        ).fetchall()
    )
    assert rows == {("garytrent", "garytrent_001"), ("garytrentjr", "garytrentjr_001")}


# --- seed 000: 2026-01-25 and 2026-01-26 -------------------------------------------------------


def test_summary_gap_on_01_25(con, sample_dir: Path) -> None:
    assert len(games_missing(con, PHASE_TABLES["summary"], GAP)) == 2
    for name, table in PHASE_TABLES.items():
        if name != "summary":
            assert games_missing(con, table, GAP) == [], name
    phase3 = doc(sample_dir, "phase3_completion", GAP)
    assert phase3 is not None and phase3["_triggered"] is True
    assert all(phase3[name]["status"] == "success" for name in _processors(phase3))
    assert len(_processors(phase3)) == 5


def test_load_burst_on_01_25(con) -> None:
    # 14:00-21:00 Eastern (19:00Z-02:00Z), then nothing on the table until the outage.
    count, failed = con.execute(
        f"SELECT count(*), count(error_result) FROM bq_meta.jobs_by_project WHERE {RUN_HISTORY} "
        "AND creation_time >= '2026-01-25 19:00' AND creation_time < '2026-01-26 02:00'"
    ).fetchone()
    assert (count, failed) == (1400, 0)
    assert (
        one(
            con,
            f"SELECT count(*) FROM bq_meta.jobs_by_project WHERE {RUN_HISTORY} "
            "AND creation_time >= '2026-01-26 02:00' AND creation_time < '2026-01-26 20:00'",
        )
        == 0
    )


def test_phase3_never_ran_on_01_26(con, sample_dir: Path) -> None:
    assert column(
        con, "SELECT DISTINCT game_status FROM nba_raw.nbac_schedule WHERE game_date = ?", OUTAGE
    ) == [3]
    for name in ("gamebook", "props", "context"):
        assert games_missing(con, PHASE_TABLES[name], OUTAGE) == [], name
    for name in ("summary", "features", "predictions"):
        assert (
            one(con, f"SELECT count(*) FROM {PHASE_TABLES[name]} WHERE game_date = ?", OUTAGE) == 0
        ), name
    phase3 = doc(sample_dir, "phase3_completion", OUTAGE)
    assert phase3 is not None
    assert set(_processors(phase3)) == set(incidents.PHASE3_OUTAGE_DONE)
    assert "player_game_summary" not in phase3
    assert phase3["_completed_count"] == 4 and phase3["_triggered"] is False
    assert "_triggered_at" not in phase3
    assert doc(sample_dir, "phase4_completion", OUTAGE) is None


def test_load_quota_outage_jobs(con) -> None:
    window = (
        f"{RUN_HISTORY} AND creation_time >= '2026-01-26 20:00' "
        "AND creation_time < '2026-01-27 20:00'"
    )
    count, loads, partitions, latest = con.execute(
        "SELECT count(*), count(*) FILTER (job_type = 'LOAD'), sum(total_modified_partitions), "
        f"max(creation_time) FROM bq_meta.jobs_by_project WHERE {window}"
    ).fetchone()
    assert count == loads == partitions == 2466
    assert latest < incidents.OUTAGE_WINDOW[1]
    errors = con.execute(
        "SELECT DISTINCT error_result.reason, error_result.message FROM bq_meta.jobs_by_project "
        f"WHERE {window} AND error_result IS NOT NULL"
    ).fetchall()
    assert errors == [
        ("quotaExceeded",
         "Quota exceeded: Your table exceeded quota for imports or query appends per table"),
    ]  # fmt: skip
    # The first 1,500 of the rolling 24 h went through, everything after was refused.
    outcomes = column(
        con,
        "SELECT error_result IS NULL FROM bq_meta.jobs_by_project "
        f"WHERE {window} ORDER BY creation_time",
    )
    assert outcomes == [True] * 1500 + [False] * (2466 - 1500)
    # The seed's handoff, written at 21:10 Eastern (02:10Z), still saw the 403s.
    first_refused = one(
        con,
        f"SELECT min(creation_time) FROM bq_meta.jobs_by_project WHERE {window} "
        "AND error_result IS NOT NULL",
    )
    assert first_refused < datetime(2026, 1, 27, 2, 10)
    assert (
        one(
            con,
            f"SELECT count(*) FROM bq_meta.jobs_by_project WHERE {RUN_HISTORY} "
            "AND creation_time >= '2026-01-27 06:00' AND creation_time < '2026-01-27 20:00'",
        )
        == 0
    )


# --- seed 002: orphaned staging tables ---------------------------------------------------------


def test_orphaned_staging_tables(con) -> None:
    listed = con.execute(
        "SELECT table_id, creation_time FROM bq_meta.tables "
        "WHERE dataset_id = 'nba_predictions' AND starts_with(table_id, '_staging_') ORDER BY 1"
    ).fetchall()
    assert [name for name, _ in listed] == list(incidents.STAGING_TABLES)
    assert all(created.date() == GAP and created.hour == 22 for _, created in listed)
    for name in incidents.STAGING_TABLES:
        assert 0 < one(con, f"SELECT count(*) FROM nba_predictions.{name}") < 20
        assert column(con, f"DESCRIBE nba_predictions.{name}") == column(
            con, "DESCRIBE nba_predictions.player_prop_predictions"
        )


# --- the default slice ends on a live evening ---------------------------------------------------


def test_last_evening_has_live_games(con, sample_dir: Path) -> None:
    statuses = column(
        con, "SELECT game_status FROM nba_raw.nbac_schedule WHERE game_date = ? ORDER BY 1", LAST
    )
    assert statuses.count(2) == 2 and statuses.count(1) == 1 and statuses.count(3) >= 3
    live = column(
        con,
        f"SELECT {GAME_KEY} FROM nba_raw.nbac_schedule WHERE game_date = ? AND game_status < 3",
        LAST,
    )
    for name, table in PHASE_TABLES.items():
        keys = set(column(con, f"SELECT DISTINCT game_id FROM {table} WHERE game_date = ?", LAST))
        post_game = name in ("gamebook", "summary")
        assert (set(live) & keys) == (set() if post_game else set(live)), name
        assert games_missing(con, table, LAST) == [], name
    assert doc(sample_dir, "phase3_completion", LAST) is None
    assert doc(sample_dir, "phase4_completion", LAST) is None


# --- clean days ---------------------------------------------------------------------------------


def clean_dates(con) -> list[date]:
    dates = column(con, "SELECT DISTINCT game_date FROM nba_raw.nbac_schedule ORDER BY 1")
    return [day for day in dates if day not in INCIDENT_DATES]


def test_clean_days_every_final_game_everywhere(con) -> None:
    for name, table in PHASE_TABLES.items():
        where = "is_active" if name == "predictions" else "true"
        missing = con.execute(
            f"SELECT count(*) FROM nba_raw.nbac_schedule s WHERE game_status = 3 "
            f"AND game_date NOT IN (SELECT unnest(?)) AND {GAME_KEY} NOT IN "
            f"(SELECT game_id FROM {table} WHERE {where})",
            [list(INCIDENT_DATES)],
        ).fetchone()[0]
        assert missing == 0, name
    assert (
        one(
            con,
            "SELECT count(*) FROM nba_raw.nbac_schedule WHERE game_status <> 3 AND game_date <> ?",
            LAST,
        )
        == 0
    )


def test_clean_days_every_context_player_covered(con) -> None:
    gaps = con.execute(
        """
        WITH ctx AS (SELECT game_date, player_lookup FROM nba_analytics.upcoming_player_game_context
                     WHERE game_date NOT IN (SELECT unnest($dates)))
        SELECT ctx.*,
          (SELECT count(DISTINCT system_id) FROM nba_predictions.player_prop_predictions p
           WHERE p.game_date = ctx.game_date AND p.player_lookup = ctx.player_lookup
             AND p.is_active) AS systems,
          ctx.player_lookup IN (SELECT player_lookup FROM nba_reference.nba_players_registry)
            AS registered,
          EXISTS (SELECT 1 FROM nba_raw.odds_api_player_points_props o
                  WHERE o.game_date = ctx.game_date AND o.player_lookup = ctx.player_lookup)
            AS has_line
        FROM ctx
        """,
        {"dates": list(INCIDENT_DATES)},
    ).fetchall()
    assert len(gaps) > 9000
    assert [row for row in gaps if row[2:] != (5, True, True)] == []
    per_team = column(
        con,
        "SELECT count(*) FROM nba_analytics.upcoming_player_game_context "
        "WHERE game_date NOT IN (SELECT unnest(?)) GROUP BY game_id, team_abbr",
        list(INCIDENT_DATES),
    )
    assert min(per_team) >= 12 and max(per_team) <= 14


def test_clean_days_one_active_row_per_system_some_superseded(con) -> None:
    assert (
        one(
            con,
            "SELECT count(*) FROM (SELECT 1 FROM nba_predictions.player_prop_predictions "
            "WHERE is_active GROUP BY game_id, player_lookup, system_id HAVING count(*) > 1)",
        )
        == 0
    )
    share = one(
        con,
        "SELECT count(DISTINCT (game_id, player_lookup)) FILTER (NOT is_active) "
        "/ count(DISTINCT (game_id, player_lookup)) FROM nba_predictions.player_prop_predictions",
    )
    assert 0.05 < share < 0.15


def test_clean_days_complete_documents(con, sample_dir: Path) -> None:
    for day in clean_dates(con):
        for collection in ("phase3_completion", "phase4_completion"):
            document = doc(sample_dir, collection, day)
            assert document is not None, (collection, day)
            assert len(_processors(document)) == 5 == document["_completed_count"]
            assert document["_triggered"] is True and document["_mode"] == "overnight"
            assert document["_triggered_at"].endswith("Z")
            for name in _processors(document):
                assert document[name]["status"] == "success"
                assert document[name]["completed_at"] < document["_triggered_at"]


def test_clean_days_no_quota_pressure(con) -> None:
    busiest = con.execute(
        "SELECT destination_table.table_id, creation_time::DATE AS day, count(*) AS n "
        "FROM bq_meta.jobs_by_project WHERE NOT starts_with(destination_table.dataset_id, '_') "
        "AND creation_time::DATE NOT IN ('2025-12-29', '2026-01-25', '2026-01-26', '2026-01-27') "
        "GROUP BY ALL ORDER BY n DESC LIMIT 1"
    ).fetchone()
    assert busiest[2] <= 100
    errors = column(
        con,
        "SELECT DISTINCT creation_time::DATE FROM bq_meta.jobs_by_project "
        "WHERE error_result IS NOT NULL ORDER BY 1",
    )
    # The outage's loads are refused from ~21:05 Eastern on 2026-01-26: after midnight UTC.
    assert errors == [DML, date(2026, 1, 27)]


def test_jobs_metadata_shape(con) -> None:
    kinds = set(
        con.execute(
            "SELECT job_type, statement_type FROM bq_meta.jobs_by_project GROUP BY ALL"
        ).fetchall()
    )
    assert kinds == {
        ("LOAD", None), ("COPY", None), ("QUERY", "SELECT"), ("QUERY", "INSERT"),
        ("QUERY", "MERGE"), ("QUERY", "UPDATE"), ("QUERY", "DELETE"), ("QUERY", "SCRIPT"),
        ("QUERY", "CREATE_TABLE_AS_SELECT"),
    }  # fmt: skip
    assert column(con, "SELECT DISTINCT state FROM bq_meta.jobs_by_project") == ["DONE"]
    assert one(
        con,
        "SELECT bool_and(destination_table IS NULL) FROM bq_meta.jobs_by_project "
        "WHERE statement_type = 'SCRIPT'",
    )
    assert one(
        con,
        "SELECT bool_and(starts_with(destination_table.dataset_id, '_') "
        "AND starts_with(destination_table.table_id, 'anon')) FROM bq_meta.jobs_by_project "
        "WHERE statement_type = 'SELECT'",
    )
    assert column(
        con, "SELECT DISTINCT destination_table.project_id FROM bq_meta.jobs_by_project "
        "WHERE destination_table IS NOT NULL",
    ) == ["nba-props-platform"]  # fmt: skip
    assert one(con, "SELECT count(DISTINCT job_id) = count(*) FROM bq_meta.jobs_by_project")


def test_documents_land_the_morning_after(sample_dir: Path) -> None:
    phase3 = doc(sample_dir, "phase3_completion", date(2025, 12, 10))
    phase4 = doc(sample_dir, "phase4_completion", date(2025, 12, 10))
    assert phase3 is not None and phase4 is not None
    # 06:00-07:00 and 07:00-08:00 Eastern (UTC-5 in December).
    assert all(
        "2025-12-11T11:00" <= phase3[n]["completed_at"] < "2025-12-11T12:00"
        for n in _processors(phase3)
    )
    assert all(
        "2025-12-11T12:00" <= phase4[n]["completed_at"] < "2025-12-11T13:00"
        for n in _processors(phase4)
    )
    assert list(_processors(phase4)) == [
        "team_defense_zone_analysis", "player_shot_zone_analysis", "player_composite_factors",
        "player_daily_cache", "ml_feature_store",
    ]  # fmt: skip


def _processors(document: dict) -> list[str]:
    return [key for key in document if not key.startswith("_")]


# --- builds -------------------------------------------------------------------------------------


def test_rebuild_is_deterministic_and_replaces_the_old_sample(
    sample_dir: Path, tmp_path: Path
) -> None:
    target = tmp_path / "again"
    (target / "state" / "stale_collection").mkdir(parents=True)
    (target / "state" / "stale_collection" / "2020-01-01.json").write_text("{}")
    with duckdb.connect(str(target / "warehouse.duckdb")) as old:
        old.execute("CREATE TABLE leftover AS SELECT 1 AS x")

    info = build_sample(target)

    assert isinstance(info, SampleInfo)
    assert (info.start, info.end) == (date(2025, 12, 1), date(2026, 1, 31))
    assert info.warehouse == target / "warehouse.duckdb" and info.state == target / "state"
    assert not list(target.glob(".pipeval-build-*"))  # the scratch build is gone
    assert sorted(p.name for p in info.state.iterdir()) == [
        "phase3_completion",
        "phase4_completion",
    ]
    fresh = checksums(info.warehouse)
    assert "main.leftover" not in fresh
    assert fresh == checksums(sample_dir / "warehouse.duckdb")
    assert info.rows == {name: count for name, (count, _) in fresh.items()}
    assert info.games == fresh["nba_raw.nbac_schedule"][0]
    for path in sorted((sample_dir / "state").rglob("*.json")):
        twin = info.state / path.relative_to(sample_dir / "state")
        assert twin.read_bytes() == path.read_bytes()


def test_interrupted_build_keeps_the_previous_sample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeval.sample import build as build_module

    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as old:
        old.execute("CREATE TABLE previous AS SELECT 1 AS x")
    before = (tmp_path / "warehouse.duckdb").read_bytes()
    write_csv = build_module.write_csv
    written: list[Path] = []

    def write_then_die(path: Path, rows) -> int:
        if len(written) == 3:
            raise KeyboardInterrupt  # as if the user hit Ctrl-C mid-build
        written.append(path)
        return write_csv(path, rows)

    monkeypatch.setattr(build_module, "write_csv", write_then_die)
    with pytest.raises(KeyboardInterrupt):
        build_sample(tmp_path)
    assert (tmp_path / "warehouse.duckdb").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["warehouse.duckdb"]


def test_full_season(tmp_path: Path, sample_dir: Path) -> None:
    info = build_sample(tmp_path, season=True)
    assert (info.start, info.end) == (date(2025, 10, 21), date(2026, 4, 12))
    assert info.games == 1230
    with duckdb.connect(str(info.warehouse), read_only=True) as season:
        assert (
            one(
                season,
                "SELECT count(*) FROM nba_raw.nbac_schedule WHERE game_status <> 3 "
                "OR game_date BETWEEN '2026-02-13' AND '2026-02-18'",
            )
            == 0
        )
        assert (
            one(
                season,
                "SELECT count(DISTINCT p.player_lookup) "
                "FROM nba_predictions.player_prop_predictions p "
                "WHERE game_date = ? AND is_active",
                DML,
            )
            == 68
        )
        assert (
            one(
                season,
                f"SELECT count(*) FROM bq_meta.jobs_by_project WHERE {RUN_HISTORY} "
                "AND creation_time >= '2026-01-26 15:00' AND creation_time < '2026-01-27 15:00'",
            )
            == 2466
        )
        season_slice = season.execute(
            "SELECT * FROM nba_raw.nbac_schedule WHERE game_date BETWEEN '2025-12-01' "
            "AND '2026-01-30' ORDER BY game_id"
        ).fetchall()
    with duckdb.connect(str(sample_dir / "warehouse.duckdb"), read_only=True) as default:
        default_slice = default.execute(
            "SELECT * FROM nba_raw.nbac_schedule WHERE game_date <= '2026-01-30' ORDER BY game_id"
        ).fetchall()
    # The default sample is a cut of the same season, not a different one.
    assert season_slice == default_slice
    assert doc(info.warehouse.parent, "phase3_completion", info.end) is not None
    assert doc(info.warehouse.parent, "phase4_completion", info.end) is not None
