"""What was done: commits and changed files since a revision, read from `git`.

Git runs as a subprocess with argument lists (never a shell string) and NUL-separated output,
so file names and subjects with spaces, quotes or newlines come through unchanged. A user's
revision is resolved to a commit id before it is used anywhere else; one starting with `-`
is refused so it cannot be read as an option.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from pipeval.errors import InputError
from pipeval.gitrun import GitMissing, run_git

MAX_COMMITS = 200
HANDOFF_DIR = Path("docs") / "handoffs"
DEFAULT_WINDOW = timedelta(hours=24)

_FIELD, _RECORD = "\x1f", "\x1e"
_LOG_FORMAT = "%x1e%H%x1f%h%x1f%an%x1f%aI%x1f%s"


class GitUnavailable(Exception):
    """No git section: git is missing, or this is not a repository. The message says which."""


@dataclass(frozen=True)
class FileChange:
    path: str
    added: int | None  # None for binary files
    deleted: int | None


def line_totals(files: list[FileChange]) -> tuple[int, int]:
    """Lines added and deleted; binary files count none."""
    return sum(f.added or 0 for f in files), sum(f.deleted or 0 for f in files)


@dataclass
class Commit:
    sha: str
    short: str
    author: str
    date: str
    subject: str
    files: list[FileChange] = field(default_factory=list)

    @property
    def lines(self) -> tuple[int, int]:
        return line_totals(self.files)


@dataclass
class GitFacts:
    root: Path
    branch: str
    head: str | None
    base: str | None  # None: from the first commit
    since: str | None  # the revision the user gave
    base_label: str  # how the default base was chosen
    commits: list[Commit]
    truncated: bool
    files: list[FileChange]
    uncommitted: list[tuple[str, str]]  # (porcelain status, path)

    @property
    def lines(self) -> tuple[int, int]:
        return line_totals(self.files)


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return run_git(cwd, *args)
    except GitMissing as err:
        raise GitUnavailable(str(err)) from None


def _out(cwd: Path, *args: str) -> str:
    done = _git(cwd, *args)
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[0]
        raise GitUnavailable(f"git {args[0]} failed: {first}")
    return done.stdout


def repository(cwd: Path) -> Path:
    done = _git(cwd, "rev-parse", "--show-toplevel")
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["not a git repository"])[0]
        if "not a git repository" in reason:
            raise GitUnavailable(f"{cwd} is not in a git repository")
        raise GitUnavailable(f"git cannot read {cwd}: {reason.removeprefix('fatal: ')}")
    return Path(done.stdout.strip())


def _commit_id(root: Path, rev: str) -> str | None:
    done = _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    return done.stdout.strip() if done.returncode == 0 else None


def resolve(root: Path, rev: str) -> str:
    """The commit id a user's --since names, or one clear InputError."""
    if not rev or rev.startswith("-"):
        raise InputError(f"--since {rev!r} is not a revision")
    sha = _commit_id(root, rev)
    if sha is None:
        raise InputError(f"--since {rev!r} is not a commit in {root}")
    return sha


def default_base(root: Path, head: str, as_of: datetime) -> tuple[str | None, str]:
    """The previous handoff's commit when there is one, else the last commit before 24 h ago."""
    previous = _out(root, "log", "-1", "--format=%H", head, "--", HANDOFF_DIR.as_posix()).strip()
    if previous:
        return previous, f"the previous handoff (commit {previous[:8]})"
    since = (as_of - DEFAULT_WINDOW).isoformat()
    before = _out(root, "rev-list", "-1", f"--before={since}", head).strip()
    return (before or None), "24 h ago"


def _numstat(entries: list[str]) -> list[FileChange]:
    changes = []
    for entry in entries:
        parts = entry.split("\t", 2)
        if len(parts) != 3:
            continue
        added, deleted, path = parts
        binary = added == "-" and deleted == "-"
        changes.append(
            FileChange(path, None if binary else int(added), None if binary else int(deleted))
        )
    return changes


def _commits(root: Path, base: str | None, head: str) -> tuple[list[Commit], bool]:
    span = f"{base}..{head}" if base else head
    text = _out(
        root,
        "log",
        "-z",
        "--no-renames",
        "--numstat",
        f"--max-count={MAX_COMMITS + 1}",
        f"--format={_LOG_FORMAT}",
        span,
    )
    commits = []
    for record in text.split(_RECORD)[1:]:
        header, _, stats = record.partition("\0")
        sha, short, author, when, subject = header.split(_FIELD, 4)
        entries = [entry.lstrip("\n") for entry in stats.split("\0")]
        commits.append(Commit(sha, short, author, when, subject, _numstat(entries)))
    return commits[:MAX_COMMITS], len(commits) > MAX_COMMITS


def _empty_tree(root: Path) -> str:
    return _out(root, "hash-object", "-t", "tree", "--stdin").strip()


def _files(root: Path, base: str | None, head: str) -> list[FileChange]:
    start = base or _empty_tree(root)
    text = _out(root, "diff", "-z", "--numstat", "--no-renames", start, head)
    return _numstat([entry for entry in text.split("\0") if entry])


def _uncommitted(root: Path) -> list[tuple[str, str]]:
    # Earlier handoffs are this command's own output, not the session's work.
    own = f":(top,exclude){HANDOFF_DIR.as_posix()}"
    status = ("status", "--porcelain=v1", "-z", "--untracked-files=normal")
    entries = _out(root, *status, "--", ":(top)", own).split("\0")
    changes: list[tuple[str, str]] = []
    skip_next = False
    for entry in entries:
        if skip_next or not entry:
            skip_next = False
            continue
        status, path = entry[:2], entry[3:]
        skip_next = status[0] in "RC"  # the entry after a rename or copy is its old path
        changes.append((status.strip() or status, path))
    return changes


def collect(cwd: Path, since: str | None, as_of: datetime) -> GitFacts:
    """Commits, changed files and uncommitted changes since `since` (or the default base)."""
    root = repository(cwd)
    head = _commit_id(root, "HEAD")
    branch = _out(root, "branch", "--show-current").strip() or "(detached HEAD)"
    if head is None:
        if since is not None:
            raise InputError(f"--since {since!r}: the repository at {root} has no commits yet")
        return GitFacts(root, branch, None, None, None, "", [], False, [], _uncommitted(root))
    if since is not None:
        base: str | None = resolve(root, since)
        label = f"--since {since}"
    else:
        base, label = default_base(root, head, as_of)
    commits, truncated = _commits(root, base, head)
    return GitFacts(
        root=root,
        branch=branch,
        head=head,
        base=base,
        since=since,
        base_label=label,
        commits=commits,
        truncated=truncated,
        files=_files(root, base, head) if base != head else [],
        uncommitted=_uncommitted(root),
    )
