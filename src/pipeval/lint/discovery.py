"""Which files `pipeval lint` scans: each PATH walked once, `.gitignore`-style excludes applied.

Each PATH is a root: its files are reported relative to it and matched against the excludes
(defaults, the root's own `.gitignore`, `--exclude`, and test folders unless `include_tests`).
A PATH that names a file is always scanned. A file reached twice (two PATHs, a symlink) is
scanned once, under the first name it was found by.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pathspec
from pathspec.util import normalize_file

from pipeval.errors import InputError, PipevalError
from pipeval.files import MIB, read_bytes

# Directories no one means to lint (as ruff's defaults), then test code (skipped unless asked).
DEFAULT_EXCLUDES = (
    ".git/", ".hg/", ".svn/", ".venv/", "venv/", ".tox/", ".nox/", ".eggs/", "*.egg-info/",
    "__pycache__/", ".mypy_cache/", ".pytest_cache/", ".ruff_cache/", "node_modules/",
    "site-packages/", "build/", "dist/",
)  # fmt: skip
TEST_PATTERNS = ("tests/", "test_*.py", "*_test.py")
# The one named group pathspec's gitignore patterns use (it marks a directory match).
GROUP = re.compile(r"\(\?P<\w+>")


@dataclass(frozen=True)
class LintTarget:
    """What `pipeval lint` was asked to scan."""

    paths: tuple[Path, ...]
    exclude: tuple[str, ...] = ()
    include_tests: bool = False


@dataclass(frozen=True)
class SourcePath:
    file: Path
    root: str  # the PATH as given (a file's parent for a file PATH)
    relative: str  # POSIX path relative to root


class Excludes:
    """A `GitIgnoreSpec` with a quick first test: one regular expression made of every
    pattern's. pathspec tries its patterns one by one in Python (a real `.gitignore` has
    hundreds), most paths match none of them, and a path no pattern matches is not excluded;
    a path that matches one is decided by the spec itself (negations, directory marks)."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.spec = pathspec.GitIgnoreSpec.from_lines(lines)
        union = _union(self.spec.patterns)
        if union is None:
            self.any = None
        else:
            # Gitignore expressions start with `^`: a union of only those is tried at the
            # start of the path, not searched, which tried each of a real `.gitignore`'s
            # patterns at every character (a third of discovering a real pipeline).
            anchored = all(_anchored(part) for part in union.sources)
            self.any = union.regex.match if anchored else union.regex.search

    def match_file(self, path: str) -> bool:
        if self.any is not None and self.any(normalize_file(path)) is None:
            return False
        return self.spec.match_file(path)


@dataclass(frozen=True)
class Union:
    regex: re.Pattern[str]
    sources: tuple[str, ...]  # the joined expressions


def _union(patterns: Iterable[pathspec.Pattern]) -> Union | None:
    """One expression matching where any of `patterns` matches (search), or None when the
    patterns cannot be joined (not plain str expressions): every path then goes to the spec."""
    parts = []
    for pattern in patterns:
        if pattern.include is None:
            continue  # a blank line or comment: matches nothing
        regex = getattr(pattern, "regex", None)
        if not isinstance(regex, re.Pattern) or not isinstance(regex.pattern, str):
            return None
        if regex.flags & ~re.UNICODE or "(?P=" in regex.pattern:
            return None
        parts.append(regex.pattern)
    if not parts:
        return Union(re.compile(r"(?!)"), ())  # nothing can match
    # A pattern without a slash matches at any depth: `^(?:.+/)?name...`. Those share one
    # prefix, so the engine backtracks over the path's slashes once for all of them rather
    # than once per pattern (most of a real `.gitignore`).
    deep = [part[len(ANY_DEPTH) :] for part in parts if _any_depth(part)]
    pieces = [part for part in parts if not _any_depth(part)]
    if deep:
        pieces.append(ANY_DEPTH + "(?:" + "|".join(f"(?:{part})" for part in deep) + ")")
    # Group names repeat across patterns; the union only needs to know that one matched.
    joined = "|".join("(?:" + GROUP.sub("(?:", piece) + ")" for piece in pieces)
    try:
        return Union(re.compile(joined), tuple(parts))
    except re.error:
        return None


ANY_DEPTH = "^(?:.+/)?"


def _any_depth(pattern: str) -> bool:
    return pattern.startswith(ANY_DEPTH) and _anchored(pattern)


