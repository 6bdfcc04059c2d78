"""Which files lint scans: the quick exclude test decides as pathspec does, and a file reached
twice (two PATHs, a symlink) is scanned once, under the first name found."""

from __future__ import annotations

import itertools
from pathlib import Path

import pathspec
import pytest

from pipeval.lint.discovery import Excludes, LintTarget, _anchored, discover

PATTERNS = [
    "build/",
    "*.egg-info/",
    "generated/",
    "!generated/keep.py",
    "/top_only.py",
    "docs/**/*.py",
    "!docs/api/public.py",
    "**/job-config.py",
    "tests/",
    "test_*.py",
    "*_test.py",
    "a?c.py",
    "[xy]z.py",
    "# a comment",
    "",
    "scratch",
    "!scratch/wanted.py",
]
PATHS = [
    "main.py",
    "build/",
    "build/x.py",
    "pkg/build/x.py",
    "pkg.egg-info/",
    "generated/",
    "generated/keep.py",
    "generated/other.py",
    "top_only.py",
    "pkg/top_only.py",
    "docs/a/b/page.py",
    "docs/api/public.py",
    "deep/job-config.py",
    "tests/",
    "pkg/tests/",
    "test_io.py",
    "pkg/io_test.py",
    "abc.py",
    "abbc.py",
    "xz.py",
    "zz.py",
    "scratch",
    "scratch/",
    "scratch/wanted.py",
    "scratch/other.py",
]


def test_the_quick_exclude_test_decides_as_pathspec_does() -> None:
    # Every prefix of the pattern list (negations, directory marks, anchors, globs) on every path.
    for size in range(len(PATTERNS) + 1):
        lines = PATTERNS[:size]
        spec = pathspec.GitIgnoreSpec.from_lines(lines)
        quick = Excludes(lines)
        assert quick.any is not None  # the one expression was built: the quick test ran
        for path in PATHS:
            assert quick.match_file(path) == spec.match_file(path), (lines, path)


def test_pattern_pairs_in_either_order_decide_as_pathspec_does() -> None:
    # The later of two patterns wins in git: a negation before or after the pattern it undoes.
    for first, second in itertools.permutations(PATTERNS[:12], 2):
        spec = pathspec.GitIgnoreSpec.from_lines([first, second])
        quick = Excludes([first, second])
        for path in PATHS:
            assert quick.match_file(path) == spec.match_file(path), (first, second, path)


def test_a_file_reached_twice_is_scanned_once_under_its_first_name(tmp_path: Path) -> None:
    real = tmp_path / "src" / "pkg"
    real.mkdir(parents=True)
    (real / "job.py").write_text("x = 1\n", encoding="utf-8")
    (real / "alias.py").symlink_to(real / "job.py")  # a file symlink in the same directory
    (tmp_path / "src" / "linked").symlink_to(real)  # a directory symlink: not walked into
    found = discover(LintTarget(paths=(tmp_path / "src", real / "job.py", tmp_path / "src")))
    assert [(item.relative, item.root) for item in found] == [
        ("pkg/alias.py", str(tmp_path / "src"))
    ]


def test_gitignore_patterns_are_tried_from_the_start_of_the_path() -> None:
    """The quick test matches at the start (gitignore expressions are anchored) unless a
    pattern could match elsewhere: `_anchored` reads alternation outside parentheses."""
    assert Excludes(["*.pyc", "build/", "/top.py", "docs/**/page.py"]).any.__name__ == "match"
    cases = {"^a": True, "^a|b": False, "a": False, "^(?:a|b)": True, "^[|]": True}
    cases.update({"^[]|]x": True, r"^\|x": True, "^(a)|b": False, r"^[\]|]": True})
    for pattern, anchored in cases.items():
        assert _anchored(pattern) is anchored, pattern


def test_a_tree_reached_through_a_symlinked_or_dotted_root_is_scanned_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Identities come from each directory's parent (no symlink: the parent's real path and
    the name), so the same file under a linked root, a `..` path and the real path is one."""
    real = tmp_path / "repo" / "pkg" / "sub"
    real.mkdir(parents=True)
    (real / "job.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "link").symlink_to(tmp_path / "repo")
    monkeypatch.chdir(tmp_path / "repo" / "pkg")
    roots = (Path("../../link"), Path("../pkg/.."), tmp_path / "repo")
    found = discover(LintTarget(paths=roots))
    assert [(item.relative, item.root) for item in found] == [("pkg/sub/job.py", "../../link")]
