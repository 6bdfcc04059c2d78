"""What the guard needs from the profile, cached so that most edits skip loading it.

Validating a profile takes pydantic and sqlglot, longer than linting a file. The guard only
needs the hot tables (FAIL vs WARN for one-row writes) and which files are schema writers or
DDL files, so those facts are kept in the cache directory, keyed by the profile's name, the
size and modification time of its file and of the shipped profiles it may extend, the working
directory and the pipeval version: any change to them validates the profile again. The full
profile is loaded only when the edited file takes part in a schema check, or on a cache miss.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pipeval
from pipeval.guard.payload import Unchecked
from pipeval.guard.session import cache_root

if TYPE_CHECKING:
    from pipeval.profile.model import Profile

FORMAT = 1
PROJECT_PROFILES = ("pipeval.yaml", "pipeval.yml")
SHIPPED_DIR = Path(pipeval.__file__).resolve().parent / "profile"


def resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop: compare the path as written
        return Path(os.path.abspath(path))


def profile_name(project: Path, explicit: str | None) -> str:
    """`--profile` / PIPEVAL_PROFILE, else the project's `pipeval.yaml`, else `nba-props`.
    A relative profile path missing from the working directory is looked up in the project."""
    if explicit is None:
        found = [project / n for n in PROJECT_PROFILES if (project / n).is_file()]
        return str(found[0]) if found else "nba-props"
    if _shipped(explicit) or Path(explicit).exists() or not (project / explicit).exists():
        return explicit
    return str(project / explicit)


def _shipped(name: str) -> bool:
    return "/" not in name and (SHIPPED_DIR / f"{name}.yaml").is_file()


def load(name: str) -> Profile:
    from pipeval.errors import PipevalError, first_line
    from pipeval.profile import load_profile

    try:
        return load_profile(name)
    except PipevalError as err:
        raise Unchecked(first_line(err)) from None


@dataclass(frozen=True)
class ProfileFacts:
    name: str
    hot_tables: tuple[str, ...]
    files: dict[str, list[str]]  # resolved DDL or writer file -> tables
    folders: dict[str, list[str]]  # resolved migration folder -> tables (its *.sql files)

    def tables_for(self, file: Path) -> tuple[str, ...]:
        real = resolved(file)
        tables = list(self.files.get(str(real), []))
        if real.suffix == ".sql":
            for folder, names in self.folders.items():
                if Path(folder) in real.parents:
                    tables.extend(names)
        return tuple(dict.fromkeys(tables))


def facts_of(profile: Profile, name: str) -> ProfileFacts:
    from pipeval.schema.writers import split_spec

    files: dict[str, list[str]] = {}
    folders: dict[str, list[str]] = {}
    base = profile.base_dir
    for spec in profile.schema_tables:
        entries = [spec.ddl] if spec.ddl else []
        for entry in [*entries, *spec.migrations]:
            path = resolved(base / entry)
            # a folder of migrations (or one not created yet): any *.sql file in it counts
            folder = path.is_dir() or path.suffix != ".sql"
            (folders if folder else files).setdefault(str(path), []).append(spec.table)
        for writer in spec.writers:
            path_text, _ = split_spec(writer)
            files.setdefault(str(resolved(base / path_text)), []).append(spec.table)
    return ProfileFacts(name, tuple(profile.lint_hot_tables), files, folders)


def _key(name: str) -> str | None:
    """What the facts depend on; None when the profile file cannot be found (load says why)."""
    parts: list[object] = [FORMAT, pipeval.__version__, name, str(Path.cwd())]
    if not _shipped(name):
        try:
            info = os.stat(name)
        except OSError:
            return None
        parts.append((str(resolved(Path(name))), info.st_mtime_ns, info.st_size))
    for shipped in sorted(SHIPPED_DIR.glob("*.yaml")):
        info = shipped.stat()
        parts.append((shipped.name, info.st_mtime_ns, info.st_size))
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]


def cached_facts(name: str) -> tuple[ProfileFacts, Profile | None]:
    """The profile's facts, from the cache when nothing changed; the validated profile too
    when it had to be loaded (so a schema check does not load it twice)."""
    key = _key(name)
    path = cache_root() / f"profile-{key}.json" if key else None
    if path is not None:
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            data = json.loads(path.read_text(encoding="utf-8"))
            return ProfileFacts(
                data["name"], tuple(data["hot_tables"]), data["files"], data["folders"]
            ), None
    profile = load(name)
    facts = facts_of(profile, name)
    if path is not None:
        _store(path, facts)
    return facts, profile


def _store(path: Path, facts: ProfileFacts) -> None:
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=".profile-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(
                    {
                        "name": facts.name,
                        "hot_tables": list(facts.hot_tables),
                        "files": facts.files,
                        "folders": facts.folders,
                    },
                    stream,
                )
            os.replace(temp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
