"""The syntax writers.py reads a writer function with: the keys found so far, a function's
statements and calls through every branch, dataclass fields, argument binding."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field

from pipeval.lint.resolve import call_name

Scope = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass
class Keys:
    """Keys known to be in a dict, plus descriptions of what could not be resolved."""

    known: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    def add(self, key: str) -> None:
        if key not in self.known:
            self.known.append(key)

    def merge(self, other: Keys) -> None:
        for key in other.known:
            self.add(key)
        for note in other.unknown:
            if note not in self.unknown:
                self.unknown.append(note)

    def remove(self, key: str) -> None:
        if key in self.known:
            self.known.remove(key)


def names_dataclass(decorator: ast.expr) -> bool:
    """`@dataclass`, `@dataclasses.dataclass`, `@dataclass(frozen=True)`."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return call_name(target) == "dataclass"


def dataclass_fields(node: ast.ClassDef) -> list[str]:
    """The fields `asdict` would give: annotated class attributes other than ClassVar."""
    found = []
    for item in node.body:
        if (
            isinstance(item, ast.AnnAssign)
            and isinstance(item.target, ast.Name)
            and "ClassVar" not in ast.unparse(item.annotation)
        ):
            found.append(item.target.id)
    return found


def statements_of(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement of a function in source order, through all branches and loops, without
    entering nested functions or classes (their own scopes)."""
    for statement in body:
        yield statement
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for name in ("body", "orelse", "finalbody"):
            yield from statements_of(getattr(statement, name, []) or [])
        for handler in getattr(statement, "handlers", []) or []:
            yield from statements_of(handler.body)
        for case in getattr(statement, "cases", []) or []:
            yield from statements_of(case.body)


def calls_of(statement: ast.stmt) -> Iterator[ast.Call]:
    """Calls made by one statement itself (not by statements nested in its body)."""
    parts: list[ast.AST] = []
    for name, value in ast.iter_fields(statement):
        if name in ("body", "orelse", "finalbody", "handlers", "cases"):
            continue
        parts.extend(value if isinstance(value, list) else [value])
    for part in parts:
        if isinstance(part, ast.AST):
            for node in ast.walk(part):
                if isinstance(node, ast.Call):
                    yield node


def status_flag(node: ast.Tuple) -> bool | None:
    """The leading `True`/`False` of a `(ok, payload)` result tuple, else None."""
    if len(node.elts) >= 2:
        first = node.elts[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, bool):
            return first.value
    return None


def bind(scope: Scope, owner: str | None, call: ast.Call) -> list[tuple[str, ast.expr]]:
    """(parameter, argument) pairs of a call to a same-module function or `self.method`."""
    params = [a.arg for a in [*scope.args.posonlyargs, *scope.args.args]]
    if owner is not None and params and params[0] in ("self", "cls"):
        params = params[1:]
    pairs = [(param, arg) for param, arg in zip(params, call.args, strict=False)]
    pairs += [(k.arg, k.value) for k in call.keywords if k.arg is not None]
    return pairs


def union(parts: list[Keys]) -> Keys:
    union = Keys()
    for part in parts:
        union.merge(part)
    return union
