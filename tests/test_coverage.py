"""coverage.<name> on tiny warehouses: thresholds, per-system parity, every missing-reason class."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeval.checks.coverage import checks_for
from pipeval.errors import ConfigError
from pipeval.metrics.coverage import coverage_queries
from pipeval.profile import Profile, load_profile
from pipeval.profile.loader import _shipped_text
from pipeval.query import Context
from pipeval.results import CheckResult, Severity, Status
from pipeval.suites.runner import run_check
from tests.builders import game_key, schedule_rows

DAY = date(2025, 12, 29)
AS_OF = datetime(2025, 12, 30, 15, 0, tzinfo=UTC)
GAMES = [("MIL", "NOP", 3), ("BKN", "DEN", 3)]
TEAMS = ["MIL", "NOP", "BKN", "DEN"]


def world(
    players: list[str],
    predicted: dict[str, list[str]] | list[str],
    *,
    lines: list[str] | None = None,
    registry: dict[str, str] | None = None,
    aliases: list[tuple[str, str]] = (),
    games=GAMES,
    day: date = DAY,
    history: dict[date, dict[str, int]] | None = None,
    inactive: list[str] = (),
) -> dict[str, list[dict[str, Any]]]:
    """One date: players in context (spread over the games), their predictions per system,
    lines and registry (default: every player), alias rows, and earlier days' predictions."""
    keys = [game_key(day, away, home) for away, home, _ in games]
    game_of = {p: keys[i % len(keys)] for i, p in enumerate(players)}
    if isinstance(predicted, list):
        predicted = {"s1": predicted}
    lines = players if lines is None else lines
    registry = {p: f"{p}_001" for p in players} if registry is None else registry

    def row(player: str, **extra: Any) -> dict[str, Any]:
        return {
            "game_id": game_of.get(player, keys[0]),
            "game_date": day,
            "player_lookup": player,
            **extra,
        }

    predictions = [
        row(p, system_id=system, is_active=True, prediction_id=f"{system}-{p}")
        for system, names in predicted.items()
        for p in names
    ]
    predictions += [row(p, system_id="s1", is_active=False) for p in inactive]
    for earlier, systems in (history or {}).items():
        predictions += [
            {
                "game_id": "x",
                "game_date": earlier,
                "player_lookup": f"h{i}",
                "system_id": s,
                "is_active": True,
            }
            for s, count in systems.items()
            for i in range(count)
        ]
    return {
        "nba_raw.nbac_schedule": schedule_rows(day, games),
        "nba_analytics.upcoming_player_game_context": [row(p, team_abbr=TEAMS[0]) for p in players],
        "nba_predictions.player_prop_predictions": predictions,
        "nba_raw.odds_api_player_points_props": [
            row(p, bookmaker="dk", points_line=20.5) for p in lines
        ],
        "nba_reference.nba_players_registry": [
            {"player_lookup": p, "universal_player_id": uid, "team_abbr": "MIL"}
            for p, uid in registry.items()
        ],
        "nba_reference.player_aliases": [
            {"alias_lookup": a, "nba_canonical_lookup": c, "alias_type": "suffix_variation"}
            for a, c in aliases
        ],
    }


def judge(profile: Profile, warehouse, day: date = DAY, start: date | None = None) -> CheckResult:
    ctx = Context(profile=profile, as_of=AS_OF, start=start or day, end=day, warehouse=warehouse)
    (check,) = checks_for(profile)
    ctx.cache.prefetch(check.queries(ctx))
    result = run_check(check, ctx)
    # historical skips `run` on a settled date: settled only where `run` calls it OK.
    assert result.status is Status.OK or day not in check.settled(ctx, [day]), result.summary
    return result


def custom_profile(tmp_path: Path, change: Callable[[dict], Any]) -> Profile:
    """The shipped profile with one change, loaded from a file like a user's would be."""
    data = yaml.safe_load(_shipped_text("nba-props"))
    change(data)
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(data), "utf-8")
    return load_profile(str(path))


def names(count: int, prefix: str = "player") -> list[str]:
    return [f"{prefix}{i:03d}" for i in range(count)]


