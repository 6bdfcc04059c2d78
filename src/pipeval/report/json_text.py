"""A report's JSON text: exactly `json.dumps(document, indent=2, ensure_ascii=False)`, faster.

With `indent` the standard library leaves its C encoder for a generator per nesting level: a
season's report (~750 KB, 30,000 lines) took longer to dump than to build. This writes the same
text in one recursive pass (strings still escaped by the C `encode_basestring`); a document it
does not expect (a key that is not text, a value JSON cannot hold) goes to `json.dumps` itself,
so the text, and any error, are the standard library's.
"""

from __future__ import annotations

import json
from json.encoder import INFINITY, encode_basestring
from typing import Any

INDENT = "  "


def dumps(document: Any) -> str:
    try:
        out: list[str] = []
        _write(document, "\n", out)
        return "".join(out)
    except (TypeError, ValueError, RecursionError):
        return json.dumps(document, indent=2, ensure_ascii=False)


def _float(value: float) -> str:
    if value != value:  # NaN is the one float unequal to itself
        return "NaN"
    if value == INFINITY:
        return "Infinity"
    if value == -INFINITY:
        return "-Infinity"
    return float.__repr__(value)


def _write(value: Any, newline: str, out: list[str]) -> None:
    """`value` at the indentation `newline` ("\\n" plus the current indent), in json's order of
    type tests: str, None, True, False, int, float, list/tuple, dict."""
    if isinstance(value, str):
        out.append(encode_basestring(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(_float(value))
    elif isinstance(value, list | tuple):
        if not value:
            out.append("[]")
            return
        inner = newline + INDENT
        separator = "," + inner
        out.append("[" + inner)
        for index, item in enumerate(value):
            if index:
                out.append(separator)
            _write(item, inner, out)
        out.append(newline + "]")
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + INDENT
        separator = "," + inner
        out.append("{" + inner)
        for index, (key, item) in enumerate(value.items()):
            if not isinstance(key, str):
                raise TypeError("a key that is not text: json.dumps converts it")
            if index:
                out.append(separator)
            out.append(encode_basestring(key) + ": ")
            _write(item, inner, out)
        out.append(newline + "}")
    else:
        raise TypeError(f"{type(value).__name__} is not JSON: json.dumps reports it")
