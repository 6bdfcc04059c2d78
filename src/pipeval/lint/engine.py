"""Parse each file once, run every rule, apply suppressions, gather the hits.

The files come from `pipeval.lint.discovery` (PATHs, excludes). Large trees are scanned in
batches by this process and forked workers (`pipeval.lint.pool`).

A file that cannot be read or parsed (not a regular file, over the size cap, not UTF-8, a
syntax error, nested too deep for the parser) is a `parse-error` finding made here, by the
engine; the other files are still scanned. Findings through a query wrapper (`Hit.sink`) are
kept once every file's wrappers are known (`pipeval.lint.sinks`), still one parse per file.
"""

from __future__ import annotations

import ast
import io
import os
import tokenize
from codecs import BOM_UTF8 as BOM
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from pipeval import collector
from pipeval.errors import InputError, PipevalError
from pipeval.files import LIMITS, read_bytes
from pipeval.lint import pool
from pipeval.lint.discovery import LintTarget, SourcePath, discover
from pipeval.lint.rule import About, Hit, Rule, Settings, relocated
from pipeval.lint.rules import RULES
from pipeval.lint.sinks import Pass, Sink, SinkIndex, passes
from pipeval.lint.source import SourceFile
from pipeval.lint.writes import TRIGGERS

PARSE_ERROR = About(
    id="parse-error",
    description=(
        "a Python file that could not be checked: not a regular file, over the size cap, not "
        "valid UTF-8 (or its declared encoding), a syntax error, or nested too deep to parse"
    ),
    why="The other rules could not look at this file, so its writes are unchecked.",
    fix="Fix the syntax or encoding (UTF-8), or exclude the file with --exclude.",
)

POOL_MIN_FILES = 256
BATCH = 32  # files per pool task, at most
MIN_BATCH = 4


@dataclass
class FileReport:
    path: str
    root: str
    hits: list[Hit] = field(default_factory=list)
    suppressed: Counter[str] = field(default_factory=Counter)
    parsed: bool = False
    crashes: dict[str, str] = field(default_factory=dict)  # rule id -> what went wrong
    passes: list[Pass] = field(default_factory=list)


@dataclass
class ScanReport:
    files: int = 0
    parsed: int = 0
    hits: list[Hit] = field(default_factory=list)
    suppressed: Counter[str] = field(default_factory=Counter)
    crashes: dict[str, str] = field(default_factory=dict)  # rule id -> first file it failed on
    wrappers: list[str] = field(default_factory=list)  # project functions found to be sinks

    def for_rule(self, rule: str) -> list[Hit]:
        return [hit for hit in self.hits if hit.rule == rule]


# --- one file ---


@dataclass
class TextLint:
    hits: list[Hit] = field(default_factory=list)
    suppressed: Counter[str] = field(default_factory=Counter)  # rule id -> findings removed
    crashes: dict[str, str] = field(default_factory=dict)  # rule id -> the exception
    passes: list[Pass] = field(default_factory=list)  # parameters handed on (query wrappers)
    parsed: bool = True


def _parse_error(line: int, reason: str) -> Hit:
    return Hit(
        rule=PARSE_ERROR.id,
        line=line,
        column=1,
        call="",
        message=f"{reason}; file not scanned",
        severity=PARSE_ERROR.severity,
        end_line=line,
    )


def _unparsable(line: int, reason: str) -> TextLint:
    return TextLint(hits=[_parse_error(line, reason)], parsed=False)


def lint_parsed(text: str, tree: ast.Module, settings: Settings, rules: Sequence[Rule]) -> TextLint:
    """Every rule over one parsed file, with `# pipeval: ignore[rule]` applied. Findings
    through a query wrapper still carry their condition (`Hit.sink`)."""
    result = TextLint()
    if not any(trigger in text for trigger in TRIGGERS):
        # No write, query or SQL word appears anywhere, so no rule can match: skip the index.
        return result
    source = SourceFile.index(text, tree, TRIGGERS)
    try:
        result.passes = passes(source)
        hits: list[Hit] = []
        for rule in rules:
            try:
                hits.extend(rule.check(source, settings))
            except RecursionError:
                raise
            except Exception as err:  # a rule's bug must not hide the other rules' findings
                result.crashes[rule.id] = f"{type(err).__name__}: {err}"
        ignored = source.suppressions()
    finally:
        source.release()
    for hit in hits:
        if any(hit.rule in ignored.get(line, ()) for line in (hit.line, hit.end_line)):
            result.suppressed[hit.rule] += 1
        else:
            result.hits.append(hit)
    return result


def lint_source(
    text: str, settings: Settings, filename: str = "<lint>", rules: Sequence[Rule] = RULES
) -> TextLint:
    """Parse once and lint one text; a text that does not parse is one parse-error finding.
    Findings through query wrappers are left conditional (see `resolve_sinks`)."""
    try:
        tree = ast.parse(text, filename=filename)
    except SyntaxError as err:
        line = err.lineno or 1
        return _unparsable(line, f"syntax error on line {line}: {err.msg}")
    except ValueError as err:  # e.g. NUL bytes in the source
        return _unparsable(1, f"cannot parse: {err}")
    except (RecursionError, MemoryError):
        return _unparsable(1, "nested too deeply for the parser")
    try:
        return lint_parsed(text, tree, settings, rules)
    except RecursionError:  # a tree deeper than the index can walk
        return _unparsable(1, "nested too deeply to analyse")


def resolve_sinks(hits: list[Hit], index: SinkIndex) -> list[Hit]:
    """The findings that stand once the query sinks are known, without their condition."""
    return [
        relocated(hit, sink=None) if hit.sink is not None else hit
        for hit in hits
        if hit.sink is None or index.accepts(hit.sink)
    ]


