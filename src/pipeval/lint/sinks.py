"""Query sinks through the project's own wrappers, found across the scanned tree.

`client.query(sql)` is a sink by the BigQuery client's signature. A function that hands one of
its parameters on to a sink (`def run_query(self, sql): return self.client.query(sql)`) is a
sink too, at that parameter, transitively (`execute_bigquery` -> `_execute_query` -> `query`).
Each file yields its `Pass`es (parameter -> argument of another call) from the one parse the
rules use; the engine joins every file's passes into one `SinkIndex` and then keeps the
findings whose call turned out to reach a sink (`Hit.sink`). Names are matched by the called
name only, as `callee` resolves them: the index is project-wide and flow-insensitive.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from pipeval.lint.resolve import At, Callee, argument, call_name, callee, follow
from pipeval.lint.scopes import CallSite, Scope
from pipeval.lint.source import SourceFile
from pipeval.lint.writes import QUERY_CALLS

TEXT_WRAPPERS = frozenset({"strip", "lstrip", "rstrip", "dedent", "format"})
# Logging and builtins take text all day and never run it: not worth resolving their arguments.
NEVER_SINKS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "print", "echo",
     "len", "str", "repr", "isinstance", "startswith", "endswith", "split", "replace", "join"}
)  # fmt: skip


class Sink(NamedTuple):
    """Argument `position` (or `keyword`) of a call of `name` is SQL that gets run. (Named
    tuples, as `Pass` and `Binding`: made for every argument and binding, where a frozen
    dataclass's constructor cost a few per cent of lint.)"""

    name: str
    position: int  # -1: keyword only
    keyword: str  # "": positional only


class Pass(NamedTuple):
    """Function `source`'s parameter is handed on as argument `target` of another call."""

    source: Sink
    target: Sink


BUILTIN = tuple(Sink(name, *where) for name, where in QUERY_CALLS.items())


@dataclass
class SinkIndex:
    by_name: dict[str, set[Sink]] = field(default_factory=dict)

    @classmethod
    def build(cls, passes: Iterable[Pass]) -> SinkIndex:
        """The builtin sinks plus every function that passes a parameter on to a sink."""
        index = cls()
        for sink in BUILTIN:
            index.add(sink)
        pending: dict[str, list[Pass]] = {}
        for item in passes:
            pending.setdefault(item.target.name, []).append(item)
        work = list(BUILTIN)
        while work:  # each sink is added once, so this ends after at most len(passes) steps
            sink = work.pop()
            for item in pending.get(sink.name, ()):
                if _matches(item.target, sink) and index.add(item.source):
                    work.append(item.source)
        return index

    def add(self, sink: Sink) -> bool:
        known = self.by_name.setdefault(sink.name, set())
        if sink in known:
            return False
        known.add(sink)
        return True

    def accepts(self, argument: Sink) -> bool:
        return any(_matches(argument, sink) for sink in self.by_name.get(argument.name, ()))

    def wrappers(self) -> set[str]:
        return {name for name in self.by_name if name not in QUERY_CALLS}


def _matches(argument: Sink, sink: Sink) -> bool:
    """Does an argument passed at `argument`'s position or keyword land on `sink`?"""
    if argument.position >= 0:
        return argument.position == sink.position
    return bool(argument.keyword) and argument.keyword == sink.keyword


def _function_scope(scope: Scope) -> Scope | None:
    while scope.transparent and scope.parent is not None:
        scope = scope.parent
    return scope if isinstance(scope.node, ast.FunctionDef | ast.AsyncFunctionDef) else None


def _parameters(function: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope) -> dict[str, Sink]:
    """Each parameter with the position a caller passes it at (`self` does not count)."""
    args = function.args
    positional = [*args.posonlyargs, *args.args]
    static = any(
        isinstance(d, ast.Name) and d.id == "staticmethod" for d in function.decorator_list
    )
    method = (
        scope.parent is not None
        and isinstance(scope.parent.node, ast.ClassDef)
        and not static
        and bool(positional)
    )
    shift = 1 if method else 0
    found = {
        a.arg: Sink(function.name, i - shift, "" if i < len(args.posonlyargs) else a.arg)
        for i, a in enumerate(positional)
        if i >= shift
    }
    found.update({a.arg: Sink(function.name, -1, a.arg) for a in args.kwonlyargs})
    return found


def _unwrap(expr: ast.expr) -> ast.expr:
    """`sql.strip()`, `textwrap.dedent(sql)`: the text they are called on."""
    while isinstance(expr, ast.Call):
        func = expr.func
        name = call_name(func)
        if name not in TEXT_WRAPPERS:
            break
        if isinstance(func, ast.Attribute) and name != "dedent":
            expr = func.value
        elif expr.args:
            expr = expr.args[0]
        else:
            break
    return expr


def passes(source: SourceFile) -> list[Pass]:
    """Where each function hands one of its parameters, unchanged, to another call."""
    found: list[Pass] = []
    # id of a call's scope -> its function's scope and that function's parameters (a dict is
    # looked up once per call: most calls of a function share its scope).
    functions: dict[int, tuple[Scope, dict[str, Sink]] | None] = {}
    for site in source.calls:
        node = site.node
        if not node.args and not node.keywords:
            continue
        key = id(site.scope)
        if key in functions:
            known = functions[key]
        else:
            known = functions[key] = _function_of(site.scope)
        if known is None:
            continue
        scope, named = known
        target: Callee | None = None
        for arg, position, keyword in _name_arguments(node):
            unwrapped = arg if type(arg) is ast.Name else _unwrap(arg)
            if not isinstance(unwrapped, ast.Name):
                continue  # only a name can be the parameter itself
            if not _bound_inside(unwrapped.id, site.scope, scope):
                continue  # a global or builtin: it resolves outside, never to a parameter
            value, value_at = follow(unwrapped, At.call(site))
            value = _unwrap(value)  # `sql = sql.strip()` before the call
            if isinstance(value, ast.Name) and value is not arg:
                value, value_at = follow(value, value_at)
            if not isinstance(value, ast.Name) or value.id not in named:
                continue
            binding = value_at.scope.find(value.id, value_at.before)
            if binding is None or binding[1] is not scope or binding[0].kind != "unknown":
                continue
            if binding[0].position != (0, 0):  # rebound inside the function: not the parameter
                continue
            target = target or callee(site)
            if target is None:
                break
            found.append(Pass(named[value.id], Sink(target.name, position, keyword)))
    return found


def _function_of(scope: Scope) -> tuple[Scope, dict[str, Sink]] | None:
    """The function a call runs in and its parameters; None outside a function or for a
    function without parameters a caller can pass."""
    function = _function_scope(scope)
    if function is None:
        return None
    node = function.node
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    named = _parameters(node, function)
    return (function, named) if named else None


def _name_arguments(node: ast.Call) -> Iterator[tuple[ast.expr, int, str]]:
    """Each argument that may be a parameter handed on (a name, or a call `_unwrap` may see
    through) with where it lands (position, or keyword); the others are passed over without
    building a `Sink` for them."""
    for index, arg in enumerate(node.args):
        kind = type(arg)
        if kind is ast.Starred:
            return  # positions after *args are unknown
        if kind is ast.Name or kind is ast.Call:
            yield arg, index, ""
    for item in node.keywords:
        kind = type(item.value)
        if item.arg is not None and (kind is ast.Name or kind is ast.Call):
            yield item.value, -1, item.arg


def _bound_inside(name: str, scope: Scope, function: Scope) -> bool:
    """Is `name` bound between the call's scope and its function's (comprehensions included)?
    If not, `follow` resolves it in an enclosing scope, where no parameter of `function` is
    seen: the quick answer for the globals, builtins and imports most arguments are."""
    while name not in scope.bindings:
        if scope is function or scope.parent is None:
            return False
        scope = scope.parent
    return True


def _maybe_text(expr: ast.expr) -> bool:
    """Could this argument be SQL text we can read (cheap syntactic test before resolving)?
    (By exact node type: the parser makes no subclasses, and this runs for every argument.)"""
    kind = type(expr)
    if kind is ast.Constant:
        return isinstance(expr.value, str)  # type: ignore[attr-defined]
    if kind is ast.BinOp:
        return isinstance(expr.op, ast.Add | ast.Mod)  # type: ignore[attr-defined]
    if kind is ast.Call:
        return call_name(expr.func) in TEXT_WRAPPERS  # type: ignore[attr-defined]
    return kind is ast.JoinedStr or kind is ast.Name or kind is ast.Attribute


def sql_arguments(site: CallSite, found: Callee) -> list[tuple[ast.expr, Sink | None]]:
    """The arguments of a call that may be SQL that gets run: the query of a client call
    (certain: no condition), or any text argument of another call, on the condition that the
    index finds that call's argument to be a sink."""
    where = QUERY_CALLS.get(found.name)
    if where is not None:
        sql = argument(site.node, *where)
        return [(sql, None)] if sql is not None else []
    if found.name in NEVER_SINKS:
        return []
    node, name = site.node, found.name
    found_args: list[tuple[ast.expr, Sink | None]] = []
    for index, arg in enumerate(node.args):
        if isinstance(arg, ast.Starred):
            return found_args  # positions after *args are unknown
        if _maybe_text(arg):
            found_args.append((arg, Sink(name, index, "")))
    for item in node.keywords:
        if item.arg is not None and _maybe_text(item.value):
            found_args.append((item.value, Sink(name, -1, item.arg)))
    return found_args
