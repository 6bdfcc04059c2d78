"""Find, parse and validate a profile; every problem becomes one ConfigError line.

A profile validated by an earlier completed run is read back from pipeval's cache
(`profile/stored.py`): a warm run imports neither YAML nor pydantic.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeval import sqlcache
from pipeval.clock import zone
from pipeval.errors import ConfigError, PipevalError
from pipeval.files import LIMITS, read_text
from pipeval.profile import stored
from pipeval.profile.model import Profile

if TYPE_CHECKING:
    from pydantic import ValidationError

SHIPPED = ("nba-props",)


def _shipped_text(name: str) -> str:
    # beside this module (not importlib.resources, whose import alone costs ~3 ms a run)
    return (Path(__file__).parent / f"{name}.yaml").read_text("utf-8")


def _read_yaml(text: str, source: str) -> dict[str, Any]:
    from pipeval.profile.yaml_read import read_yaml  # PyYAML: only when nothing is cached

    return read_yaml(text, source)


def _read_file(path: Path) -> str:
    return read_text(path, "profile", kind="YAML file", limit=LIMITS["profile"])


def _describe(err: ValidationError, source: str) -> str:
    first = err.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "(top level)"
    # pydantic names an unknown key of a data class an unexpected keyword argument
    if first["type"] in ("extra_forbidden", "unexpected_keyword_argument"):
        return f"profile {source}: {key}: unknown key"
    if first["type"] == "missing":
        return f"profile {source}: {key}: required key is missing"
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "dataclass_type":  # in the words pydantic has for a model
        expected = first.get("ctx", {}).get("class_name", "")
        message = f"Input should be a valid dictionary or instance of {expected}"
    return f"profile {source}: {key}: {message}"


def _text(name_or_path: str) -> tuple[str, str, Path | None]:
    """The profile's text, the name messages give it, and the folder its paths start from."""
    if name_or_path in SHIPPED:
        return _shipped_text(name_or_path), name_or_path, None
    path = Path(name_or_path)
    if path.suffix not in {".yaml", ".yml"} and not path.exists():
        raise ConfigError(
            f"unknown profile {name_or_path!r}: use one of {', '.join(SHIPPED)} or a YAML file path"
        )
    return _read_file(path), str(path), path.resolve().parent


def _data(text: str, source: str, shipped: bool) -> dict[str, Any]:
    """The profile's data: a file's keys on top of the shipped profile it extends."""
    data = _read_yaml(text, source)
    if shipped:
        return data
    base = data.pop("extends", None)
    if base is not None:
        if base not in SHIPPED:
            raise ConfigError(f"profile {source}: extends: unknown shipped profile {base!r}")
        data = _extend(_read_yaml(_shipped_text(base), base), data)
    return data


# Lists of named items that merge by their key on `extends` (the rest replace whole sections).
MERGED_BY_KEY = {"checks": "id", "services": "name"}


def _extend(base: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """The base profile with the extending one's keys on top. `checks` merge by id and
    `services` by name: a profile adds items, or replaces one of the base's by repeating its
    key, without copying the rest."""
    merged = {**base, **own}
    for section, key in MERGED_BY_KEY.items():
        base_items, own_items = base.get(section), own.get(section)
        if isinstance(base_items, list) and isinstance(own_items, list):
            by_key: dict[object, Any] = {}
            for index, item in enumerate([*base_items, *own_items]):
                by_key[item.get(key, index) if isinstance(item, dict) else index] = item
            merged[section] = list(by_key.values())
    return merged


def load_profile(name_or_path: str = "nba-props") -> Profile:
    text, source, base_dir = _text(name_or_path)
    # A file may extend a shipped profile: their texts are part of what it means.
    texts = [text] if base_dir is None else [text, *map(_shipped_text, SHIPPED)]
    kept = stored.cache_path(texts)
    found = stored.read(kept)
    if found is not None:
        profile, hashed = found
    else:
        profile, hashed = _validate(text, source, base_dir is None)
    # this profile's rendered SQL and vetted expressions, if cached
    sqlcache.activate_hash(hashed)
    try:
        zone(profile.timezone)  # checked now, not at the first date computation
    except ConfigError:
        raise ConfigError(
            f"profile {source}: timezone: {profile.timezone!r} is not an IANA timezone name"
        ) from None
    if found is None:
        stored.keep(kept, profile, hashed)
    profile.located(base_dir, source)
    return profile


def _validate(text: str, source: str, shipped: bool) -> tuple[Profile, str]:
    """The profile validated from its YAML, and the hash of its data (`sqlcache.profile_hash`)."""
    from pydantic import ValidationError

    from pipeval.profile.validation import validate

    data = _data(text, source, shipped)
    hashed = sqlcache.profile_hash(data)
    # Vetting expressions reads and fills this profile's SQL cache.
    sqlcache.activate_hash(hashed)
    try:
        return validate(Profile, data), hashed
    except ValidationError as err:
        raise ConfigError(_describe(err, source)) from None
    except PipevalError as err:
        raise ConfigError(f"profile {source}: {err}") from None