def lint_text(
    text: str, settings: Settings, filename: str = "<lint>", rules: Sequence[Rule] = RULES
) -> TextLint:
    """Every rule over one source text on its own (its own functions are the only wrappers).

    A text that does not parse gives one `parse-error` finding, never an exception.
    """
    result = lint_source(text, settings, filename, rules)
    result.hits = resolve_sinks(result.hits, SinkIndex.build(result.passes))
    return result


def _unreadable(item: SourcePath, line: int, reason: str) -> FileReport:
    hit = replace(_parse_error(line, reason), path=item.relative, root=item.root)
    return FileReport(item.relative, item.root, [hit])


def _encoding(data: bytes) -> str:
    """UTF-8 unless a PEP 263 coding line or a BOM says otherwise, as Python reads source."""
    second = data.find(b"\n", data.find(b"\n") + 1)
    if b"coding" not in (data if second < 0 else data[:second]) and not data.startswith(BOM):
        # No BOM and no `coding` in the first two lines, where a declaration must be:
        # `tokenize.detect_encoding` would say UTF-8 (it reads the lines in Python).
        return "utf-8"
    try:
        return tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    except SyntaxError:  # undecodable first lines or an unknown codec: report it as UTF-8 would
        return "utf-8"


def lint_file(item: SourcePath, settings: Settings) -> FileReport:
    """One file, read through `pipeval.files` (regular files only, at most 8 MiB)."""
    what = "source"
    try:
        data = read_bytes(item.file, what, InputError, LIMITS["source"])
    except PipevalError as err:
        reason = str(err).removeprefix(f"{what} {item.file}: ")
        return _unreadable(item, 1, reason)
    encoding = _encoding(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        name = "UTF-8" if encoding.startswith("utf-8") else encoding
        return _unreadable(item, line, f"not {name} (byte 0x{data[err.start]:02x} on line {line})")
    linted = lint_source(text, settings, item.relative)
    located = [relocated(hit, path=item.relative, root=item.root) for hit in linted.hits]
    crashes = {rule: f"{item.relative}: {error}" for rule, error in linted.crashes.items()}
    return FileReport(
        item.relative,
        item.root,
        located,
        linted.suppressed,
        linted.parsed,
        crashes,
        linted.passes,
    )


def _lint_batch(items: list[SourcePath], settings: Settings) -> list[FileReport]:
    """The files one after the other, with the cyclic garbage collector paused: a parsed tree
    and its index hold no cycles (reference counting frees them), and each automatic
    collection would walk every node still alive, a quarter of lint's time on a large tree."""
    with collector.paused():
        return [lint_file(item, settings) for item in items]


# --- many files ---


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0  # reported when it is read


def batches(files: Sequence[SourcePath], workers: int) -> list[list[int]]:
    """The files' indices in batches, largest files first: a large file left for the end kept
    one process busy while the other had nothing to do. Each batch is about a 4 * `workers`-th
    of the files left (BATCH at most, MIN_BATCH at least), so the last ones, when a process
    that finishes early can only wait for the others, are short."""
    sizes = [_size(item.file) for item in files]
    order = sorted(range(len(files)), key=lambda i: -sizes[i])
    least = max(MIN_BATCH, -(-len(order) // pool.MAX_BATCHES))
    most = max(BATCH, least)
    plan: list[list[int]] = []
    start = 0
    while start < len(order):
        size = min(most, max(least, -(-(len(order) - start) // (workers * 4))))
        plan.append(order[start : start + size])
        start += size
    return plan


def _as_tuple(value: tuple[Any, ...]) -> tuple[Any, ...]:
    # A named tuple as the plain tuple it is: rebuilt by `tuple.__new__` (C) instead of its
    # class's Python `__new__`, a third of the parent's time reading a worker's reports.
    return tuple.__new__, (type(value), tuple(value))


# What a lint worker sends back, each `Pass` and `Sink` pickled as a plain tuple.
REDUCERS: dict[type, Any] = {Pass: _as_tuple, Sink: _as_tuple}


def _pooled(files: list[SourcePath], settings: Settings, workers: int) -> list[FileReport] | None:
    """Batches of files over `workers` processes, this one included (`pool.run`), the reports
    back in the files' order; None where processes cannot be started."""
    plan = batches(files, workers)
    groups = [[files[i] for i in batch] for batch in plan]
    lint = partial(_lint_batch, settings=settings)
    found = pool.run(groups, lint, workers, REDUCERS)
    if found is None:
        found = _executor(groups, settings, workers)
    if found is None:
        return None
    reports: list[FileReport | None] = [None] * len(files)
    for batch, batch_reports in zip(plan, found, strict=True):
        for index, report in zip(batch, batch_reports, strict=True):
            reports[index] = report
    return [report for report in reports if report is not None]


def _executor(
    groups: list[list[SourcePath]], settings: Settings, workers: int
) -> list[list[FileReport]] | None:
    """`concurrent.futures`' process pool, where this platform does not fork (`pool.FORKS`)."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    try:
        with ProcessPoolExecutor(max_workers=workers) as executor:
            return list(executor.map(partial(_lint_batch, settings=settings), groups))
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
    index = SinkIndex.build(item for report in reports for item in report.passes)
    result.wrappers = sorted(index.wrappers())
    for report in reports:  # most files have no findings, suppressions or crashes
        result.parsed += report.parsed
        if report.hits:
            result.hits.extend(resolve_sinks(report.hits, index))
        if report.suppressed:
            result.suppressed.update(report.suppressed)
        for rule, error in report.crashes.items():
            result.crashes.setdefault(rule, error)
    result.hits.sort(key=lambda hit: (hit.root, hit.path, hit.line, hit.column, hit.rule))
    return result
