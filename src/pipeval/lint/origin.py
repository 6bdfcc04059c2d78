"""Where a value spliced into SQL comes from, to grade how risky the splice is.

A value that is a number or a date by construction (`int(x)`, `day.isoformat()`, an f-string
format spec, a `validate_*` result) or by type or name (`game_date: date`, `days_back`) cannot
carry a quote: CHECKED. A string read from the command line (`sys.argv`, argparse), an HTTP
request (`request.args`, `request.get_json()`) or a database row (a loop over query results)
is UNTRUSTED: anyone who controls that input controls the statement. Everything else is
UNKNOWN. The walk follows local names, attribute and subscript bases and method calls on a
value (`data.get("x").strip()`), a few steps deep, and never guesses across functions.
"""

from __future__ import annotations

import ast
import re

from pipeval.lint.resolve import MAX_DEPTH, At

CHECKED = "checked"
UNKNOWN = "unknown"
CLI = "command-line arguments"
HTTP = "an HTTP request"
ROWS = "database rows"
UNTRUSTED = frozenset({CLI, HTTP, ROWS})

# Calls whose result cannot hold a quote: numbers, booleans, dates rendered by Python.
CONVERTERS = frozenset({"int", "float", "bool", "len", "round", "abs", "Decimal", "date"})
DATE_METHODS = frozenset({"isoformat", "strftime", "date", "timestamp", "toordinal"})
TYPES = frozenset({"int", "float", "bool", "date", "datetime", "Decimal", "Timestamp"})
VALIDATOR = re.compile(r"(?:validate|check|ensure|assert|sanitize|quote)_\w*|\w*_validated?")
# Names that say "a date, a count or a number": `game_date`, `date_str`, `days_back`, `limit`.
NUMBERISH = re.compile(
    r"(?:^|_)(?:date|dates|dt|day|days|season|year|years|month|week|hour|hours|minute|minutes"
    r"|limit|offset|count|num|number|threshold|window|lookback|ts|timestamp|start|end|min|max"
    r"|n|pct|seconds|size|today|yesterday|tomorrow)(?:_|$|\d)",
    re.IGNORECASE,
)
REQUEST_PARTS = frozenset(
    {"args", "json", "form", "values", "get_json", "data", "headers", "view_args", "params"}
)
ROW_SOURCES = frozenset(
    {"query", "query_and_wait", "result", "fetchall", "fetchone", "fetchmany", "to_dataframe",
     "list_rows", "iterrows", "itertuples", "to_dict", "execute"}
)  # fmt: skip
WRAPPERS = frozenset({"str", "repr", "format", "strip", "lower", "upper", "get", "replace"})


def _name(expr: ast.expr) -> str:
    """The name a value goes by: `x`, `obj.x`, `row["x"]`."""
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        return expr.attr
    if isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Constant):
        key = expr.slice.value
        return key if isinstance(key, str) else ""
    return ""


def _called(call: ast.Call) -> str:
    return _name(call.func)


def origin(expr: ast.expr, at: At, depth: int = 0) -> str:
    """CHECKED, one of UNTRUSTED's sources, or UNKNOWN for the value of `expr` at `at`."""
    if depth > MAX_DEPTH:
        return UNKNOWN
    if isinstance(expr, ast.Constant):
        return CHECKED
    if isinstance(expr, ast.JoinedStr):  # a nested f-string: as risky as its worst part
        parts = [
            origin(v.value, at, depth + 1) for v in expr.values if isinstance(v, ast.FormattedValue)
        ]
        return _worst(parts)
    if isinstance(expr, ast.Call):
        return _call_origin(expr, at, depth)
    if isinstance(expr, ast.Subscript | ast.Attribute):
        source = _source(expr, at, depth)
        if source != UNKNOWN:
            return source
        return CHECKED if NUMBERISH.search(_name(expr)) else UNKNOWN
    if isinstance(expr, ast.Name):
        return _name_origin(expr, at, depth)
    if isinstance(expr, ast.BinOp) and not isinstance(expr.op, ast.Add | ast.Mod):
        return CHECKED  # arithmetic
    return UNKNOWN


