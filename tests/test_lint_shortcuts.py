"""The engine's shortcuts give what the general code they stand in for gives: the encoding
read without `tokenize` when no declaration can be there, a call's name joined without
`ast.unparse`, a finding moved without `dataclasses.replace`, a skipped method still
telling its class which attributes it assigns, line breaks found without a regular
expression, and a source read sized to its file."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import replace
from pathlib import Path

import pytest

from pipeval.errors import InputError
from pipeval.files import read_bytes
from pipeval.lint.engine import _encoding, lint_text
from pipeval.lint.resolve import unparsed
from pipeval.lint.rule import Hit, Settings, relocated
from pipeval.lint.source import _other_breaks
from pipeval.results import Severity

HEADS = [
    b"",
    b"x = 1\n",
    b"# -*- coding: latin-1 -*-\nx = 1\n",
    b"#!/usr/bin/env python\n# coding=cp1252\nx = 1\n",
    b"\n# vim: set fileencoding=utf-8 :\n",
    b"x = 1\n# coding: latin-1\n",  # a cookie on line 2 after code does not count
    b"\xef\xbb\xbfx = 1\n",  # BOM
    b"# coding: no-such-codec\n",
    b"# not utf-8 \xff\nx = 1\n",
    b"print('coding')\n",
    b"\r\n# coding: latin-1\r\n",
]


def _reference(data: bytes) -> str:
    try:
        return tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    except SyntaxError:
        return "utf-8"


@pytest.mark.parametrize("data", HEADS)
def test_encoding_agrees_with_tokenize(data: bytes) -> None:
    assert _encoding(data) == _reference(data)


@pytest.mark.parametrize(
    "code",
    [
        "f",
        "client.insert_rows_json",
        "1 .real",
        "a.b[0]",
        "self.a.b.c",
        "(a or b).write",
        "f().write",
        "x[0].load",
    ],
)
def test_called_name_is_what_unparse_gives(code: str) -> None:
    func = ast.parse(code, mode="eval").body
    assert unparsed(func) == ast.unparse(func)


def test_relocated_is_replace() -> None:
    hit = Hit("r", 3, 1, "f(x)", "m", Severity.WARN, 3, {"k": [1]}, sink=None)
    moved = relocated(hit, path="a.py", root="/src")
    assert moved == replace(hit, path="a.py", root="/src")
    assert hit.path == "" and moved.extra is hit.extra


def test_skipped_method_still_names_its_class_attributes() -> None:
    """`__init__` holds no trigger word, so it is not indexed, but its `self.table = ...` is
    what the write in `save` reads; a method that reassigns it makes it opaque."""
    code = """
class Writer:
    def __init__(self, client):
        self.client = client
        self.table = "nba_reference.processor_run_history"

    def save(self, row):
        self.client.insert_rows_json(self.table, [row])
"""
    hot = Settings(frozenset({"nba_reference.processor_run_history"}))
    [hit] = lint_text(code, hot).hits
    assert hit.severity is Severity.FAIL
    reassigned = code + "\n    def rename(self, name):\n        self.table += name\n"
    [hit] = lint_text(reassigned, hot).hits
    assert hit.severity is Severity.WARN


@pytest.mark.parametrize(
    "text", ["a\nb", "a\fb", "x\u2028y", "é\n", "é\x85", "\x1e", "", "a\r\nb\rc"]
)
def test_other_line_breaks_are_found_as_the_expression_finds_them(text: str) -> None:
    expression = re.compile("[\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
    assert _other_breaks(text) is (expression.search(text) is not None)


@pytest.mark.parametrize("size", [0, 1, 100, 4096, 4097])
def test_source_reads_stop_at_the_cap_whatever_the_size(tmp_path: Path, size: int) -> None:
    """`read_bytes` asks for the file's size, not the cap, and still reads a file to the end,
    refusing one over the cap (here 4,096 bytes)."""
    path = tmp_path / "job.py"
    path.write_bytes(b"x" * size)
    if size > 4096:
        with pytest.raises(InputError, match="larger than"):
            read_bytes(path, "source", InputError, 4096)
    else:
        assert read_bytes(path, "source", InputError, 4096) == b"x" * size
