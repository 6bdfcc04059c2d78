"""A report's JSON text: exactly `json.dumps(document, indent=2, ensure_ascii=False)`, faster.

With `indent` the standard library leaves its C encoder for a generator per nesting level: a
season's report (~750 KB, 30,000 lines) took longer to dump than to build. This writes the same
text in one recursive pass (strings still escaped by the C `encode_basestring`); a document it
does not expect (a key that is not text, a value JSON cannot hold) goes to `json.dumps` itself,
so the text, and any error, are the standard library's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import INFINITY, encode_basestring
from typing import Any

INDENT = "  "


def dumps(document: Any) -> str:
    try:
        out: list[str] = []
        _Writer(out.append).write(document, "\n")
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


class _Writer:
    """One document's text. A report repeats the same keys and texts thousands of times (a
    lint report: every finding's keys, rule and `why`): each key's `"key": ` and each text
    value of a dict is encoded once per document, and text, integers and None inside a
    container are written without a call of their own (a third fewer instructions)."""

    def __init__(self, append: Callable[[str], object]) -> None:
        self.append = append
        self.keys: dict[str, str] = {}
        self.texts: dict[str, str] = {}

    def write(self, value: Any, newline: str) -> None:
        """`value` at the indentation `newline` ("\\n" plus the current indent), in json's
        order of type tests: str, None, True, False, int, float, list/tuple, dict."""
        append = self.append
        if isinstance(value, str):
            append(encode_basestring(value))
        elif value is None:
            append("null")
        elif value is True:
            append("true")
        elif value is False:
            append("false")
        elif isinstance(value, int):
            append(int.__repr__(value))
        elif isinstance(value, float):
            append(_float(value))
        elif isinstance(value, list | tuple):
            if not value:
                append("[]")
                return
            inner = newline + INDENT
            separator = "," + inner
            append("[" + inner)
            first = True
            for item in value:
                if first:
                    first = False
                else:
                    append(separator)
                kind = type(item)
                if kind is str:
                    append(encode_basestring(item))
                elif kind is int:
                    append(int.__repr__(item))
                else:
                    self.write(item, inner)
            append(newline + "]")
        elif isinstance(value, dict):
            if not value:
                append("{}")
                return
            inner = newline + INDENT
            separator = "," + inner
            keys, texts = self.keys, self.texts
            append("{" + inner)
            first = True
            for key, item in value.items():
                if first:
                    first = False
                else:
                    append(separator)
                encoded = keys.get(key) if type(key) is str else None
                if encoded is None:
                    if not isinstance(key, str):
                        raise TypeError("a key that is not text: json.dumps converts it")
                    encoded = keys[key] = encode_basestring(key) + ": "
                append(encoded)
                kind = type(item)
                if kind is str:
                    text = texts.get(item)
                    if text is None:
                        text = texts[item] = encode_basestring(item)
                    append(text)
                elif kind is int:
                    append(int.__repr__(item))
                elif item is None:
                    append("null")
                else:
                    self.write(item, inner)
            append(newline + "}")
        else:
            raise TypeError(f"{type(value).__name__} is not JSON: json.dumps reports it")