@pytest.mark.parametrize(
    ("covered", "status"),
    [(100, Status.OK), (95, Status.OK), (94, Status.WARN), (85, Status.WARN), (84, Status.FAIL)],
)
def test_thresholds_and_their_edges(profile, make_warehouse, covered: int, status: Status) -> None:
    players = names(100)
    result = judge(profile, make_warehouse(world(players, players[:covered])))
    assert result.status is status
    assert result.summary.startswith(f"{covered} of 100 players ({float(covered)} %)")
    assert result.metrics["covered"] == covered and result.metrics["expected"] == 100


@pytest.mark.parametrize(
    ("covered", "systems", "settled"),
    [(95, {}, True), (94, {}, False), (100, {"s2": 40}, False)],  # s2: below parity
)
def test_a_date_covered_above_the_warn_threshold_is_settled(
    profile, make_warehouse, covered: int, systems: dict[str, int], settled: bool
) -> None:
    players = names(100)
    predicted = {"s1": players[:covered], **{s: players[:n] for s, n in systems.items()}}
    warehouse = make_warehouse(world(players, predicted))
    ctx = Context(profile=profile, as_of=AS_OF, start=DAY, end=DAY, warehouse=warehouse)
    (check,) = checks_for(profile)
    ctx.cache.prefetch(check.queries(ctx))
    assert (DAY in check.settled(ctx, [DAY])) is settled
    assert (run_check(check, ctx).status is Status.OK) is settled


def test_thresholds_come_from_the_profile(tmp_path: Path, make_warehouse) -> None:
    def change(data: dict) -> None:
        data["thresholds"]["coverage"].update(warn_below=99, fail_below=90)

    players = names(100)
    result = judge(custom_profile(tmp_path, change), make_warehouse(world(players, players[:95])))
    assert result.status is Status.WARN
    assert "below 99 %" in result.findings[0].message


def test_inactive_rows_do_not_cover(profile, make_warehouse) -> None:
    players = names(10)
    result = judge(profile, make_warehouse(world(players, players[:5], inactive=players[5:])))
    assert result.metrics["covered"] == 5 and result.status is Status.FAIL


def test_every_missing_reason_class(profile, make_warehouse) -> None:
    fine = names(30)
    players = [
        *fine,
        "herbjones",
        "kevinporterjr",
        "timhardawayjr",
        "alexsarr",
        "benchguy",
        "lostguy",
    ]
    registry = {p: f"{p}_001" for p in fine}
    registry |= {"herbjones": "h_1", "kevinporter": "kp_1", "benchguy": "b_1", "lostguy": "l_1"}
    registry |= {"timhardawayjr": "th_1"}
    lines = [*fine, "herbertjones", "kevinporter", "timhardaway", "alexsarr", "lostguy"]
    data = world(
        players,
        fine,
        lines=lines,
        registry=registry,
        aliases=[("herbjones", "herbertjones")],
    )
    result = judge(profile, make_warehouse(data))
    assert result.status is Status.FAIL  # 30 of 36
    assert result.metrics["missing_by_reason"] == {
        "unresolved_name": ["herbjones", "kevinporterjr", "timhardawayjr"],
        "not_in_registry": ["alexsarr"],
        "no_line": ["benchguy"],
        "unknown": ["lostguy"],
    }
    assert result.metrics["unresolved_names"] == {
        "herbjones": {"via": "alias", "related": ["herbertjones"]},
        "kevinporterjr": {"via": "suffix", "related": ["kevinporter"]},
        "timhardawayjr": {"via": "suffix", "related": ["timhardaway"]},
    }
    by_reason = {f.data.get("reason"): f for f in result.findings if "reason" in f.data}
    assert "herbjones (alias: herbertjones)" in by_reason["unresolved_name"].message
    assert by_reason["not_in_registry"].severity is Severity.FAIL
    steps = "\n".join(result.remediation)
    assert (
        "Add alias rows to nba_reference.player_aliases for: kevinporterjr ↔ kevinporter" in steps
    )
    assert "Alias rows exist for herbjones" in steps
    assert "Add to nba_reference.nba_players_registry: alexsarr" in steps
    assert "lines scrape (nba_raw.odds_api_player_points_props)" in steps
    assert "lost writes on 2025-12-29" in steps
    assert (
        "player_prop_predictions_backfill.py --start-date 2025-12-29 --end-date 2025-12-29" in steps
    )


