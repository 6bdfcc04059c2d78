"""The validated profile kept between runs (profile/stored.py): read back, it is the very profile
validation gives; an edited, damaged or foreign file is validated again, never trusted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from pipeval import sqlcache
from pipeval.errors import ConfigError
from pipeval.profile import Profile, load_profile, loader, stored
from pipeval.profile.constraints import Strict

# A file extending the shipped profile: a replaced section, an aliased key (`schema`), a
# declarative check with a bounds threshold, and a dict of models (`lineage`).
EXTENDING = """\
extends: nba-props
name: mine
timezone: Europe/Paris
thresholds:
  coverage:
    warn_below: 90
    fail_below: 80
schema:
  - table: nba_raw.nbac_schedule
    ddl: schemas/schedule.sql
checks:
  - id: mine.rows
    table: nba_raw.nbac_schedule
    kind: row_count
    warn: {below: 1, above: 100000}
"""


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("PIPEVAL_CACHE_DIR", str(tmp_path / "cache"))
    sqlcache._pending.clear()
    yield tmp_path / "cache"
    sqlcache._pending.clear()


def kept_files(cache: Path) -> list[Path]:
    folder = cache / "profile"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def assert_same(read: Any, validated: Any, where: str = "profile") -> None:
    """Same types and values all the way down (== alone takes 1 for 1.0), and the same attributes
    beside the fields (the profile's file and name)."""
    assert type(read) is type(validated), where
    if isinstance(validated, Strict):
        assert vars(read).keys() == vars(validated).keys(), where
        for name in vars(validated):
            assert_same(getattr(read, name), getattr(validated, name), f"{where}.{name}")
    elif isinstance(validated, list):
        assert len(read) == len(validated), where
        for index, (mine, theirs) in enumerate(zip(read, validated, strict=True)):
            assert_same(mine, theirs, f"{where}[{index}]")
    elif isinstance(validated, dict):
        assert list(read) == list(validated), where
        for key in validated:
            assert_same(read[key], validated[key], f"{where}.{key}")
    else:
        assert read == validated, where


def no_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("validated again instead of read back")

    monkeypatch.setattr(loader, "_validate", refuse)


@pytest.mark.parametrize("source", ["shipped", "file"])
def test_a_profile_read_back_is_the_validated_one(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    name = "nba-props"
    if source == "file":
        path = tmp_path / "mine.yaml"
        path.write_text(EXTENDING, "utf-8")
        name = str(path)
    validated = load_profile(name)
    assert kept_files(cache) == []  # nothing is written before the command completes
    sqlcache.save()
    (kept,) = kept_files(cache)
    with monkeypatch.context() as patched:
        no_validation(patched)
        read = load_profile(name)
    assert read == validated
    assert_same(read, validated)
    assert read.base_dir == validated.base_dir and read.source == validated.source
    # The SQL cache the run uses is the one a validating run uses.
    assert sqlcache.active().path == sqlcache.cache_root() / "sql" / (
        f"sql-{sqlcache.__version__}-{sqlcache.code_fingerprint()}-"
        f"{sqlcache.profile_hash(loader._data(loader._text(name)[0], name, source == 'shipped'))}"
        ".json"
    )
    assert json.loads(kept.read_text("utf-8"))["format"] == stored.FORMAT


def test_an_edited_profile_is_validated_again(cache: Path, tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(EXTENDING, "utf-8")
    load_profile(str(path))
    sqlcache.save()
    path.write_text(EXTENDING.replace("warn_below: 90", "warn_below: 70"), "utf-8")
    with pytest.raises(ConfigError, match="fail_below must not be above warn_below"):
        load_profile(str(path))


def test_a_profile_that_fails_late_is_not_kept(cache: Path, tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("extends: nba-props\nname: mine\ntimezone: Mars/Olympus\n", "utf-8")
    with pytest.raises(ConfigError, match="is not an IANA timezone name"):
        load_profile(str(path))
    sqlcache.save()
    assert kept_files(cache) == []


def _unknown_class(document: dict[str, Any]) -> None:
    document["profile"]["$model"] = "Gone"


def _missing_field(document: dict[str, Any]) -> None:
    del document["profile"]["fields"]["timezone"]


def _other_format(document: dict[str, Any]) -> None:
    document["format"] = 999


def _not_a_profile(document: dict[str, Any]) -> None:
    document["profile"] = document["profile"]["fields"]["historical"]


@pytest.mark.parametrize(
    "damage", [_unknown_class, _missing_field, _other_format, _not_a_profile, None]
)
def test_a_bad_profile_file_is_validated_again(cache: Path, damage: Any) -> None:
    validated = load_profile("nba-props")
    sqlcache.save()
    (kept,) = kept_files(cache)
    if damage is None:
        kept.write_text("not json {", "utf-8")
    else:
        document = json.loads(kept.read_text("utf-8"))
        damage(document)
        kept.write_text(json.dumps(document), "utf-8")
    again = load_profile("nba-props")
    assert_same(again, validated)
    sqlcache.save()  # rewritten whole
    assert kept_files(cache) == [kept]
    with pytest.MonkeyPatch.context() as patched:
        no_validation(patched)
        assert_same(load_profile("nba-props"), validated)


def test_sql_cache_keys_of_models_are_their_json_dump(profile: Profile) -> None:
    """`cached_sql` keys a model by its field values without pydantic: the same values pydantic's
    JSON dump gives, for every model of the shipped profile."""
    seen = 0

    def walk(value: Any) -> None:
        nonlocal seen
        if isinstance(value, Strict):
            assert sqlcache._arg(value) == TypeAdapter(type(value)).dump_python(value, mode="json")
            seen += 1
            for name in vars(value):
                walk(getattr(value, name))
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)

    walk(profile)
    assert seen > 50


def test_the_code_fingerprint_follows_every_module(tmp_path: Path) -> None:
    """An edited, added or removed module anywhere in the package changes the fingerprint that
    names the cache files; other files do not."""
    root = tmp_path / "package"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "a.py").write_text("A = 1\n", "utf-8")
    (root / "sub" / "deeper" / "b.py").write_text("B = 1\n", "utf-8")
    (root / "notes.txt").write_text("not code\n", "utf-8")
    first = sqlcache.fingerprint(root)
    assert sqlcache.fingerprint(root) == first
    (root / "notes.txt").write_text("still not code, longer\n", "utf-8")
    assert sqlcache.fingerprint(root) == first
    seen = {first}
    (root / "sub" / "deeper" / "b.py").write_text("B = 22\n", "utf-8")  # edited, deep down
    seen.add(sqlcache.fingerprint(root))
    (root / "sub" / "c.py").write_text("", "utf-8")  # added
    seen.add(sqlcache.fingerprint(root))
    (root / "a.py").unlink()  # removed
    seen.add(sqlcache.fingerprint(root))
    assert len(seen) == 4
