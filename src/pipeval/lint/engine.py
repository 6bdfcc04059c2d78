"""Find the files, parse each once, run every rule, apply suppressions, gather the hits.

Each PATH is a root: its files are reported relative to it and matched against the
`.gitignore`-style excludes (defaults, the root's own `.gitignore`, `--exclude`, and test
folders unless `include_tests`). A PATH that names a file is always scanned. Large trees are
scanned by a process pool, one task per batch of files.
"""

from __future__ import annotations

import ast
import io
import os
import tokenize
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path

import pathspec

from pipeval.errors import InputError
from pipeval.lint.rule import Hit, Rule, Settings
from pipeval.lint.rules import RULES
from pipeval.lint.source import SourceFile
from pipeval.lint.writes import TRIGGERS
from pipeval.results import Severity

# Directories no one means to lint (as ruff's defaults), then test code (skipped unless asked).
DEFAULT_EXCLUDES = (
    ".git/", ".hg/", ".svn/", ".venv/", "venv/", ".tox/", ".nox/", ".eggs/", "*.egg-info/",
    "__pycache__/", ".mypy_cache/", ".pytest_cache/", ".ruff_cache/", "node_modules/",
    "site-packages/", "build/", "dist/",
)  # fmt: skip
TEST_PATTERNS = ("tests/", "test_*.py", "*_test.py")
POOL_MIN_FILES = 256
BATCH = 64


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


@dataclass
class FileReport:
    path: str
    root: str
    hits: list[Hit] = field(default_factory=list)
    suppressed: Counter[str] = field(default_factory=Counter)
    parsed: bool = False
    crashes: dict[str, str] = field(default_factory=dict)  # rule id -> what went wrong


@dataclass
class ScanReport:
    files: int = 0
    parsed: int = 0
    hits: list[Hit] = field(default_factory=list)
    suppressed: Counter[str] = field(default_factory=Counter)
    crashes: dict[str, str] = field(default_factory=dict)  # rule id -> first file it failed on

    def for_rule(self, rule: str) -> list[Hit]:
        return [hit for hit in self.hits if hit.rule == rule]


# --- discovery ---


def _spec(root: Path, target: LintTarget) -> pathspec.GitIgnoreSpec:
    lines = list(DEFAULT_EXCLUDES)
    gitignore = root / ".gitignore"
    if gitignore.is_file():
        lines += gitignore.read_text(encoding="utf-8", errors="replace").splitlines()
    lines += target.exclude
    if not target.include_tests:
        lines += TEST_PATTERNS
    return pathspec.GitIgnoreSpec.from_lines(lines)


def _walk(root: Path, shown: str, spec: pathspec.GitIgnoreSpec) -> Iterator[SourcePath]:
    for directory, subdirectories, names in os.walk(root):
        base = Path(directory).relative_to(root).as_posix()
        prefix = "" if base == "." else base + "/"
        subdirectories[:] = sorted(
            d for d in subdirectories if not spec.match_file(f"{prefix}{d}/")
        )
        for name in sorted(names):
            relative = prefix + name
            if name.endswith(".py") and not spec.match_file(relative):
                yield SourcePath(Path(directory) / name, shown, relative)


def discover(target: LintTarget) -> list[SourcePath]:
    """Every file to scan, each once, in a stable order. A missing PATH is bad input."""
    found: dict[Path, SourcePath] = {}
    for path in target.paths:
        if not path.exists():
            raise InputError(f"lint: {path}: no such file or directory")
        if path.is_file():
            candidates: Iterable[SourcePath] = [SourcePath(path, str(path.parent), path.name)]
        else:
            candidates = _walk(path, str(path), _spec(path, target))
        for candidate in candidates:
            found.setdefault(_identity(candidate.file), candidate)
    return list(found.values())


