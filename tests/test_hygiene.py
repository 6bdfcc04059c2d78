"""hygiene.*: orphaned staging tables from metadata, registry duplicates live vs dormant."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from pipeval.checks.hygiene import checks_for
from pipeval.metrics.identity import Registry, base_name, duplicate_groups, variants
from pipeval.query import Context
from pipeval.results import CheckResult, Severity, Status
from pipeval.suites.runner import run_check
from tests.builders import game_key, schedule_rows

AS_OF = datetime(2026, 1, 27, 15, 0, tzinfo=UTC)
NAIVE_AS_OF = AS_OF.replace(tzinfo=None)  # embedded mode stores UTC instants naive
DAY = date(2025, 12, 29)
SUFFIXES = ["jr", "sr", "ii", "iii", "iv"]


def judge(profile, warehouse, check_id: str, day: date = DAY) -> CheckResult:
    ctx = Context(profile=profile, as_of=AS_OF, start=day, end=day, warehouse=warehouse)
    check = next(c for c in checks_for(profile) if c.id == check_id)
    ctx.cache.prefetch(check.queries(ctx))
    return run_check(check, ctx)


def table(name: str, age_hours: float, dataset: str = "nba_predictions") -> dict:
    created = NAIVE_AS_OF - timedelta(hours=age_hours)
    return {"dataset_id": dataset, "table_id": name, "creation_time": created}


def test_staging_tables_older_than_the_max_age_warn(profile, make_warehouse) -> None:
    tables = [
        table("_staging_batch_worker1", 41),
        table("_staging_batch_worker2", 24),  # exactly the max age: orphaned
        table("_staging_batch_worker3", 23.9),  # younger: a batch in flight
        table("_staging_future", -2),  # created after as-of: did not exist yet
        table("player_prop_predictions", 400),
        table("_staging_elsewhere", 100, dataset="scratch"),  # not a profile dataset
    ]
    result = judge(profile, make_warehouse({"bq_meta.tables": tables}), "hygiene.staging_tables")
    assert result.status is Status.WARN
    assert [o["table"] for o in result.metrics["orphaned"]] == [
        "nba_predictions._staging_batch_worker1",
        "nba_predictions._staging_batch_worker2",
    ]
    assert result.metrics["in_flight"] == ["nba_predictions._staging_batch_worker3"]
    warn, info = result.findings
    assert "_staging_batch_worker1 (41 h)" in warn.message
    assert info.severity is Severity.INFO and "_staging_future" not in info.message
    assert (
        "bq rm -f -t nba-props-platform:nba_predictions._staging_batch_worker1"
        in (result.remediation[0])
    )


def test_prefix_is_matched_literally_not_as_a_like_pattern(profile, make_warehouse) -> None:
    # With LIKE '_staging_%' the underscores would match any character.
    tables = [table("xstagingy_worker", 48), table("Astaging_b", 48)]
    result = judge(profile, make_warehouse({"bq_meta.tables": tables}), "hygiene.staging_tables")
    assert result.status is Status.OK
    assert result.summary == "no staging tables older than 24 h"


def test_staging_check_reads_metadata_not_data(profile, make_warehouse) -> None:
    warehouse = make_warehouse({"bq_meta.tables": [table("_staging_x", 30)]})
    judge(profile, warehouse, "hygiene.staging_tables")
    (sql,) = warehouse.stats.sent
    assert "INFORMATION_SCHEMA.TABLES" in sql and "`region-us`" in sql


def identity(registry: dict[str, str], context: list[str], lines: list[str] = ()) -> dict:
    key = game_key(DAY, "MIL", "NOP")
    return {
        "nba_raw.nbac_schedule": schedule_rows(DAY, [("MIL", "NOP", 3)]),
        "nba_reference.nba_players_registry": [
            {"player_lookup": lookup, "universal_player_id": uid}
            for lookup, uid in registry.items()
        ],
        "nba_analytics.upcoming_player_game_context": [
            {"game_id": key, "game_date": DAY, "player_lookup": p} for p in context
        ],
        "nba_raw.odds_api_player_points_props": [
            {"game_id": key, "game_date": DAY, "player_lookup": p} for p in lines
        ],
    }


REGISTRY = {"garytrent": "garytrent_001", "garytrentjr": "garytrentjr_001", "lebron": "lebron_001"}


def test_duplicate_in_use_on_the_date_warns(profile, make_warehouse) -> None:
    data = identity(REGISTRY, context=["garytrentjr", "lebron"], lines=["garytrent"])
    result = judge(profile, make_warehouse(data), "hygiene.registry_duplicates")
    assert result.status is Status.WARN
    assert result.metrics["live"] == [
        {"lookups": ["garytrent", "garytrentjr"], "ids": ["garytrent_001", "garytrentjr_001"]}
    ]
    assert "garytrent / garytrentjr (garytrent_001, garytrentjr_001)" in result.findings[0].message
    assert "universal_player_id in nba_reference.nba_players_registry" in result.remediation[0]


def test_dormant_duplicate_is_ok_with_a_note(profile, make_warehouse) -> None:
    data = identity(REGISTRY, context=["garytrent", "lebron"], lines=["garytrent"])
    result = judge(profile, make_warehouse(data), "hygiene.registry_duplicates")
    assert result.status is Status.OK
    assert [f.severity for f in result.findings] == [Severity.INFO]
    assert result.summary == "no registry duplicates in use on 2025-12-29 (1 dormant)"


def test_same_id_under_two_spellings_is_not_a_duplicate(profile, make_warehouse) -> None:
    registry = {"garytrent": "garytrent_001", "garytrentjr": "garytrent_001"}
    data = identity(registry, context=["garytrent"], lines=["garytrentjr"])
    result = judge(profile, make_warehouse(data), "hygiene.registry_duplicates")
    assert result.status is Status.OK and result.findings == []


def test_registry_duplicates_send_one_statement_of_their_own(profile) -> None:
    from pipeval.checks.coverage import checks_for as coverage_checks

    ctx = Context(profile=profile, as_of=AS_OF, start=DAY, end=DAY)
    (coverage,) = coverage_checks(profile)
    duplicates = next(c for c in checks_for(profile) if c.id == "hygiene.registry_duplicates")
    (in_use,) = duplicates.queries(ctx)
    # the registry is never read whole: coverage joins it, this statement returns only the
    # possible duplicates' registry rows and their lookups in use, per date
    assert in_use.label == "in-use:predictions" and in_use not in coverage.queries(ctx)
    assert not any(q.label.startswith("registry:") for q in coverage.queries(ctx))


def test_duplicates_from_the_candidate_rows_are_those_of_the_whole_registry(
    profile, make_warehouse
) -> None:
    from pipeval.metrics.coverage import in_use_query
    from pipeval.metrics.identity import read_registry

    registry = {f"q{chr(97 + n) * 2}name": f"p{n:02d}" for n in range(26)}
    registry |= {
        "garytrent": "g1",
        "garytrentjr": "g2",  # a split: two ids
        "kevinporter": "k1",
        "kevinporterjr": "k1",  # two spellings, one id: not a duplicate
        "treymurphyiii": "t1",
        "treymurphy": "t2",
        "jr": "j1",
        "jrsmith": "j2",  # shares a prefix, not a suffix split
    }
    warehouse = make_warehouse(identity(registry, context=["garytrentjr", "qbbname"]))
    query = in_use_query(profile.coverage[0], DAY, DAY)
    rows = warehouse.query(query.sql, query.bound()).rows
    candidates = [row for row in rows if row["day"] is None]
    whole = Registry({lookup: frozenset({uid}) for lookup, uid in registry.items()})
    assert duplicate_groups(read_registry(candidates), SUFFIXES) == duplicate_groups(
        whole, SUFFIXES
    )
    assert len(candidates) < len(registry) / 2
    assert {row["entity"] for row in rows if row["day"] == DAY} == {"garytrentjr"}


@pytest.mark.parametrize("empty_ids", [["e1"], ["e1", "e2"]])
def test_the_candidates_self_join_on_the_first_letter_keeps_every_group(
    profile, make_warehouse, empty_ids: list[str]
) -> None:
    """The registry's self-join is a hash join on the first letter, which a stem test implies
    for a non-empty lookup. An empty lookup (whose stem is empty: every lookup starts with it)
    is a candidate only with another id of its own: it never shares a group with another
    lookup (`base_name`), so the groups are still those of the whole registry."""
    from pipeval.metrics.coverage import in_use_query
    from pipeval.metrics.identity import read_registry

    pairs = [("", uid) for uid in empty_ids]
    pairs += [("a", "a1"), ("ajr", "a2"), ("b", "b1"), ("bb", "b2"), ("c", "c1")]
    data = identity({}, context=["a", "ajr"])
    data["nba_reference.nba_players_registry"] = [
        {"player_lookup": lookup, "universal_player_id": uid} for lookup, uid in pairs
    ]
    warehouse = make_warehouse(data)
    query = in_use_query(profile.coverage[0], DAY, DAY)
    rows = warehouse.query(query.sql, query.bound()).rows
    candidates = [row for row in rows if row["day"] is None]
    whole = read_registry([{"entity": lookup, "universal_id": uid} for lookup, uid in pairs])
    assert duplicate_groups(read_registry(candidates), SUFFIXES) == duplicate_groups(
        whole, SUFFIXES
    )
    # "b" and "bb" share a stem under two ids (candidates; "bb" is no suffix of "b": no group)
    expected = {"a", "ajr", "b", "bb"} | ({""} if len(empty_ids) > 1 else set())
    assert {row["entity"] for row in candidates} == expected
    assert {row["entity"] for row in rows if row["day"] == DAY} == {"a", "ajr"}


@pytest.mark.parametrize(
    ("lookup", "base"),
    [
        ("garytrentjr", "garytrent"),
        ("treymurphyiii", "treymurphy"),
        ("lebron", "lebron"),
        ("jr", "jr"),
        ("marcusmorrissr", "marcusmorris"),
    ],
)
def test_base_name_removes_one_generational_suffix(lookup: str, base: str) -> None:
    assert base_name(lookup, SUFFIXES) == base


def test_variants_are_the_other_spellings() -> None:
    assert variants("kevinporterjr", SUFFIXES) == {
        "kevinporter",
        "kevinportersr",
        "kevinporterii",
        "kevinporteriii",
        "kevinporteriv",
    }


def test_duplicate_groups_need_different_ids() -> None:
    registry = Registry(
        {
            "garytrent": frozenset({"g1"}),
            "garytrentjr": frozenset({"g2"}),
            "treymurphy": frozenset({"t1"}),
            "treymurphyiii": frozenset({"t1"}),
            "solo": frozenset({"s1", "s2"}),
        }
    )
    assert duplicate_groups(registry, SUFFIXES) == [
        {"lookups": ["garytrent", "garytrentjr"], "ids": ["g1", "g2"]},
        {"lookups": ["solo"], "ids": ["s1", "s2"]},
    ]
