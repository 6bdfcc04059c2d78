"""Markdown escaping for values that come from data (table names, error messages, lookups)."""

from __future__ import annotations

import re

# CommonMark lets any ASCII punctuation be backslash-escaped. Only characters that change
# meaning inline are escaped, so that raw reports stay readable for the agents that read them:
# `_` only at a word edge (intraword underscores never start emphasis), block markers only
# at the start of the value.
_INLINE = re.compile(r"([\\`*\[\]<>|~&])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
# A block marker only counts when a space (or the end) follows it: "0.1.0" and "-3" stay as is.
_LEADING = re.compile(r"^(?:([#+=-])|(\d+)([.)]))(?=\s|$)")
_NEWLINES = re.compile(r"\r\n|\r|\n")
# Table cells and paragraphs drop whitespace at their edges: keep it as character references.
_EDGE_SPACE = re.compile(r"^\s+|\s+$")
# Control characters (NUL, ESC, DEL, C1, ...) have no reliable rendering: CommonMark turns NUL
# and their character references into U+FFFD, and a table trims them at a cell's edges.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _escape_inline(match: re.Match[str]) -> str:
    return "\\" + match.group(0)


def _escape_leading(match: re.Match[str]) -> str:
    if match.group(1):
        return "\\" + match.group(1)
    return match.group(2) + "\\" + match.group(3)


def _references(match: re.Match[str]) -> str:
    return "".join(f"&#{ord(char)};" for char in match.group(0))


def escape(value: object) -> str:
    """Inline text that renders literally, on one line, inside a paragraph or table cell.

    Newlines become `<br>`; control characters become U+FFFD, as CommonMark renders NUL.
    """
    text = _CONTROL.sub("\ufffd", "" if value is None else str(value))
    text = _INLINE.sub(_escape_inline, text)
    text = _LEADING.sub(_escape_leading, text)
    text = _NEWLINES.sub("<br>", text)
    return _EDGE_SPACE.sub(_references, text)


def code(value: object) -> str:
    """An inline code span whose fence is longer than any backtick run in the value."""
    text = _NEWLINES.sub(" ", "" if value is None else str(value))
    if not text:
        return "` `"  # CommonMark has no empty code span
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    # CommonMark strips one space from each end when both ends have one (unless the span is
    # only spaces): pad so that the reader sees exactly `text`.
    edges = text[:1] + text[-1:]
    pad = " " if "`" in edges or (edges == "  " and text.strip(" ")) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


# A code span inside prose: remediation steps quote the commands to paste this way, fenced by
# `code` (a fence longer than any backtick run inside, padded when the text starts or ends
# with a backtick).
_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")


def code_spans(text: str) -> list[str]:
    """The contents of the inline code spans in `text`, as CommonMark reads them."""
    found = []
    for match in _SPAN.finditer(text):
        content = match.group(2)
        if content.startswith(" ") and content.endswith(" ") and content.strip(" "):
            content = content[1:-1]
        found.append(content)
    return found


def prose(value: object) -> str:
    """Inline text like `escape`, except that `code spans` stay code spans (commands)."""
    text = "" if value is None else str(value)
    spans: list[str] = []

    def hold(match: re.Match[str]) -> str:
        spans.append(match.group(0))
        return f"\ue000{len(spans) - 1}\ue001"

    escaped = escape(_SPAN.sub(hold, text.replace("\ue000", "").replace("\ue001", "")))
    return re.sub("\ue000(\\d+)\ue001", lambda m: spans[int(m.group(1))], escaped)
