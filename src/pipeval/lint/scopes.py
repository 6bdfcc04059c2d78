"""What the index of one file is made of: bindings, scopes, loops and call sites.

A `Scope` holds each name's bindings in source order (so a lookup is a bisection), the values
appended to list names, the classes defined in it, and, for a class body, the attributes its
methods assign to `self`. `pipeval.lint.source` builds them in one walk of the tree.
"""

from __future__ import annotations

import ast
import bisect
from dataclasses import dataclass, field
from typing import NamedTuple

Position = tuple[int, int]


class Binding(NamedTuple):
    """`name = value` (kind "assign"), `name += value` ("aug"), an import, a loop target
    (kind "iter", `value` is the iterable), or anything else that rebinds the name without a
    value we can read ("unknown": parameters, `with ... as`)."""

    position: Position
    kind: str
    value: ast.expr | None = None
    imported: str = ""
    annotation: ast.expr | None = None  # a parameter's declared type


@dataclass
class Scope:
    node: ast.AST
    parent: Scope | None
    # A comprehension reads its enclosing function's names as they are at that point.
    transparent: bool = False
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    mutated: set[str] = field(default_factory=set)
    # name -> (position, value) of each `name.append(value)` / `.extend` / `.insert`
    added: dict[str, list[tuple[Position, ast.expr]]] = field(default_factory=dict)
    # Names whose bindings were not recorded in source order (bisect is then not valid).
    unordered: set[str] = field(default_factory=set)
    classes: dict[str, Scope] = field(default_factory=dict)  # class name -> its body's scope
    # In a class body's scope: `self.name = value` in its methods (value, the method's scope)
    instance: dict[str, list[tuple[ast.expr, Scope, Position]]] = field(default_factory=dict)
    opaque: set[str] = field(default_factory=set)  # `self.name = ...` in methods not indexed

    def enclosing_class(self) -> Scope | None:
        """The class body whose method this scope is (through comprehensions), if any."""
        scope: Scope | None = self
        while scope is not None and scope.transparent:
            scope = scope.parent
        if scope is None or not isinstance(scope.node, ast.FunctionDef | ast.AsyncFunctionDef):
            return None
        parent = scope.parent
        return parent if parent is not None and isinstance(parent.node, ast.ClassDef) else None

    def find_class(self, name: str) -> Scope | None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.classes:
                return scope.classes[name]
            scope = scope.parent
        return None

    def bind(self, name: str, binding: Binding) -> None:
        own = self.bindings.get(name)
        if own is None:
            self.bindings[name] = [binding]
            return
        if binding.position < own[-1].position:
            self.unordered.add(name)
        own.append(binding)

    def _earlier(self, name: str, own: list[Binding], before: Position) -> int:
        """How many of `own` bind before `before`: a bisection, so that a name bound
        thousands of times in one function costs log(n) a lookup, not n."""
        if name in self.unordered:
            return sum(1 for b in own if b.position < before)
        if len(own) == 1:  # most names are bound once: no bisection (and its key calls)
            return 1 if own[0].position < before else 0
        return bisect.bisect_left(own, before, key=lambda b: b.position)

    def lookup(self, name: str, before: Position) -> Binding | None:
        found = self.find(name, before)
        return found[0] if found else None

    def find(self, name: str, before: Position) -> tuple[Binding, Scope] | None:
        """The binding a reader at `before` most plausibly sees, and the scope that holds it;
        None when unknown (bound only later, or rebound in an enclosing scope)."""
        own = self.bindings.get(name)
        if own:
            count = self._earlier(name, own, before)
            return (own[count - 1], self) if count else None
        if self.transparent and self.parent is not None:
            return self.parent.find(name, before)
        scope = self.parent
        while scope is not None:
            outer = scope.bindings.get(name)
            # Class bodies are not enclosing scopes for the functions defined in them.
            if outer and not isinstance(scope.node, ast.ClassDef):
                # An enclosing binding is trusted only when it is a constant (bound once).
                return (outer[0], scope) if len(outer) == 1 else None
            scope = scope.parent
        return None

    def history(self, name: str, before: Position) -> list[Binding]:
        """Every binding of `name` in this scope before `before` (for `sql += ...` chains)."""
        own = self.bindings.get(name)
        if not own and self.transparent and self.parent is not None:
            return self.parent.history(name, before)
        if not own:
            return []
        if name in self.unordered:
            return [b for b in own if b.position < before]
        return own[: self._earlier(name, own, before)]

    def additions(self, name: str, before: Position) -> list[ast.expr]:
        """The values `name.append(...)`-ed (or extended, inserted) before `before`."""
        scope: Scope | None = self
        while scope is not None:
            if name in scope.bindings or not scope.transparent:
                return [value for at, value in scope.added.get(name, ()) if at < before]
            scope = scope.parent
        return []

    def is_mutated(self, name: str) -> bool:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.bindings or not scope.transparent:
                return name in scope.mutated
            scope = scope.parent
        return False


@dataclass(frozen=True)
class Loop:
    kind: str
    line: int
    purpose: str = ""  # pipeval.lint.loops: RETRY or CHUNKS when it repeats a write on purpose


UNRESOLVED = object()  # `CallSite.callee` before `pipeval.lint.resolve.callee` works it out


@dataclass(slots=True, eq=False)
class CallSite:
    """One call with the scope it runs in and the loop that repeats it. Not frozen: a frozen
    dataclass's constructor (one per call in the indexed code) was a few per cent of lint."""

    node: ast.Call
    scope: Scope
    loop: Loop | None
    flush: bool = False  # under `if len(buffer) >= N:` inside the loop
    callee: object = field(default=UNRESOLVED, repr=False)  # cache of `resolve.callee`

    @property
    def position(self) -> Position:
        return (self.node.lineno, self.node.col_offset)
