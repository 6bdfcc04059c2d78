"""`pipeval skills install`: copy the Claude Code skills into a project's .claude/skills/."""

from __future__ import annotations

from pathlib import Path

import click

from pipeval.skillpack import install, skill_names, skills_source


@click.group()
def skills() -> None:
    """The Claude Code skills: validate-daily, validate-historical, session-handoff."""


@skills.command("install")
@click.option(
    "--target",
    type=click.Path(path_type=Path),
    default=Path("."),
    show_default=True,
    help="Project directory; the skills go into DIR/.claude/skills/.",
)
@click.option("--force", is_flag=True, help="Replace installed files that were edited locally.")
def install_command(target: Path, force: bool) -> int:
    """Install (or update) the skills; refuses to replace local edits unless --force."""
    source = skills_source()
    plan = install(source, target, force)
    click.echo(f"skills {', '.join(skill_names(source))}: {plan.summary()}")
    return 0
