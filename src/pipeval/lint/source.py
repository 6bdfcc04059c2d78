"""One Python file, parsed once and indexed in one walk: call sites, scopes, local bindings.

Rules never walk the tree themselves: they read `calls` (every call with the scope it runs in
and the innermost loop that repeats it) and resolve names through `Scope` bindings. The
resolution is deliberately local and flow-insensitive ("an obvious local alias"): the last
binding of a name before the call in the same function, or a module-level constant.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass, field

Position = tuple[int, int]
MUTATORS = frozenset({"append", "extend", "insert", "update", "__setitem__"})
SUPPRESSION = re.compile(r"pipeval:\s*ignore\[([^\]]*)\]")


@dataclass(frozen=True)
class Binding:
    """`name = value` (kind "assign"), `name += value` ("aug"), an import, or anything else
    that rebinds the name without a value we can read ("unknown": parameters, loop targets)."""

    position: Position
    kind: str
    value: ast.expr | None = None
    imported: str = ""


@dataclass
class Scope:
    node: ast.AST
    parent: Scope | None
    # A comprehension reads its enclosing function's names as they are at that point.
    transparent: bool = False
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    mutated: set[str] = field(default_factory=set)

    def bind(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)

    def lookup(self, name: str, before: Position) -> Binding | None:
        found = self.find(name, before)
        return found[0] if found else None

    def find(self, name: str, before: Position) -> tuple[Binding, Scope] | None:
        """The binding a reader at `before` most plausibly sees, and the scope that holds it;
        None when unknown (bound only later, or rebound in an enclosing scope)."""
        own = self.bindings.get(name)
        if own:
            earlier = [b for b in own if b.position < before]
            return (earlier[-1], self) if earlier else None
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
        return [b for b in own or [] if b.position < before]

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


@dataclass(frozen=True)
class CallSite:
    node: ast.Call
    scope: Scope
    loop: Loop | None

    @property
    def position(self) -> Position:
        return (self.node.lineno, self.node.col_offset)


@dataclass
class SourceFile:
    text: str
    tree: ast.Module
    calls: list[CallSite]
    module: Scope

    @classmethod
    def parse(cls, text: str, filename: str = "<lint>") -> SourceFile:
        return cls.index(text, ast.parse(text, filename=filename))

    @classmethod
    def index(cls, text: str, tree: ast.Module) -> SourceFile:
        indexer = _Indexer(tree)
        indexer.visit(tree)
        return cls(text=text, tree=tree, calls=indexer.calls, module=indexer.module)

    def suppressions(self) -> dict[int, set[str]]:
        """Line -> rule ids from `# pipeval: ignore[rule, ...]` comments (comments only)."""
        if "pipeval:" not in self.text:
            return {}
        found: dict[int, set[str]] = {}
        for token in tokenize.generate_tokens(io.StringIO(self.text).readline):
            if token.type != tokenize.COMMENT:
                continue
            for match in SUPPRESSION.finditer(token.string):
                rules = {part.strip() for part in match.group(1).split(",") if part.strip()}
                found.setdefault(token.start[0], set()).update(rules)
        return found


def _end(node: ast.stmt | ast.expr) -> Position:
    return (node.end_lineno or node.lineno, node.end_col_offset or 0)


def _target_names(target: ast.expr) -> Iterator[ast.Name]:
    for node in ast.walk(target):
        if isinstance(node, ast.Name):
            yield node


class _Indexer(ast.NodeVisitor):
    """Collects call sites and bindings; tracks the scope and the loop that repeats a node."""

    def __init__(self, tree: ast.Module) -> None:
        self.module = Scope(tree, None)
        self.scope = self.module
        self.loop: Loop | None = None
        self.calls: list[CallSite] = []

    # -- scopes: a nested function, lambda or class body is not part of the enclosing loop --
    def _enter(self, node: ast.AST, body: list[ast.AST], params: list[str]) -> None:
        outer_scope, outer_loop = self.scope, self.loop
        self.scope, self.loop = Scope(node, outer_scope), None
        for name in params:
            self.scope.bind(name, Binding((0, 0), "unknown"))
        for child in body:
            self.visit(child)
        self.scope, self.loop = outer_scope, outer_loop

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        args = node.args
        for default in [*args.defaults, *(d for d in args.kw_defaults if d is not None)]:
            self.visit(default)
        params = [a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]]
        params += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
        if isinstance(node, ast.Lambda):
            self._enter(node, [node.body], params)
            return
        for decorator in node.decorator_list:
            self.visit(decorator)
        self.scope.bind(node.name, Binding((node.lineno, node.col_offset), "unknown"))
        self._enter(node, list(node.body), params)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._function(node)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._function(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for child in [*node.decorator_list, *node.bases, *node.keywords]:
            self.visit(child)
        self.scope.bind(node.name, Binding((node.lineno, node.col_offset), "unknown"))
        self._enter(node, list(node.body), [])

    # -- loops: the body repeats; the iterable and the else branch run once --
    def _for(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        outer = self.loop
        self.loop = Loop("for", node.lineno)
        for name in _target_names(node.target):
            self.scope.bind(name.id, Binding((name.lineno, name.col_offset), "unknown"))
        for child in node.body:
            self.visit(child)
        self.loop = outer
        for child in node.orelse:
            self.visit(child)

    def visit_For(self, node: ast.For) -> None:
        self._for(node)

    def visit_AsyncFor(self, node: ast.AsyncFor) -> None:
        self._for(node)

    def visit_While(self, node: ast.While) -> None:
        outer = self.loop
        self.loop = Loop("while", node.lineno)
        self.visit(node.test)
        for child in node.body:
            self.visit(child)
        self.loop = outer
        for child in node.orelse:
            self.visit(child)

    def _comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp
    ) -> None:
        generators = node.generators
        self.visit(generators[0].iter)
        outer_scope, outer_loop = self.scope, self.loop
        self.scope = Scope(node, outer_scope, transparent=True)
        self.loop = Loop("comprehension", node.lineno)
        for index, generator in enumerate(generators):
            if index:
                self.visit(generator.iter)
            for name in _target_names(generator.target):
                self.scope.bind(name.id, Binding((0, 0), "unknown"))
            for condition in generator.ifs:
                self.visit(condition)
        elements = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        for element in elements:
            self.visit(element)
        self.scope, self.loop = outer_scope, outer_loop

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comprehension

    # -- bindings --
    # A binding takes effect once its statement has run, so `x = f(x)` reads the old `x`.
    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self._bind_target(target, node.value, _end(node))

    def _bind_target(self, target: ast.expr, value: ast.expr, at: Position) -> None:
        if isinstance(target, ast.Name):
            self.scope.bind(target.id, Binding(at, "assign", value))
            return
        if (
            isinstance(target, ast.Tuple | ast.List)
            and isinstance(value, ast.Tuple | ast.List)
            and len(target.elts) == len(value.elts)
        ):
            for part, part_value in zip(target.elts, value.elts, strict=True):
                self._bind_target(part, part_value, at)
            return
        for name in _target_names(target):
            if isinstance(name.ctx, ast.Store):
                self.scope.bind(name.id, Binding(at, "unknown"))
        self.visit(target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
            self._bind_target(node.target, node.value, _end(node))

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        if isinstance(node.target, ast.Name):
            kind = "aug" if isinstance(node.op, ast.Add) else "unknown"
            self.scope.bind(node.target.id, Binding(_end(node), kind, node.value))
            self._owner(node.target.id).mutated.add(node.target.id)
        else:
            self.visit(node.target)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self._bind_target(node.target, node.value, _end(node))

    def visit_withitem(self, node: ast.withitem) -> None:
        self.visit(node.context_expr)
        if node.optional_vars is not None:
            for name in _target_names(node.optional_vars):
                self.scope.bind(name.id, Binding((name.lineno, name.col_offset), "unknown"))

    def _imports(self, node: ast.Import | ast.ImportFrom) -> None:
        for alias in node.names:
            original = alias.name.rsplit(".", 1)[-1]
            local = alias.asname or alias.name.split(".", 1)[0]
            self.scope.bind(
                local, Binding((node.lineno, node.col_offset), "import", None, original)
            )

    visit_Import = visit_ImportFrom = _imports

    def visit_Global(self, node: ast.Global) -> None:
        for name in node.names:
            self.scope.bind(name, Binding((node.lineno, node.col_offset), "unknown"))

    visit_Nonlocal = visit_Global

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.scope.bind(node.name, Binding((node.lineno, node.col_offset), "unknown"))
        self.generic_visit(node)

    def _owner(self, name: str) -> Scope:
        scope = self.scope
        while scope.transparent and name not in scope.bindings and scope.parent is not None:
            scope = scope.parent
        return scope

    # -- calls --
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr in MUTATORS
            and isinstance(func.value, ast.Name)
        ):
            self._owner(func.value.id).mutated.add(func.value.id)
        self.calls.append(CallSite(node, self.scope, self.loop))
        self.generic_visit(node)
