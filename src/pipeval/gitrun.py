"""Running git: argument lists only (never a shell), no prompts, no locks, no fsmonitor.

`core.fsmonitor` is switched off for every call: a repository's config may name an fsmonitor
hook program, and reading history must never run a program the repository chose.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT_CONFIG = (
    "-c",
    "core.fsmonitor=false",
    "-c",
    "core.quotepath=off",
    "-c",
    "color.ui=never",
)


class GitMissing(Exception):
    """The git executable is not installed."""


def run_git(
    cwd: Path, *args: str, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "GIT_OPTIONAL_LOCKS": "0",
        "GIT_TERMINAL_PROMPT": "0",
        "LC_ALL": "C",
        **(extra_env or {}),
    }
    try:
        return subprocess.run(
            ["git", *GIT_CONFIG, *args],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=env,
            check=False,
        )
    except FileNotFoundError:
        raise GitMissing("git is not installed") from None
