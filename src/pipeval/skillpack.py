"""The Claude Code skills shipped with pipeval, and copying them into a project.

An install never clobbers a local edit: every target file is compared first, and if one exists
with other content the whole install stops (unless forced) before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeval.errors import InputError
from pipeval.report.output import write_atomic
from pipeval.report.render import data_dir

SKILLS_SUBDIR = Path(".claude") / "skills"


def skills_source() -> Path:
    """`skills/` of the repository (editable install) or `pipeval/_data/skills` (wheel)."""
    return data_dir("skills")


def skill_names(source: Path) -> list[str]:
    return sorted(p.name for p in source.iterdir() if (p / "SKILL.md").is_file())


def skill_files(source: Path) -> list[Path]:
    """Files of every skill, relative to `source`; hidden files and caches are not shipped."""
    files = []
    for name in skill_names(source):
        for path in sorted((source / name).rglob("*")):
            relative = path.relative_to(source)
            hidden = any(part.startswith(".") or part == "__pycache__" for part in relative.parts)
            if path.is_file() and not hidden:
                files.append(relative)
    return files


@dataclass
class InstallPlan:
    destination: Path
    new: list[Path] = field(default_factory=list)
    changed: list[Path] = field(default_factory=list)  # exists with other content: a local edit
    same: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.new)} new, {len(self.changed)} replaced, {len(self.same)} unchanged "
            f"in {self.destination}"
        )


def plan_install(source: Path, destination: Path) -> InstallPlan:
    plan = InstallPlan(destination)
    for relative in skill_files(source):
        target = destination / relative
        if target.is_dir():
            raise InputError(f"{target} is a directory, expected a file")
        if not target.exists():
            plan.new.append(relative)
        elif target.read_bytes() == (source / relative).read_bytes():
            plan.same.append(relative)
        else:
            plan.changed.append(relative)
    return plan


def install(source: Path, project: Path, force: bool = False) -> InstallPlan:
    """Copy every skill into `project/.claude/skills/`; refuse to replace local edits."""
    if not project.exists() and project.parent.is_dir():
        # A new project folder: created, as `mkdir DIR` would (never a chain of parents).
        try:
            project.mkdir()
        except OSError as err:
            raise InputError(f"--target {project}: cannot create it ({err.strerror})") from None
    if not project.is_dir():
        raise InputError(f"--target {project} is not a directory")
    plan = plan_install(source, project / SKILLS_SUBDIR)
    if plan.changed and not force:
        more = f" (and {len(plan.changed) - 1} more)" if len(plan.changed) > 1 else ""
        raise InputError(
            f"{plan.destination / plan.changed[0]} has local edits{more}; "
            "pass --force to replace them"
        )
    for relative in plan.new + plan.changed:
        target = plan.destination / relative
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise InputError(f"cannot create {target.parent}: {err.strerror}") from None
        write_atomic(target, (source / relative).read_text("utf-8"))
    return plan