def test_reasons_follow_the_classification_order(profile, make_warehouse) -> None:
    # Not in the registry and no line under its own lookup either: the name split comes first.
    players = [*names(5), "garytrentjr"]
    registry = {p: f"{p}_001" for p in names(5)}
    lines = [*names(5), "garytrent"]
    aliases = [("garytrentjr", "garytrent")]
    data = world(players, names(5), lines=lines, registry=registry, aliases=aliases)
    result = judge(profile, make_warehouse(data))
    assert result.metrics["missing_by_reason"] == {"unresolved_name": ["garytrentjr"]}


def test_an_alias_row_alone_is_no_evidence_of_a_name_split(profile, make_warehouse) -> None:
    # 2026-01-26 in the sample: everything was lost, including players that have alias rows;
    # their own lookup has a line and a registry entry, so their name resolved fine.
    players = [*names(5), "treymurphy"]
    data = world(players, names(5), aliases=[("treymurphyiii", "treymurphy")])
    result = judge(profile, make_warehouse(data))
    assert result.metrics["missing_by_reason"] == {"unknown": ["treymurphy"]}


def test_a_suffix_variant_spelled_the_other_way_resolves_too(profile, make_warehouse) -> None:
    players = [*names(5), "wendellcarter"]
    registry = {p: f"{p}_001" for p in players}
    data = world(players, names(5), lines=[*names(5), "wendellcarterjr"], registry=registry)
    result = judge(profile, make_warehouse(data))
    assert result.metrics["unresolved_names"] == {
        "wendellcarter": {"via": "suffix", "related": ["wendellcarterjr"]}
    }


def test_the_registry_alone_is_evidence_joined_in_the_warehouse(profile, make_warehouse) -> None:
    # Neither lookup in use: the registry knows only the other spelling (suffix or alias
    # partner), so the name split bit; a longer lookup sharing the stem is no variant.
    fine = names(30)
    players = [*fine, "marcusmorris", "nicclaxton", "jasonsmith"]
    registry = {p: f"{p}_001" for p in fine}
    registry |= {"marcusmorrissr": "m_1", "nicolasclaxton": "n_1", "jasonsmithson": "j_1"}
    data = world(
        players,
        fine,
        lines=fine,
        registry=registry,
        aliases=[("nicclaxton", "nicolasclaxton")],
    )
    warehouse = make_warehouse(data)
    result = judge(profile, warehouse)
    assert result.metrics["missing_by_reason"] == {
        "unresolved_name": ["marcusmorris", "nicclaxton"],
        "not_in_registry": ["jasonsmith"],
    }
    assert result.metrics["unresolved_names"] == {
        "marcusmorris": {"via": "suffix", "related": ["marcusmorrissr"]},
        "nicclaxton": {"via": "alias", "related": ["nicolasclaxton"]},
    }
    # the registry and alias tables are read inside the coverage statement, never fetched
    reference = [s for s in warehouse.stats.sent if "nba_players_registry" in s]
    assert len(reference) == 1 and "player_aliases" in reference[0]
    assert "upcoming_player_game_context" in reference[0]


def test_post_game_target_counts_unfinished_games_as_pending(
    tmp_path: Path, make_warehouse
) -> None:
    profile = custom_profile(tmp_path, lambda data: data["coverage"][0].update(expects="final"))
    games = [("MIL", "NOP", 3), ("BKN", "DEN", 2)]
    players = names(10)  # even -> the final game, odd -> the game in progress
    final = players[0::2]
    result = judge(profile, make_warehouse(world(players, final, games=games)))
    assert result.status is Status.OK
    assert result.metrics["missing_by_reason"] == {"game_not_final": players[1::2]}
    assert result.metrics["expected"] == 5 and result.metrics["pending"] == 5
    assert result.summary == "5 of 5 players (100.0 %), 5 pending"
    assert all(f.severity is Severity.INFO for f in result.findings)


def test_missing_entities_are_listed_capped_with_the_rest_counted(profile, make_warehouse) -> None:
    players = names(40)
    result = judge(profile, make_warehouse(world(players, players[:20])))
    (unknown,) = [f for f in result.findings if f.data.get("reason") == "unknown"]
    assert "player020, player021" in unknown.message and "(+8 more)" in unknown.message
    assert "player039" not in unknown.message
    assert unknown.data["count"] == 20 and unknown.data["more"] == 8
    assert len(result.metrics["missing_by_reason"]["unknown"]) == 20