def _identity(path: Path) -> Path:
    """The real file behind `path`; a symlink loop has none, and is reported when it is read."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))


# --- one file ---


@dataclass
class TextLint:
    hits: list[Hit] = field(default_factory=list)
    suppressed: Counter[str] = field(default_factory=Counter)  # rule id -> findings removed
    crashes: dict[str, str] = field(default_factory=dict)  # rule id -> the exception


def lint_text(
    text: str, settings: Settings, filename: str = "<lint>", rules: Sequence[Rule] = RULES
) -> TextLint:
    """Every rule over one source text, with `# pipeval: ignore[rule]` applied.

    Raises SyntaxError/ValueError when the text does not parse.
    """
    tree = ast.parse(text, filename=filename)
    result = TextLint()
    if not any(trigger in text for trigger in TRIGGERS):
        # No write or query call name appears anywhere, so no rule can match: skip the index.
        return result
    source = SourceFile.index(text, tree)
    hits: list[Hit] = []
    for rule in rules:
        try:
            hits.extend(rule.check(source, settings))
        except Exception as err:  # a rule's bug must not hide the other rules' findings
            result.crashes[rule.id] = f"{type(err).__name__}: {err}"
    ignored = source.suppressions()
    for hit in hits:
        if any(hit.rule in ignored.get(line, ()) for line in (hit.line, hit.end_line)):
            result.suppressed[hit.rule] += 1
        else:
            result.hits.append(hit)
    return result


def _unreadable(item: SourcePath, line: int, reason: str) -> FileReport:
    hit = Hit(
        rule="parse-error",
        line=line,
        column=1,
        call="",
        message=f"{reason}; file not scanned",
        severity=Severity.WARN,
        end_line=line,
        path=item.relative,
        root=item.root,
    )
    return FileReport(item.relative, item.root, [hit])


def _encoding(data: bytes) -> str:
    """UTF-8 unless a PEP 263 coding line or a BOM says otherwise, as Python reads source."""
    try:
        return tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    except SyntaxError:  # undecodable first lines or an unknown codec: report it as UTF-8 would
        return "utf-8"


def lint_file(item: SourcePath, settings: Settings) -> FileReport:
    try:
        data = item.file.read_bytes()
    except OSError as err:
        return _unreadable(item, 1, f"cannot read ({err.strerror or err})")
    encoding = _encoding(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        name = "UTF-8" if encoding.startswith("utf-8") else encoding
        return _unreadable(item, line, f"not {name} (byte 0x{data[err.start]:02x} on line {line})")
    try:
        linted = lint_text(text, settings, item.relative)
    except SyntaxError as err:
        line = err.lineno or 1
        return _unreadable(item, line, f"syntax error on line {line}: {err.msg}")
    except ValueError as err:  # e.g. NUL bytes in the source
        return _unreadable(item, 1, f"cannot parse: {err}")
    located = [replace(hit, path=item.relative, root=item.root) for hit in linted.hits]
    crashes = {rule: f"{item.relative}: {error}" for rule, error in linted.crashes.items()}
    return FileReport(item.relative, item.root, located, linted.suppressed, True, crashes)


def _lint_batch(items: list[SourcePath], settings: Settings) -> list[FileReport]:
    return [lint_file(item, settings) for item in items]


# --- many files ---


def _pooled(files: list[SourcePath], settings: Settings, workers: int) -> list[FileReport] | None:
    """Batches of files over a process pool; None where processes cannot be started."""
    batches = [files[i : i + BATCH] for i in range(0, len(files), BATCH)]
    try:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            done = pool.map(_lint_batch, batches, [settings] * len(batches))
            return [report for batch in done for report in batch]
    except (OSError, BrokenProcessPool):  # e.g. no /dev/shm in a sandbox: scan in-process
        return None


def scan(target: LintTarget, settings: Settings, workers: int | None = None) -> ScanReport:
    files = discover(target)
    workers = workers if workers is not None else (os.cpu_count() or 1)
    reports = None
    if workers > 1 and len(files) >= POOL_MIN_FILES:
        reports = _pooled(files, settings, workers)
    if reports is None:
        reports = _lint_batch(files, settings)
    result = ScanReport(files=len(files))
    for report in reports:
        result.parsed += report.parsed
        result.hits.extend(report.hits)
        result.suppressed.update(report.suppressed)
        for rule, error in report.crashes.items():
            result.crashes.setdefault(rule, error)
    result.hits.sort(key=lambda hit: (hit.root, hit.path, hit.line, hit.column, hit.rule))
    return result
