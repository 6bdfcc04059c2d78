"""The SQL a profile produces, kept on disk between runs: rendered check SQL, its DuckDB
transpilation, and the profile expressions already vetted.

Producing that SQL needs sqlglot (importing it alone costs about 0.1 s, the DuckDB generator
more); the text depends only on the profile, the pipeval version and pipeval's own code, so a
second run reads it back and never imports sqlglot. One JSON file per pipeval version and
profile hash, in `$PIPEVAL_CACHE_DIR/sql/` (else `$XDG_CACHE_HOME/pipeval/sql/`, else
`~/.cache/pipeval/sql/`); delete the directory to clear it. A file that is unreadable, corrupt,
or written by other code is ignored and rebuilt; files are written atomically (temp + rename).
The cache is an optimisation: any failure to read or write it is silent, and only a command
that completed writes it (bad input leaves nothing behind).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
from collections.abc import Callable
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, TypeVar

from pipeval import __version__

FORMAT = 1
PACKAGE = Path(__file__).resolve().parent
F = TypeVar("F", bound=Callable[..., str])


def cache_root() -> Path:
    """pipeval's cache directory (the sample and the SQL cache live under it)."""
    explicit = os.environ.get("PIPEVAL_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "pipeval"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Size and mtime of every module of the package: edited code never reads stale SQL (or a
    stale validated profile, `pipeval.profile.stored`)."""
    return fingerprint(PACKAGE)


def fingerprint(root: Path) -> str:
    """Of the `.py` files under `root`. os.walk + os.stat, not Path.rglob: this runs at every
    start, and rglob took ~8 ms for pipeval's ~160 modules."""
    found: list[tuple[str, int, int]] = []
    for folder, _, names in os.walk(root):
        relative = os.path.relpath(folder, root).replace(os.sep, "/")
        for name in names:
            if name.endswith(".py"):
                stat = os.stat(os.path.join(folder, name))
                found.append((f"{relative}/{name}", stat.st_size, stat.st_mtime_ns))
    digest = hashlib.sha256(__version__.encode())
    for path, size, mtime in sorted(found):
        digest.update(f"{path}:{size}:{mtime}".encode())
    return digest.hexdigest()[:16]


class SqlCache:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, str] = {}
        self.dirty = False
        if path is not None:
            self.entries = _read(path)

    def get(self, key: str) -> str | None:
        return self.entries.get(key)

    def put(self, key: str, value: str) -> None:
        if self.entries.get(key) != value:
            self.entries[key] = value
            self.dirty = True

    def save(self) -> None:
        if not self.dirty or self.path is None:
            return
        self.dirty = False
        write_json(self.path, {"format": FORMAT, "entries": self.entries})


def write_json(path: Path, document: Any) -> None:
    """Write one cache file atomically (temp + rename); a failure is silent."""
    import tempfile  # only when something is written (~2 ms of imports a warm run skips)

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=".sql-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(document, stream)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except (OSError, TypeError, ValueError):
        pass  # a read-only or full disk costs the next run its speed, nothing else


def _read(path: Path) -> dict[str, str]:
    try:
        document = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    entries = document.get("entries") if isinstance(document, dict) else None
    if document.get("format") != FORMAT or not isinstance(entries, dict):  # type: ignore[union-attr]
        return {}
    return {k: v for k, v in entries.items() if isinstance(k, str) and isinstance(v, str)}


# The cache of the profile being used; a process without a loaded profile caches in memory only.
_active = SqlCache(None)
# Other cache files this run produced (path -> JSON document), written by `save` with the SQL.
_pending: dict[Path, Any] = {}


def profile_hash(profile_data: Any) -> str:
    """The hash that names a profile's cache file: of its merged YAML data."""
    text = json.dumps(profile_data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def activate(profile_data: Any) -> None:
    """Use the cache file of this profile (its merged YAML data) from now on."""
    activate_hash(profile_hash(profile_data))


def activate_hash(hashed: str) -> None:
    """`activate` for a profile whose `profile_hash` is known (a validated profile read back)."""
    global _active
    name = f"sql-{__version__}-{code_fingerprint()}-{hashed}.json"
    _active = SqlCache(cache_root() / "sql" / name)


def active() -> SqlCache:
    return _active


def keep(path: Path, document: Any) -> None:
    """Write `document` to `path` when the run completes (`save`), never before."""
    _pending[path] = document


def save() -> None:
    """Write what this run added. The CLI calls it once a command has completed (exit 0, 1 or
    2): a run stopped by bad input writes nothing anywhere, the cache included."""
    _active.save()
    while _pending:
        path, document = _pending.popitem()
        write_json(path, document)


def cached(kind: str, key: str, compute: Callable[[], str]) -> str:
    full = f"{kind}\x1f{key}"
    found = _active.get(full)
    if found is None:
        found = compute()
        _active.put(full, found)
    return found


def _per_arguments(
    function: Callable[..., Any], stored: Callable[[str, str, Callable[[], Any]], Any]
) -> Callable[..., Any]:
    """`function` memoised in this process by its arguments (hashable ones skip the JSON key)
    over `stored(kind, key, compute)`, the disk layer of one result type."""
    name = f"{function.__module__}.{function.__qualname__}"
    memory: dict[str, Any] = {}
    by_args: dict[tuple[Any, ...], Any] = {}

    def wrapper(*args: Any) -> Any:
        with contextlib.suppress(KeyError, TypeError):
            return by_args[args]
        key = json.dumps([_arg(a) for a in args])
        if key not in memory:
            memory[key] = stored(name, key, lambda: function(*args))
        with contextlib.suppress(TypeError):  # a model holding lists is not hashable
            by_args[args] = memory[key]
        return memory[key]

    wrapper.__wrapped__ = function  # type: ignore[attr-defined]
    return wrapper


def cached_sql(function: F) -> F:
    """Cache a function of profile values (strings, numbers, frozen profile models) that
    returns SQL text: in memory for this process, on disk for the next."""
    return _per_arguments(function, cached)  # type: ignore[return-value]


def _cached_data(kind: str, key: str, compute: Callable[[], Any]) -> Any:
    """`cached` for JSON data: kept as its JSON text; a value JSON cannot hold stays in memory."""
    full = f"{kind}\x1f{key}"
    found = _active.get(full)
    if found is not None:
        return json.loads(found)
    value = compute()
    with contextlib.suppress(TypeError, ValueError):
        _active.put(full, json.dumps(value))
    return value


def cached_json(function: Callable[..., Any]) -> Callable[..., Any]:
    """`cached_sql` for a function whose result is JSON data (e.g. SQL plus its parameters);
    tuples come back as lists. A result JSON cannot hold is computed again next run."""
    return _per_arguments(function, _cached_data)


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(field.name for field in dataclasses.fields(cls))


def _arg(value: Any) -> Any:
    """A key part: a profile model as its fields' values (what pydantic's JSON dump gives, without
    importing pydantic), lists and dicts item by item."""
    if hasattr(type(value), "__pydantic_config__"):  # a profile model (profile/constraints.py)
        return {name: _arg(getattr(value, name)) for name in _field_names(type(value))}
    if isinstance(value, list | tuple):
        return [_arg(item) for item in value]
    if isinstance(value, dict):
        return {key: _arg(item) for key, item in value.items()}
    return value
