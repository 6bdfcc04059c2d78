"""One Python file, parsed once and indexed in one walk: call sites, scopes, local bindings.

Rules never walk the tree themselves: they read `calls` (every call with the scope it runs in
and the innermost loop that repeats it) and resolve names through `Scope` bindings. The
resolution is deliberately local and flow-insensitive ("an obvious local alias"): the last
binding of a name before the call in the same function, or a module-level constant.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate

from pipeval.lint.indexer import Indexer, Relevance
from pipeval.lint.scopes import Binding, CallSite, Loop, Position, Scope

__all__ = ["Binding", "CallSite", "Loop", "Position", "Scope", "SourceFile", "line_starts"]

SUPPRESSION = re.compile(r"pipeval:\s*ignore\[([^\]]*)\]")


@dataclass
class SourceFile:
    text: str
    tree: ast.Module
    calls: list[CallSite]
    module: Scope
    starts: list[int] = field(default_factory=list, repr=False)  # line start offsets
    scopes: list[Scope] = field(default_factory=list, repr=False)  # every scope made

    def release(self) -> None:
        """Break the index's reference cycles (a class body's scope and its parent's
        `classes`, a method's scope in its class's `instance`), so that reference counting
        frees the file's tree and index at once: the engine lints with the cyclic collector
        paused, and a cycle kept every tree alive until one long collection at the end."""
        for scope in self.scopes:
            scope.classes.clear()
            scope.instance.clear()
        self.scopes.clear()

    def line(self, index: int) -> str:
        """Line `index` (0-based) with its ending, from the offsets computed once per file:
        before, every finding re-split the whole file (`ast.get_source_segment`), which was
        quadratic in findings."""
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.text)
        return self.text[self.starts[index] : end]

    def segment(self, node: ast.AST) -> str | None:
        """The source text of `node` (as `ast.get_source_segment`, from the cached lines)."""
        try:
            first, last = node.lineno - 1, node.end_lineno - 1  # type: ignore[attr-defined]
            start, end = node.col_offset, node.end_col_offset  # type: ignore[attr-defined]
        except AttributeError:
            return None
        if last is None or end is None or not 0 <= first <= last < len(self.starts):
            return None
        # Offsets are in UTF-8 bytes, as the parser reports them.
        if first == last:
            return self.line(first).encode()[start:end].decode(errors="replace")
        head = self.line(first).encode()[start:].decode(errors="replace")
        tail = self.line(last).encode()[:end].decode(errors="replace")
        middle = self.text[self.starts[first + 1] : self.starts[last]]
        return head + middle + tail

    @classmethod
    def parse(cls, text: str, filename: str = "<lint>") -> SourceFile:
        return cls.index(text, ast.parse(text, filename=filename))

    @classmethod
    def index(
        cls, text: str, tree: ast.Module, triggers: Sequence[str] | None = None
    ) -> SourceFile:
        """Index `tree`. With `triggers`, the body of a function whose text contains none of
        them is not indexed (no rule can match there): most functions of a pipeline are plain
        Python."""
        starts = line_starts(text)
        relevance = Relevance(text, triggers) if triggers is not None else None
        indexer = Indexer(tree, text, starts, relevance)
        indexer.visit(tree)
        return cls(text, tree, indexer.calls, indexer.module, starts, indexer.scopes)

    def suppressions(self) -> dict[int, set[str]]:
        """Line -> rule ids from `# pipeval: ignore[rule, ...]` comments (comments only)."""
        if "pipeval:" not in self.text:
            return {}
        found: dict[int, set[str]] = {}
        for token in tokenize.generate_tokens(io.StringIO(self.text).readline):
            if token.type != tokenize.COMMENT:
                continue
            for match in SUPPRESSION.finditer(token.string):
                rules = {part.strip() for part in match.group(1).split(",") if part.strip()}
                found.setdefault(token.start[0], set()).update(rules)
        return found


LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Separators `str.splitlines` splits on but the Python tokenizer does not.
OTHER_BREAKS = "\v\f\x1c\x1d\x1e"
OTHER_BREAKS_NON_ASCII = "\x85\u2028\u2029"


def _other_breaks(text: str) -> bool:
    """Does `text` hold a separator of OTHER_BREAKS? One `in` per character (a memchr each),
    where a regular expression's character class was most of `line_starts`."""
    for char in OTHER_BREAKS:
        if char in text:
            return True
    return not text.isascii() and any(char in text for char in OTHER_BREAKS_NON_ASCII)


def line_starts(text: str) -> list[int]:
    """The offset of each line's first character, lines counted as the parser counts them
    (\\r\\n, \\r, \\n): computed once per file."""
    if not _other_breaks(text):
        return [0, *accumulate(map(len, text.splitlines(keepends=True)))]
    return [0, *(match.end() for match in LINE_BREAK.finditer(text))]
