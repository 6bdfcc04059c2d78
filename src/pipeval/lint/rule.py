"""A lint rule: declarative metadata (sqlfluff style) plus one `check` over a parsed file."""

from __future__ import annotations

import ast
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

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


@dataclass(frozen=True)
class Settings:
    hot_tables: frozenset[str] = frozenset()


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
        )


def call_text(source: SourceFile, node: ast.AST) -> str:
    text = ast.get_source_segment(source.text, node) or ast.unparse(node)
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_CALL_TEXT else flat[: MAX_CALL_TEXT - 1] + "…"