def test_a_system_far_behind_the_best_is_reported(profile, make_warehouse) -> None:
    players = names(100)
    predicted = {"best": players, "half": players[:49], "most": players[:60]}
    result = judge(profile, make_warehouse(world(players, predicted)))
    assert result.status is Status.WARN
    (lagging,) = [f for f in result.findings if f.data.get("system")]
    assert lagging.data["system"] == "half"
    assert "system half covered 49 players on 2025-12-29, 49.0 % of the best system's 100" in (
        lagging.message
    )
    assert result.metrics["systems"]["most"] == {"entities": 60, "share_of_best_pct": 60.0}


def test_a_system_that_stopped_is_reported(profile, make_warehouse) -> None:
    players = names(20)
    history = {
        DAY - timedelta(days=3): {"s1": 20, "retired_lately": 20},
        DAY - timedelta(days=8): {"retired_long_ago": 20},
    }
    data = world(players, {"s1": players}, history=history)
    result = judge(profile, make_warehouse(data))
    assert result.status is Status.WARN
    (stopped,) = [f for f in result.findings if f.data.get("stopped")]
    assert stopped.data["systems"] == ["retired_lately"]
    assert stopped.message == (
        "stopped: retired_lately produced rows in the 7 days before 2025-12-29 and none on it"
    )
    assert "retired_long_ago" not in result.metrics["systems"]
    assert any("Check why retired_lately produced no rows" in s for s in result.remediation)


def test_everything_stopped_is_one_finding(profile, make_warehouse) -> None:
    players = names(20)
    history = {DAY - timedelta(days=1): {"a": 20, "b": 20, "c": 20}}
    result = judge(profile, make_warehouse(world(players, {}, history=history)))
    assert result.status is Status.FAIL
    (stopped,) = [f for f in result.findings if f.data.get("stopped")]
    assert stopped.data["systems"] == ["a", "b", "c"]
    assert stopped.message.startswith("stopped (every system): a, b, c produced rows")


def test_off_day_is_ok(profile, make_warehouse) -> None:
    players = names(5)
    result = judge(profile, make_warehouse(world(players, players)), day=DAY + timedelta(days=1))
    assert result.status is Status.OK and "off-day" in result.summary


def test_a_warehouse_without_any_game_is_not_an_off_day(profile, make_warehouse) -> None:
    result = judge(profile, make_warehouse({}))
    assert result.status is Status.WARN
    assert result.summary.startswith(f"no games found in nba_raw.nbac_schedule for {DAY} and")
    assert result.summary.endswith("is this the right warehouse?")
    # the day after a game day is an off-day again: the days before hold predictions
    data = world(names(5), names(5))
    assert judge(profile, make_warehouse(data), day=DAY + timedelta(days=1)).status is Status.OK


def test_games_without_expected_entities_cannot_be_measured(profile, make_warehouse) -> None:
    data = world(names(5), names(5))
    data["nba_analytics.upcoming_player_game_context"] = []
    result = judge(profile, make_warehouse(data))
    assert result.status is Status.WARN
    assert "coverage cannot be measured" in result.summary


def test_same_queries_for_one_day_or_a_month(profile, make_warehouse) -> None:
    players = names(10)
    warehouse = make_warehouse(world(players, players))
    counts = []
    for start in (DAY, DAY - timedelta(days=30)):
        before = warehouse.stats.queries
        result = judge(profile, warehouse, start=start)
        counts.append(warehouse.stats.queries - before)
        assert result.status is Status.OK
    # the coverage statement (context, predictions and their systems, lines, registry and
    # aliases joined in the warehouse), plus one statement for the schedule and the game
    # presence of the critical tables of the target's phase and the phases it reads
    # (completeness's own, shared in a daily run: 5 tables in the shipped lineage)
    assert counts[0] == counts[1] == 2


