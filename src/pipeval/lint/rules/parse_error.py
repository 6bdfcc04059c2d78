"""parse-error: a file that could not be read as UTF-8 Python, so no rule could check it."""

from __future__ import annotations

from collections.abc import Iterator

from pipeval.lint.rule import Hit, Rule, Settings
from pipeval.lint.source import SourceFile


class ParseError(Rule):
    id = "parse-error"
    description = "a Python file that is not valid UTF-8 or does not parse"
    why = "The other rules could not look at this file, so its writes are unchecked."
    fix = "Fix the syntax or encoding (UTF-8), or exclude the file with --exclude."

    def check(self, source: SourceFile, settings: Settings) -> Iterator[Hit]:
        # The engine reports these while reading the file; a parsed file has none.
        return iter(())