def _anchored(pattern: str) -> bool:
    """Does every match of `pattern` start at the beginning: a leading `^` and no `|` outside
    parentheses (`^a|b` finds `b` anywhere)? Escapes and character classes are skipped."""
    if not pattern.startswith("^"):
        return False
    depth, index, size = 0, 1, len(pattern)
    while index < size:
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            index += 1
            if index < size and pattern[index] == "^":
                index += 1
            if index < size and pattern[index] == "]":
                index += 1  # a `]` first in a class is itself a member
            while index < size and pattern[index] != "]":
                index += 2 if pattern[index] == "\\" else 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return False
        index += 1
    return True


def _valid(line: str) -> bool:
    try:
        pathspec.GitIgnoreSpec.from_lines([line])
    except ValueError:  # GitIgnorePatternError: e.g. a lone `!` or a trailing backslash
        return False
    return True


def check_excludes(excludes: Sequence[str]) -> None:
    """A `--exclude` pattern git would not accept is bad input, named with its reason."""
    for pattern in excludes:
        try:
            pathspec.GitIgnoreSpec.from_lines([pattern])
        except ValueError as err:
            raise InputError(f"lint: --exclude {pattern!r}: {err}") from None


def _gitignore(root: Path) -> list[str]:
    """The root's `.gitignore` lines; lines git would skip (`!`, a trailing backslash) are skipped
    here too, and an unreadable `.gitignore` (a FIFO, too large) counts as empty."""
    path = root / ".gitignore"
    if not path.is_file():
        return []
    try:
        data = read_bytes(path, ".gitignore", InputError, MIB)
    except PipevalError:
        return []
    lines = data.decode("utf-8", errors="replace").splitlines()
    return [line for line in lines if _valid(line)]


def _excludes(root: Path, target: LintTarget) -> Excludes:
    lines = list(DEFAULT_EXCLUDES)
    lines += _gitignore(root)
    lines += target.exclude
    if not target.include_tests:
        lines += TEST_PATTERNS
    return Excludes(lines)


def _walk(root: Path, shown: str, excludes: Excludes) -> Iterator[tuple[SourcePath, str]]:
    """Each file to scan with its identity (the path of the real file behind it)."""
    reals = {os.fspath(root): _identity(root)}  # directory -> its real path
    for directory, subdirectories, names in os.walk(root):
        folder = Path(directory)  # made once per directory: pathlib parses every Path it makes
        base = folder.relative_to(root).as_posix()
        prefix = "" if base == "." else base + "/"
        subdirectories[:] = sorted(
            d for d in subdirectories if not excludes.match_file(f"{prefix}{d}/")
        )
        real: str | None = None  # the directory's real path, resolved once for its files
        for name in sorted(names):
            relative = prefix + name
            if name.endswith(".py") and not excludes.match_file(relative):
                file = folder / name
                if real is None:
                    real = _real_directory(directory, reals)
                # A file that is no symlink is its real directory's entry of the same name:
                # resolving every path anew was a tenth of a large tree's discovery.
                identity = _identity(file) if os.path.islink(file) else os.path.join(real, name)
                yield SourcePath(file, shown, relative), identity


def _real_directory(directory: str, reals: dict[str, str]) -> str:
    """The real path of a walked directory: its parent's, joined with its name when it is no
    symlink (resolving each directory anew checked every component of its path again)."""
    found = reals.get(directory)
    if found is None:
        parent, name = os.path.split(directory)
        if name in ("", ".", "..") or parent == directory or os.path.islink(directory):
            found = _identity(Path(directory))
        else:
            found = os.path.join(_real_directory(parent, reals), name)
        reals[directory] = found
    return found


def excluded(root: Path, relative: str, target: LintTarget) -> bool:
    """Would a scan of `root` skip the file at `relative` (POSIX, relative to root)? The same
    defaults, `.gitignore`, excludes and test patterns as the walk (`pipeval guard` asks this
    for one edited file instead of walking the tree)."""
    return _excludes(root, target).match_file(relative)


def discover(target: LintTarget) -> list[SourcePath]:
    """Every file to scan, each once, in a stable order. A missing PATH is bad input."""
    check_excludes(target.exclude)
    found: dict[str, SourcePath] = {}
    for path in target.paths:
        if not path.exists():
            raise InputError(f"lint: {path}: no such file or directory")
        if path.is_file():
            candidate = SourcePath(path, str(path.parent), path.name)
            candidates: Iterable[tuple[SourcePath, str]] = [(candidate, _identity(path))]
        else:
            candidates = _walk(path, str(path), _excludes(path, target))
        for candidate, identity in candidates:
            found.setdefault(identity, candidate)
    return list(found.values())


def _identity(path: Path) -> str:
    """The real file behind `path` (a normalised absolute path, as a string: a dictionary key
    that costs no `Path` to make); a symlink loop has none, and is reported when it is read."""
    try:
        return str(path.resolve())
    except (OSError, RuntimeError):
        return str(Path(os.path.abspath(path)))
