"""Which lines of a file an edit wrote.

The hook runs after the tool, so the file already holds the new text: each `new_string` of an
Edit or MultiEdit is found in it and every place it occurs counts as edited (an edit may have
replaced all occurrences, and a repeated snippet is the same code wherever it stands). A Write
rewrote the whole file. A snippet that is blank or no longer in the file (a later edit changed
it) marks nothing: then only FAIL findings, which are reported wherever they are, come back.
"""

from __future__ import annotations

EVERY_LINE = frozenset({0})  # sentinel: the whole file was written


def edited_lines(text: str, written: tuple[str, ...], whole_file: bool) -> frozenset[int]:
    if whole_file:
        return EVERY_LINE
    lines: set[int] = set()
    for snippet in written:
        if not snippet.strip():
            continue
        span = snippet.count("\n") + (0 if snippet.endswith("\n") else 1)
        start = text.find(snippet)
        while start != -1:
            first = text.count("\n", 0, start) + 1
            lines.update(range(first, first + max(span, 1)))
            start = text.find(snippet, start + len(snippet))
    return frozenset(lines)


def touches(edited: frozenset[int], first: int, last: int) -> bool:
    """Does the finding on lines first..last overlap the edited lines?"""
    if 0 in edited:  # EVERY_LINE
        return True
    return any(line in edited for line in range(first, max(first, last) + 1))
