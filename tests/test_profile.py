"""Profile loading: shipped profile, extends, and one clear line for every mistake."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from pipeval.errors import ConfigError
from pipeval.profile import load_profile
from pipeval.profile.loader import _shipped_text
from pipeval.profile.model import ScheduleSpec


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
    # The messages pydantic gives for models, word for word, from the data classes the models
    # are (profile/validation.py): nested unknown keys, strict numbers, a section that is not a
    # mapping, a check across fields, limits inside a dict, a rewrite before validation.
    (
        _mutate(lambda d: d["thresholds"]["quota"].update(nope=1)),
        "p.yaml: thresholds.quota.nope: unknown key",
    ),
    (
        _mutate(lambda d: d["thresholds"]["quota"].update(table_operations_limit="1500")),
        "thresholds.quota.table_operations_limit: Input should be a valid integer",
    ),
    (
        _mutate(lambda d: d["thresholds"]["quota"].update(table_operations_limit=1500.0)),
        "thresholds.quota.table_operations_limit: Input should be a valid integer",
    ),
    (
        _mutate(lambda d: d.update(warehouse=["us"])),
        "warehouse: Input should be a valid dictionary or instance of WarehouseSettings",
    ),
    (
        _mutate(lambda d: d["thresholds"]["quota"].update(warn_pct=99)),
        "thresholds.quota: warn_pct must not be above fail_pct",
    ),
    (
        _mutate(lambda d: d.update(historical={"cascade_windows": {"L5": 0}})),
        "historical.cascade_windows.L5: Input should be greater than 0",
    ),
    (
        _mutate(lambda d: d.update(warehouse={"region": "us", "regions": ["eu"]})),
        "warehouse: give regions (a list) or region (one name), not both",
    ),
    (
        _mutate(lambda d: d["services"][0].update(deploy="")),
        "services.0.deploy: String should have at least 1 character",
    ),
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


def test_a_profile_is_read_into_frozen_models(tmp_path: Path) -> None:
    """Mappings become the models (data classes), frozen; `region: x` reads as `regions: [x]`."""
    path = _write(tmp_path, _mutate(lambda d: d.update(warehouse={"region": "us-west2"})))
    profile = load_profile(path)
    assert profile.warehouse.regions == ["us-west2"]
    assert type(profile.thresholds.quota).__name__ == "QuotaThresholds"
    with pytest.raises(AttributeError):
        profile.name = "other"  # type: ignore[misc]


def test_models_behave_as_frozen_keyword_only_data_classes() -> None:
    """The methods profile/constraints.py writes once for every model: what
    `dataclass(frozen=True, kw_only=True)` would generate, `__post_init__` included."""
    from pipeval.profile.declarative import Bounds
    from pipeval.profile.model import QuotaThresholds, WarehouseSettings

    settings = WarehouseSettings(regions=["eu"])
    assert settings.regions == ["eu"] and settings.query_timeout_s == 120  # defaults filled
    assert WarehouseSettings().regions == ["us"]  # a fresh list from the factory
    assert WarehouseSettings().regions is not WarehouseSettings().regions
    assert settings == WarehouseSettings(regions=["eu"]) and settings != WarehouseSettings()
    assert repr(Bounds(below=1.0)) == "Bounds(below=1.0, above=None)"
    assert hash(Bounds(below=1.0)) == hash(Bounds(below=1.0))
    assert dataclasses.replace(settings, regions=["us"]).regions == ["us"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.regions = ["us"]  # type: ignore[misc]
    with pytest.raises(TypeError, match="missing keyword argument 'table'"):
        ScheduleSpec(game_key="game_id")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument 'region'"):
        WarehouseSettings(region="eu")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="lists a region twice"):  # __post_init__
        WarehouseSettings(regions=["eu", "EU"])
    with pytest.raises(ValueError, match="warn_pct must not be above fail_pct"):
        QuotaThresholds(warn_pct=99)
    with pytest.raises(ValueError, match="needs `below` and/or `above`"):
        Bounds()