def test_a_filter_with_or_stays_inside_the_date_range(tmp_path: Path, make_warehouse) -> None:
    def change(data: dict) -> None:
        data["coverage"][0]["target"]["filter"] = "is_active OR system_id = 'legacy'"

    profile = custom_profile(tmp_path, change)
    players = names(4)
    rows = world(players, players[:2])
    # A later date's rows that the OR would let in if it escaped the date range.
    later = DAY + timedelta(days=400)
    rows["nba_predictions.player_prop_predictions"] += [
        {"game_date": later, "player_lookup": p, "system_id": "legacy", "is_active": False}
        for p in players
    ]
    warehouse = make_warehouse(rows)
    query = coverage_queries(profile, profile.coverage[0], DAY, DAY).coverage
    rows = warehouse.query(query.sql, query.bound()).rows
    assert {row["day"] for row in rows if row["groups"]} == {DAY}
    assert judge(profile, warehouse).metrics["covered"] == 2


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda d: d["coverage"][0]["diagnostics"].update(linez={}), "linez: unknown key"),
        (
            lambda d: d["coverage"][0]["diagnostics"]["aliases"].update(alias="a; DROP"),
            "not a plain name",
        ),
        (lambda d: d["coverage"][0]["diagnostics"].update(suffixes=["Jr."]), "name suffix"),
        (lambda d: d["coverage"][0].update(expects="live"), "expects"),
        (lambda d: d["coverage"][0].update(warn_below=80, fail_below=90), "fail_below"),
        (lambda d: d["thresholds"]["coverage"].update(system_parity_pct=150), "system_parity"),
        (lambda d: d["coverage"].append(dict(d["coverage"][0])), "coverage names must be unique"),
        (lambda d: d["thresholds"]["hygiene"].update(staging_prefix=""), "staging_prefix"),
    ],
)
def test_bad_coverage_sections_are_one_line_naming_the_key(
    tmp_path: Path, change: Callable[[dict], Any], named: str
) -> None:
    with pytest.raises(ConfigError) as err:
        custom_profile(tmp_path, change)
    assert named in str(err.value) and "\n" not in str(err.value)


def _reason_world() -> dict[str, list[dict[str, Any]]]:
    """30 covered players, one uncovered per reason, two systems (s2 covering 10)."""
    fine = names(30)
    players = [*fine, "herbjones", "kevinporterjr", "alexsarr", "benchguy", "lostguy"]
    registry = {p: f"{p}_001" for p in fine}
    registry |= {"herbjones": "h_1", "kevinporter": "kp_1", "benchguy": "b_1", "lostguy": "l_1"}
    lines = [*fine, "herbertjones", "kevinporter", "alexsarr", "lostguy"]
    return world(
        players,
        {"s1": fine, "s2": fine[:10]},
        lines=lines,
        registry=registry,
        aliases=[("herbjones", "herbertjones")],
    )


ALL_REASONS = {
    "unresolved_name": ["herbjones", "kevinporterjr"],
    "not_in_registry": ["alexsarr"],
    "no_line": ["benchguy"],
    "unknown": ["lostguy"],
}


@pytest.mark.parametrize(
    ("dropped", "reasons"),
    [
        ((), ALL_REASONS),
        (("group_by",), ALL_REASONS),
        # herbjones' alias partner is only in the lines; no `no_line` without lines
        (
            ("lines",),
            {
                "unresolved_name": ["kevinporterjr"],
                "not_in_registry": ["alexsarr"],
                "unknown": ["benchguy", "herbjones", "lostguy"],
            },
        ),
        (
            ("registry",),
            {
                "unresolved_name": ["herbjones", "kevinporterjr"],
                "no_line": ["benchguy"],
                "unknown": ["alexsarr", "lostguy"],
            },
        ),
        (
            ("aliases",),
            {
                "unresolved_name": ["kevinporterjr"],
                "not_in_registry": ["alexsarr"],
                "no_line": ["benchguy", "herbjones"],
                "unknown": ["lostguy"],
            },
        ),
        (
            ("group_by", "lines", "registry", "aliases"),
            {"unknown": ["alexsarr", "benchguy", "herbjones", "kevinporterjr", "lostguy"]},
        ),
    ],
)
def test_a_pair_without_groups_or_diagnostic_tables(
    tmp_path: Path, make_warehouse, dropped: tuple[str, ...], reasons: dict[str, list[str]]
) -> None:
    """Each part the profile leaves out is an empty relation in the one statement (`_without`):
    the counts stay, and the reasons use only the evidence that is configured."""

    def change(data: dict) -> None:
        pair = data["coverage"][0]
        for key in dropped:
            (pair["target"] if key == "group_by" else pair["diagnostics"]).pop(key)

    profile = custom_profile(tmp_path, change)
    result = judge(profile, make_warehouse(_reason_world()))
    assert result.summary == "30 of 35 players (85.7 %)"
    assert result.metrics["missing_by_reason"] == reasons
    systems = {"s1": 30, "s2": 10} if "group_by" not in dropped else {}
    assert {name: s["entities"] for name, s in result.metrics["systems"].items()} == systems
