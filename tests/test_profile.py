"""Profile loading: shipped profile, extends, and one clear line for every mistake."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeval.errors import ConfigError
from pipeval.profile import load_profile
from pipeval.profile.loader import _shipped_text


def test_shipped_profile_matches_the_data_contract() -> None:
    profile = load_profile("nba-props")
    tables = {t.table for phase in profile.phases for t in phase.tables}
    tables |= {ref.table for ref in profile.reference.values()}
    assert tables == {
        "nba_raw.nbac_schedule",
        "nba_raw.nbac_gamebook_player_stats",
        "nba_raw.odds_api_player_points_props",
        "nba_analytics.player_game_summary",
        "nba_analytics.upcoming_player_game_context",
        "nba_predictions.ml_feature_store_v2",
        "nba_predictions.player_prop_predictions",
        "nba_reference.nba_players_registry",
        "nba_reference.player_aliases",
        "nba_reference.processor_run_history",
    }
    critical = {t.table: t.critical for phase in profile.phases for t in phase.tables}
    assert critical["nba_raw.odds_api_player_points_props"] is False
    assert profile.thresholds.quota.table_operations_limit == 1500
    assert profile.orchestration[0].modes["overnight"].critical == [
        "player_game_summary",
        "upcoming_player_game_context",
    ]


def _write(tmp_path: Path, data: object) -> str:
    path = tmp_path / "p.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), "utf-8")
    return str(path)


def _shipped() -> dict:
    return yaml.safe_load(_shipped_text("nba-props"))


def _mutate(change):
    data = _shipped()
    change(data)
    return data


CASES = [
    ("name: [unclosed", "malformed YAML"),
    ("- a list\n- at top\n", "mapping"),
    (_mutate(lambda d: d.update(unknown_key=1)), "unknown_key: unknown key"),
    (_mutate(lambda d: d.pop("schedule")), "schedule: required key is missing"),
    (_mutate(lambda d: d["thresholds"]["quota"].update(warn_pct="eighty")), "warn_pct"),
    (_mutate(lambda d: d["phases"][0]["tables"][0].update(critical="yes")), "critical"),
    (
        _mutate(lambda d: d["phases"][0]["tables"][0].update(table="nba_raw.x; DROP TABLE y")),
        "not a plain name",
    ),
    (_mutate(lambda d: d["phases"][0]["tables"][0].update(table="`nba_raw.x`")), "plain name"),
    (_mutate(lambda d: d["schedule"].update(game_key="(SELECT 1)")), "scalar expression"),
    (_mutate(lambda d: d["schedule"].update(game_key="game_id -- x")), "comments"),
    (_mutate(lambda d: d["orchestration"][0].update(due="25:00")), "HH:MM"),
    (_mutate(lambda d: d["orchestration"][0].update(downstream_phase="phase9")), "phase9"),
    (_mutate(lambda d: d["thresholds"]["coverage"].update(warn_below=120)), "warn_below"),
]


@pytest.mark.parametrize(("content", "expected"), CASES)
def test_bad_profiles_give_one_line_naming_the_key(tmp_path: Path, content, expected: str) -> None:
    path = _write(tmp_path, content)
    with pytest.raises(ConfigError) as err:
        load_profile(path)
    message = str(err.value)
    assert expected in message
    assert "\n" not in message and path in message


def test_unknown_profile_name() -> None:
    with pytest.raises(ConfigError, match="unknown profile"):
        load_profile("no-such-profile")


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_profile(str(tmp_path / "missing.yaml"))
    with pytest.raises(ConfigError, match="directory"):
        load_profile(str(tmp_path))


def test_extends_overrides_top_level_sections(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        {
            "extends": "nba-props",
            "name": "mine",
            "thresholds": {"coverage": {"warn_below": 90, "fail_below": 80}},
        },
    )
    profile = load_profile(path)
    assert profile.name == "mine"
    assert profile.thresholds.coverage.warn_below == 90
    assert profile.thresholds.quota.table_operations_limit == 1500  # section default
    assert profile.base_dir == tmp_path.resolve()
