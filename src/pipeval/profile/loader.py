"""Find, parse and validate a profile; every problem becomes one ConfigError line."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from pipeval import sqlcache
from pipeval.clock import zone
from pipeval.errors import ConfigError, PipevalError, first_line
from pipeval.files import LIMITS, read_text
from pipeval.profile.model import Profile

SHIPPED = ("nba-props",)


def _shipped_text(name: str) -> str:
    return resources.files("pipeval.profile").joinpath(f"{name}.yaml").read_text("utf-8")


MAX_YAML_DEPTH = 64


class _ProfileLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (YAML keeps the last one
    silently) and nesting deeper than MAX_YAML_DEPTH (the composer recurses per level)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"nested deeper than {MAX_YAML_DEPTH} levels",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str | int | float | bool):
                continue  # an unhashable key is refused by the mapping itself
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _read_yaml(text: str, source: str) -> dict[str, Any]:
    try:
        data = yaml.load(text, Loader=_ProfileLoader)  # a SafeLoader subclass
    except RecursionError:
        raise ConfigError(f"profile {source}: malformed YAML: nested too deeply") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or first_line(str(err))
        raise ConfigError(f"profile {source}:{where} malformed YAML: {problem}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"profile {source}: expected a mapping of keys at the top level")
    return data


def _read_file(path: Path) -> str:
    return read_text(path, "profile", kind="YAML file", limit=LIMITS["profile"])


def _describe(err: ValidationError, source: str) -> str:
    first = err.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "(top level)"
    if first["type"] == "extra_forbidden":
        return f"profile {source}: {key}: unknown key"
    if first["type"] == "missing":
        return f"profile {source}: {key}: required key is missing"
    message = first["msg"].removeprefix("Value error, ")
    return f"profile {source}: {key}: {message}"


def _resolve(name_or_path: str) -> tuple[dict[str, Any], str, Path | None]:
    if name_or_path in SHIPPED:
        return _read_yaml(_shipped_text(name_or_path), name_or_path), name_or_path, None
    path = Path(name_or_path)
    if path.suffix not in {".yaml", ".yml"} and not path.exists():
        raise ConfigError(
            f"unknown profile {name_or_path!r}: use one of {', '.join(SHIPPED)} or a YAML file path"
        )
    data = _read_yaml(_read_file(path), str(path))
    base = data.pop("extends", None)
    if base is not None:
        if base not in SHIPPED:
            raise ConfigError(f"profile {path}: extends: unknown shipped profile {base!r}")
        data = _extend(_read_yaml(_shipped_text(base), base), data)
    return data, str(path), path.resolve().parent


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
    data, source, base_dir = _resolve(name_or_path)
    sqlcache.activate(data)  # this profile's rendered SQL and vetted expressions, if cached
    try:
        profile = Profile.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_describe(err, source)) from None
    except PipevalError as err:
        raise ConfigError(f"profile {source}: {err}") from None
    try:
        zone(profile.timezone)  # checked now, not at the first date computation
    except ConfigError:
        raise ConfigError(
            f"profile {source}: timezone: {profile.timezone!r} is not an IANA timezone name"
        ) from None
    profile._base_dir = base_dir
    profile._source = source
    return profile
