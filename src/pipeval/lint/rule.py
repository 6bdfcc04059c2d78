"""A lint rule: declarative metadata (sqlfluff style) plus one `check` over a parsed file."""

from __future__ import annotations

import ast
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pipeval.lint.sinks import Sink
from pipeval.lint.source import CallSite, SourceFile
from pipeval.results import Severity

MAX_CALL_TEXT = 160


@dataclass(frozen=True)
class Hit:
    """One finding of one rule in one file (path and root are filled in by the engine)."""

    rule: str
    line: int
    column: int
    call: str
    message: str
    severity: Severity
    end_line: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    path: str = ""
    root: str = ""
    # Kept only if the scanned tree makes this call's argument a query sink (a wrapper).
    sink: Sink | None = None


@dataclass(frozen=True)
class Settings:
    hot_tables: frozenset[str] = frozenset()


@dataclass(frozen=True)
class About:
    """What a finding id means, for the report: the rules' metadata, or the engine's own
    `parse-error` (a file no rule could look at)."""

    id: str
    description: str
    why: str
    fix: str
    severity: Severity = Severity.WARN


class Rule(ABC):
    id: ClassVar[str]
    description: ClassVar[str]
    why: ClassVar[str]  # why it matters, in the words of the incidents it prevents
    fix: ClassVar[str]
    severity: ClassVar[Severity] = Severity.WARN

    @abstractmethod
    def check(self, source: SourceFile, settings: Settings) -> Iterator[Hit]: ...

    def hit(
        self,
        source: SourceFile,
        site: CallSite,
        message: str,
        severity: Severity | None = None,
        sink: Sink | None = None,
        **extra: Any,
    ) -> Hit:
        node = site.node
        return Hit(
            rule=self.id,
            line=node.lineno,
            column=node.col_offset + 1,
            call=call_text(source, node),
            message=message,
            severity=severity or self.severity,
            end_line=node.end_lineno or node.lineno,
            extra=extra,
            sink=sink,
        )


def relocated(hit: Hit, **changes: Any) -> Hit:
    """`dataclasses.replace(hit, **changes)` without its per-field work and the frozen
    constructor: the engine moves every finding into its file (and out of its condition)."""
    moved = object.__new__(Hit)
    moved.__dict__.update(hit.__dict__, **changes)
    return moved


def call_text(source: SourceFile, node: ast.AST) -> str:
    text = source.segment(node) or ast.unparse(node)
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_CALL_TEXT else flat[: MAX_CALL_TEXT - 1] + "…"
