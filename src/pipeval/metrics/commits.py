"""The pipeline's git history, read for deployment drift: what changed on a service's paths.

Every call goes through `gitrun.run_git` (argument lists, fsmonitor off). Paths come from the
profile (validated relative names) and are passed after `--` with `--literal-pathspecs`, so no
path is read as an option or a pattern; commit ids are checked as hex before git sees them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipeval.errors import InputError, PipevalError
from pipeval.gitrun import GitMissing, run_git

_FIELD, _RECORD = "\x1f", "\x1e"
_LOG_FORMAT = "%x1e%H%x1f%h%x1f%cI%x1f%s"
# What a deploy script stamps: a full or abbreviated commit id.
COMMIT_ID_RE = re.compile(r"[0-9a-f]{4,40}\Z")


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    short: str
    committed: datetime  # committer date: when the change landed on the branch
    subject: str


class Repository:
    """One clone: its top level and HEAD, resolved once per run."""

    def __init__(self, path: Path | None) -> None:
        self.root = top_level(path)
        head = self.resolve("HEAD")
        if head is None:
            raise InputError(f"--repo {self.root}: the repository has no commits yet")
        self.head = head

    def _out(self, *args: str) -> str:
        try:
            done = run_git(self.root, *args)
        except GitMissing as err:
            raise PipevalError(str(err)) from None
        if done.returncode != 0:
            first = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[0]
            command = next(arg for arg in args if not arg.startswith("-"))
            raise PipevalError(f"git {command} failed in {self.root}: {first}")
        return done.stdout

    def resolve(self, revision: str) -> str | None:
        """The full id of a commit in this clone, or None when the clone does not have it."""
        if revision != "HEAD" and not COMMIT_ID_RE.match(revision):
            return None
        try:
            done = run_git(
                self.root,
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                f"{revision}^{{commit}}",
            )
        except GitMissing as err:
            raise PipevalError(str(err)) from None
        return done.stdout.strip() if done.returncode == 0 else None

    def _log(self, *selection: str, paths: list[str]) -> list[CommitInfo]:
        text = self._out(
            "--literal-pathspecs", "log", "-z", f"--format={_LOG_FORMAT}", *selection, "--", *paths
        )
        commits = []
        for record in text.split(_RECORD)[1:]:
            sha, short, when, subject = record.rstrip("\0\n").split(_FIELD, 3)
            committed = datetime.fromisoformat(when).astimezone(UTC)
            commits.append(CommitInfo(sha, short, committed, subject))
        return commits

    def since_commit(self, base: str, paths: list[str]) -> list[CommitInfo]:
        """Commits reachable from HEAD and not from `base` that touch `paths`, newest first."""
        return self._log(f"{base}..{self.head}", paths=paths)

    def since_time(self, instant: datetime, paths: list[str]) -> list[CommitInfo]:
        """Commits on HEAD that touch `paths` and landed after `instant`, newest first."""
        # --since has whole-second precision: filter the exact instant here.
        found = self._log(f"--since={instant.isoformat()}", self.head, paths=paths)
        return [commit for commit in found if commit.committed > instant]

    def last_change(self, paths: list[str]) -> CommitInfo | None:
        found = self._log("-1", self.head, paths=paths)
        return found[0] if found else None


def top_level(path: Path | None) -> Path:
    """The top of the clone that holds `path` (None: the current directory), or one InputError
    naming --repo."""
    where = f"--repo {path}" if path is not None else f"the current directory {Path.cwd()}"
    path = path if path is not None else Path.cwd()
    if not path.is_dir():
        raise InputError(f"{where}: not a directory")
    try:
        done = run_git(path, "rev-parse", "--show-toplevel")
    except GitMissing as err:
        raise InputError(f"{where}: {err}") from None
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["not a git repository"])[0]
        if "not a git repository" in reason:
            raise InputError(f"{where} is not in a git repository (pass --repo PATH)")
        raise InputError(f"{where}: git cannot read it: {reason.removeprefix('fatal: ')}")
    return Path(done.stdout.strip())
