"""What an edited file is to the profile: pipeline code to lint, a schema writer, a DDL file.

A file outside the project, a file the lint walk would skip (tests, virtualenvs, build output,
the project's `.gitignore`) or a file that is neither Python nor a configured DDL file is not
pipeline code: the guard says nothing about it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeval.guard.facts import ProfileFacts, resolved


@dataclass(frozen=True)
class Target:
    file: Path  # as it will be read
    shown: str  # as findings name it: relative to the project when inside it
    lint: bool  # Python pipeline code
    tables: tuple[str, ...] = field(default=())  # schema checks the file takes part in


def inside(path: Path, root: Path) -> str | None:
    """`path` relative to `root` (POSIX), or None when it lies outside."""
    try:
        return resolved(path).relative_to(resolved(root)).as_posix()
    except ValueError:
        return None


def classify(file: Path, project: Path, facts: ProfileFacts, shown: str | None = None) -> Target:
    """What `file` is; `project` is where relative names and the lint excludes start."""
    from pipeval.lint.discovery import LintTarget, excluded

    relative = inside(file, project)
    tables = facts.tables_for(file)
    code = file.suffix == ".py" and relative is not None
    lint = code and not excluded(resolved(project), relative or "", LintTarget(paths=(project,)))
    return Target(
        file,
        shown or relative or str(file),
        lint or (file.suffix == ".py" and bool(tables)),
        tables,
    )
