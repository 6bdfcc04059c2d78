"""A profile's YAML text to data: PyYAML's safe loader, stricter (profile/loader.py calls it only
when no validated copy of the profile is cached)."""

from __future__ import annotations

from typing import Any

import yaml

from pipeval.errors import ConfigError, first_line

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


def read_yaml(text: str, source: str) -> dict[str, Any]:
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