def _worst(parts: list[str]) -> str:
    for source in (HTTP, CLI, ROWS, UNKNOWN):
        if source in parts:
            return source
    return CHECKED


def _call_origin(call: ast.Call, at: At, depth: int) -> str:
    name = _called(call)
    if name in CONVERTERS or name in DATE_METHODS or VALIDATOR.fullmatch(name):
        return CHECKED
    if name in ("parse_args", "parse_known_args"):  # also a script's own `parse_args()`
        return CLI
    source = _source(call, at, depth)
    if source != UNKNOWN:
        return source
    if name == "join" and call.args:  # ", ".join(values): as risky as the values
        return _element_origin(call.args[0], at, depth + 1)
    if isinstance(call.func, ast.Attribute):
        base = _source(call.func.value, at, depth)
        if base != UNKNOWN or name in WRAPPERS:
            return base if base != UNKNOWN else origin(call.func.value, at, depth + 1)
    elif name in WRAPPERS and call.args:
        return origin(call.args[0], at, depth + 1)
    return UNKNOWN


def _element_origin(expr: ast.expr, at: At, depth: int) -> str:
    if isinstance(expr, ast.ListComp | ast.GeneratorExp | ast.SetComp):
        element = origin(expr.elt, at, depth + 1)
        if element == CHECKED:
            return CHECKED
        return _worst([element, origin(expr.generators[0].iter, at, depth + 1)])
    return origin(expr, at, depth + 1)


def _source(expr: ast.expr, at: At, depth: int) -> str:
    """The untrusted source at the base of `a.b[c].get(d)`, or UNKNOWN."""
    node = expr
    for _ in range(MAX_DEPTH * 2):
        if isinstance(node, ast.Attribute):
            if _name(node.value) == "request" and node.attr in REQUEST_PARTS:
                return HTTP
            if _name(node.value) == "sys" and node.attr == "argv":
                return CLI
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if _called(node) == "parse_args":
                return CLI
            node = node.func
        else:
            break
    if isinstance(node, ast.Name) and node is not expr:
        found = _name_origin(node, at, depth + 1)
        return found if found in UNTRUSTED else UNKNOWN
    return UNKNOWN


def _name_origin(name: ast.Name, at: At, depth: int) -> str:
    found = at.scope.find(name.id, at.before)
    if found is not None:
        binding, owner = found
        where = At(owner, binding.position)
        if binding.kind == "assign" and binding.value is not None:
            value = origin(binding.value, where, depth + 1)
            if value != UNKNOWN:
                return value
        elif binding.kind == "iter" and binding.value is not None:
            rows = _rows(binding.value, where, depth + 1)
            if rows != UNKNOWN:
                return rows
            if isinstance(binding.value, ast.Call) and _called(binding.value) == "range":
                return CHECKED
        elif binding.annotation is not None:
            declared = _name(_base(binding.annotation))
            if declared == "Namespace":  # `def main(args: argparse.Namespace)`
                return CLI
            if declared in TYPES:
                return CHECKED
    return CHECKED if NUMBERISH.search(name.id) else UNKNOWN


def _base(annotation: ast.expr) -> ast.expr:
    """`Optional[date]` -> `date`; `date | None` -> `date`."""
    if isinstance(annotation, ast.Subscript):
        return _base(annotation.slice)
    if isinstance(annotation, ast.BinOp):
        return _base(annotation.left)
    return annotation


def _rows(iterable: ast.expr, at: At, depth: int) -> str:
    """ROWS when a loop iterates over query results (directly or through a local name)."""
    node = iterable
    for _ in range(MAX_DEPTH):
        if isinstance(node, ast.Call):
            if _called(node) in ROW_SOURCES:
                return ROWS
            node = node.func.value if isinstance(node.func, ast.Attribute) else node
            if isinstance(node, ast.Call):
                continue
        if isinstance(node, ast.Name):
            found = at.scope.find(node.id, at.before)
            if found is None or found[0].kind != "assign" or found[0].value is None:
                return UNKNOWN
            node, at = found[0].value, At(found[1], found[0].position)
            continue
        if isinstance(node, ast.Attribute | ast.Subscript):
            node = node.value
            continue
        break
    return UNKNOWN
