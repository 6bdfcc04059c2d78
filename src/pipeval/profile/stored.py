"""The validated profile kept on disk between runs, so a warm run neither parses YAML nor imports
pydantic (together about 0.1 s of every command).

One JSON file per profile text, in the SQL cache's directory (`sqlcache.cache_root()/profile/`).
Its name hashes everything the validated profile depends on: pipeval's version and code
(`sqlcache.code_fingerprint`), the profile's own text and, for a profile file, the shipped
profiles it may extend. The file holds each model's class name and field values; reading it
back constructs the same data classes without validating again (they were validated when the
file was written), so neither their checks nor pydantic run. JSON, not pickle: a file written by
anything else is data, never code. A file that is unreadable, corrupt or names a class the code
no longer has is ignored and rebuilt; it is written (atomically) only when the command
completes, like the SQL cache.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from pipeval import __version__, sqlcache
from pipeval.profile import declarative, model
from pipeval.profile.constraints import Strict
from pipeval.profile.model import Profile

FORMAT = 2  # 2: data classes, no set fields (1: pydantic models)
_MODEL, _DICT = "$model", "$dict"


def _classes() -> dict[str, type[Strict]]:
    found: dict[str, type[Strict]] = {}
    for module in (model, declarative):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Strict) and value is not Strict:
                found[value.__name__] = value
    return found


CLASSES = _classes()


def cache_path(texts: list[str]) -> Path:
    """The file of a profile made of these texts (its own, then any shipped one it may extend)."""
    digest = hashlib.sha256(
        json.dumps([FORMAT, __version__, sqlcache.code_fingerprint(), texts]).encode(
            "utf-8", "surrogatepass"
        )
    ).hexdigest()[:32]
    return sqlcache.cache_root() / "profile" / f"profile-{__version__}-{digest}.json"


def encode(value: Any) -> Any:
    """A model as its class and field values; dicts tagged so they stay dicts."""
    if isinstance(value, Strict):
        cls = type(value)
        if CLASSES.get(cls.__name__) is not cls:
            raise TypeError(f"not a profile model: {cls.__name__}")
        fields = {name: encode(getattr(value, name)) for name in _field_names(cls)}
        return {_MODEL: cls.__name__, "fields": fields}
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise TypeError("a mapping with keys that are not text")
        return {_DICT: {key: encode(item) for key, item in value.items()}}
    if value is None or isinstance(value, str | int | float):  # bool is an int
        return value
    raise TypeError(f"cannot keep a {type(value).__name__}")


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(item) for item in value]
    if isinstance(value, dict):
        if _DICT in value:
            return {key: decode(item) for key, item in value[_DICT].items()}
        cls = CLASSES[value[_MODEL]]
        fields = {name: decode(item) for name, item in value["fields"].items()}
        if set(fields) != _field_names(cls):
            raise ValueError(f"{cls.__name__}: fields differ from the code's")
        # What `__init__` would store, without it: the values were validated and checked
        # (`__post_init__`) before they were kept, and a frozen class refuses `setattr`.
        made = object.__new__(cls)
        made.__dict__.update(fields)
        return made
    return value


@functools.cache
def _field_names(cls: type) -> frozenset[str]:
    return frozenset(field.name for field in dataclasses.fields(cls))


def read(path: Path) -> tuple[Profile, str] | None:
    """The profile and its `sqlcache.profile_hash`, or None when the file is absent or bad."""
    try:
        document = json.loads(path.read_text("utf-8"))
        if document["format"] != FORMAT:
            return None
        profile = decode(document["profile"])
        hashed = document["profile_hash"]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    if not isinstance(profile, Profile) or not isinstance(hashed, str):
        return None
    return profile, hashed


def keep(path: Path, profile: Profile, hashed: str) -> None:
    """Write the validated profile when the command completes (`sqlcache.save`)."""
    try:
        document = {"format": FORMAT, "profile": encode(profile), "profile_hash": hashed}
    except TypeError:
        return  # a value JSON cannot hold: validate it again next run
    sqlcache.keep(path, document)
