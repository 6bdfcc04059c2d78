"""The one walk that indexes a parsed file: call sites with their scope and the loop that
repeats them, and the bindings of every scope. `SourceFile.index` (lint/source.py) runs it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar

from pipeval.lint.loops import is_fullness, purpose
from pipeval.lint.scopes import Binding, CallSite, Loop, Position, Scope

MUTATORS = frozenset({"append", "extend", "insert", "update", "__setitem__"})
ADDERS = frozenset({"append", "extend", "insert"})  # list methods that add elements


class Relevance:
    """Whether a span of the text holds a trigger word: `str.find` of each word within the span,
    stopping at the first found (the words most often found first). One regular expression of
    all the words searched each function's text several times slower, and finding every
    occurrence up front cost a scan of the whole file per word."""

    def __init__(self, text: str, triggers: Sequence[str]) -> None:
        self.text = text
        self.triggers = tuple(triggers)

    def within(self, start: int, end: int) -> bool:
        find = self.text.find
        # A loop rather than `any(...)`: no generator step per word (14 words per function).
        for trigger in self.triggers:  # noqa: SIM110
            if find(trigger, start, end) >= 0:
                return True
        return False

    def names(self, word: str) -> bool:
        return any(trigger in word for trigger in self.triggers)


INSTANCE_ASSIGNMENT = re.compile(r"self\.(\w+)\s*(?:[-+*/|&%^@]|//|<<|>>|\*\*)?=(?!=)")


def _self_target(statement: ast.stmt) -> str | None:
    """`x` of a `self.x = value` statement with a value, else None."""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target: ast.expr = statement.targets[0]
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
        target = statement.target
    else:
        return None
    if (
        isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Name)
        and target.value.id == "self"
    ):
        return target.attr
    return None


def _leaf(indexer: Indexer, node: ast.AST) -> None:
    """Nothing to index below a name, a constant, an operator or a context."""


def _end(node: ast.stmt | ast.expr) -> Position:
    return (node.end_lineno or node.lineno, node.end_col_offset or 0)


def _target_names(target: ast.expr) -> Iterable[ast.Name]:
    if type(target) is ast.Name:
        return (target,)  # the commonest target, without `ast.walk`'s queue
    return (node for node in ast.walk(target) if isinstance(node, ast.Name))


# Nodes with nothing below them worth indexing; contexts and operators are shared singletons.
LEAVES = (
    ast.Constant, ast.Name, ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop,
    ast.alias, ast.Pass, ast.Break, ast.Continue,
)  # fmt: skip
SKIPPED_FIELDS = frozenset({"ctx", "op", "ops", "type_comment"})


class Indexer(ast.NodeVisitor):
    """Collects call sites and bindings; tracks the scope and the loop that repeats a node.

    `visit` dispatches through a per-type table and `generic_visit` reads a per-type field
    list: `ast.NodeVisitor`'s name lookup per node and its visits of context singletons were
    most of the index's cost.
    """

    _handlers: ClassVar[dict[type, Callable[[Indexer, Any], None]]] = {}
    _fields: ClassVar[dict[type, tuple[str, ...]]] = {}

    def visit(self, node: ast.AST) -> None:
        kind = type(node)
        handler = self._handlers.get(kind)
        if handler is None:
            handler = self._handler_for(kind)
        handler(self, node)

    @classmethod
    def _handler_for(cls, kind: type) -> Callable[[Indexer, Any], None]:
        handler: Callable[[Indexer, Any], None]
        if issubclass(kind, LEAVES):
            handler = _leaf
        else:
            handler = getattr(cls, "visit_" + kind.__name__, cls.generic_visit)
        cls._handlers[kind] = handler
        return handler

    def generic_visit(self, node: ast.AST) -> None:
        kind = type(node)
        names = self._fields.get(kind)
        if names is None:
            names = self._fields[kind] = tuple(
                name for name in kind._fields if name not in SKIPPED_FIELDS
            )
        handlers = self._handlers
        for name in names:
            value = getattr(node, name, None)
            if value is None:
                continue
            # The handler is looked up here rather than in `visit`, and leaves (names,
            # constants: half of all nodes) are passed over without a call.
            for item in value if type(value) is list else (value,):
                handler = handlers.get(type(item))
                if handler is None:
                    if not isinstance(item, ast.AST):
                        continue  # e.g. the names of a `global` statement
                    handler = self._handler_for(type(item))
                if handler is not _leaf:
                    handler(self, item)

    def __init__(
        self,
        tree: ast.Module,
        text: str = "",
        starts: list[int] | None = None,
        relevant: Relevance | None = None,
    ) -> None:
        self.text, self.starts, self.relevant = text, starts or [], relevant
        self.alias_names: set[str] = set()
        self.aliases: re.Pattern[str] | None = None
        self.module = Scope(tree, None)
        self.scopes = [self.module]
        self.scope = self.module
        self.loop: Loop | None = None
        self.flush = False
        self.calls: list[CallSite] = []
        self.last_scope = self.module

    # -- scopes: a nested function, lambda or class body is not part of the enclosing loop --
    def _enter(self, node: ast.AST, body: list[ast.AST], params: list[ast.arg]) -> None:
        outer_scope, outer_loop, outer_flush = self.scope, self.loop, self.flush
        self.scope, self.loop, self.flush = Scope(node, outer_scope), None, False
        self.scopes.append(self.scope)
        for param in params:
            self.scope.bind(param.arg, Binding((0, 0), "unknown", None, "", param.annotation))
        for child in body:
            self.visit(child)
        self.last_scope = self.scope
        self.scope, self.loop, self.flush = outer_scope, outer_loop, outer_flush

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        args = node.args
        if args.defaults or args.kw_defaults:
            for default in [*args.defaults, *(d for d in args.kw_defaults if d is not None)]:
                self.visit(default)
        params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        params += [a for a in (args.vararg, args.kwarg) if a is not None]
        if isinstance(node, ast.Lambda):
            self._enter(node, [node.body], params)
            return
        for decorator in node.decorator_list:
            self.visit(decorator)
        self.scope.bind(node.name, Binding((node.lineno, node.col_offset), "unknown"))
        span = self._span(node) if self.relevant is not None else None
        if span is not None and not self._relevant(span):
            self._skip(node, span, params)
            return
        self._enter(node, list(node.body), params)

    def _span(self, node: ast.stmt) -> tuple[int, int] | None:
        first, last = node.lineno - 1, (node.end_lineno or node.lineno)
        if not self.starts or last > len(self.starts):
            return None
        end = self.starts[last] if last < len(self.starts) else len(self.text)
        return self.starts[first], end

    def _relevant(self, span: tuple[int, int]) -> bool:
        """Could a rule match in this text: a write, query or SQL word, or a name a write
        function was imported as (`import insert_bigquery_rows as log_event`)?"""
        assert self.relevant is not None
        if self.relevant.within(*span):
            return True
        return self.aliases is not None and bool(self.aliases.search(self.text, *span))

    def _skip(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        span: tuple[int, int],
        params: list[ast.arg],
    ) -> None:
        """A method left out of the index still tells its class the attributes it assigns:
        `self.x = value` statements of its body as values (read in a scope of the method's
        parameters), any other assignment of `self.x` as opaque (not a constant)."""
        owner = self.scope if isinstance(self.scope.node, ast.ClassDef) else None
        if owner is None:
            return
        scope: Scope | None = None  # made for the first `self.x = value` (most methods have none)
        # Plain dicts, not `Counter`s: a Counter's constructor (an ABC check, `update`) cost
        # more than the rest of skipping a method.
        recorded: dict[str, int] = {}
        for statement in node.body:
            kind = type(statement)
            if kind is not ast.Assign and kind is not ast.AnnAssign:
                continue
            target = _self_target(statement)
            if target is not None:
                if scope is None:
                    scope = Scope(node, owner)
                    self.scopes.append(scope)
                    for param in params:
                        binding = Binding((0, 0), "unknown", None, "", param.annotation)
                        scope.bind(param.arg, binding)
                value = statement.value  # type: ignore[attr-defined]
                owner.instance.setdefault(target, []).append((value, scope, _end(statement)))
                recorded[target] = recorded.get(target, 0) + 1
        found: dict[str, int] = {}
        for name in INSTANCE_ASSIGNMENT.findall(self.text, *span):
            found[name] = found.get(name, 0) + 1
        owner.opaque.update(name for name, count in found.items() if count > recorded.get(name, 0))

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
        outer = self.scope
        self._enter(node, list(node.body), [])
        outer.classes[node.name] = self.last_scope

    # -- loops: the body repeats; the iterable and the else branch run once --
    def _for(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        outer, outer_flush = self.loop, self.flush
        self.loop, self.flush = Loop("for", node.lineno, purpose(node)), False
        self._bind_loop_target(node.target, node.iter)
        for child in node.body:
            self.visit(child)
        self.loop, self.flush = outer, outer_flush
        for child in node.orelse:
            self.visit(child)

    def visit_For(self, node: ast.For) -> None:
        self._for(node)

    def visit_AsyncFor(self, node: ast.AsyncFor) -> None:
        self._for(node)

    def visit_While(self, node: ast.While) -> None:
        outer, outer_flush = self.loop, self.flush
        self.loop, self.flush = Loop("while", node.lineno, purpose(node)), False
        self.visit(node.test)
        for child in node.body:
            self.visit(child)
        self.loop, self.flush = outer, outer_flush
        for child in node.orelse:
            self.visit(child)

    def _comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp
    ) -> None:
        generators = node.generators
        self.visit(generators[0].iter)
        outer_scope, outer_loop, outer_flush = self.scope, self.loop, self.flush
        self.scope = Scope(node, outer_scope, transparent=True)
        self.scopes.append(self.scope)
        self.loop, self.flush = Loop("comprehension", node.lineno), False
        for index, generator in enumerate(generators):
            if index:
                self.visit(generator.iter)
            self._bind_loop_target(generator.target, generator.iter, (0, 0))
            for condition in generator.ifs:
                self.visit(condition)
        elements = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        for element in elements:
            self.visit(element)
        self.scope, self.loop, self.flush = outer_scope, outer_loop, outer_flush

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comprehension

    def _bind_loop_target(
        self, target: ast.expr, iterable: ast.expr, at: Position | None = None
    ) -> None:
        """`for sql in statements`: a single name holds one element of the iterable."""
        if isinstance(target, ast.Name):
            position = at if at is not None else (target.lineno, target.col_offset)
            self.scope.bind(target.id, Binding(position, "iter", iterable))
            return
        for name in _target_names(target):
            position = at if at is not None else (name.lineno, name.col_offset)
            self.scope.bind(name.id, Binding(position, "unknown"))

    def visit_If(self, node: ast.If) -> None:
        self.visit(node.test)
        outer = self.flush
        self.flush = outer or (self.loop is not None and is_fullness(node.test))
        for child in node.body:
            self.visit(child)
        self.flush = outer
        for child in node.orelse:
            self.visit(child)

    # -- bindings --
    # A binding takes effect once its statement has run, so `x = f(x)` reads the old `x`.
    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self._bind_target(target, node.value, _end(node))

    def _bind_target(self, target: ast.expr, value: ast.expr, at: Position) -> None:
        kind = type(target)
        if kind is ast.Name:
            self.scope.bind(target.id, Binding(at, "assign", value))  # type: ignore[attr-defined]
            return
        if kind is ast.Attribute and type(target.value) is ast.Name:  # type: ignore[attr-defined]
            # `obj.x = value`: its one name is read, not bound, so there is nothing to walk
            # for bindings (the commonest target after a plain name).
            if target.value.id == "self":  # type: ignore[attr-defined]
                owner = self.scope.enclosing_class()
                if owner is not None:
                    attr = target.attr  # type: ignore[attr-defined]
                    owner.instance.setdefault(attr, []).append((value, self.scope, at))
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
            if self.relevant is not None and local != original and self.relevant.names(original):
                self._alias(local)
            self.scope.bind(
                local, Binding((node.lineno, node.col_offset), "import", None, original)
            )

    visit_Import = visit_ImportFrom = _imports

    def _alias(self, local: str) -> None:
        self.alias_names.add(local)
        names = "|".join(re.escape(name) for name in sorted(self.alias_names))
        self.aliases = re.compile(rf"\b(?:{names})\b")

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
            owner = self._owner(func.value.id)
            owner.mutated.add(func.value.id)
            if func.attr in ADDERS and node.args:
                value = node.args[-1]
                if func.attr == "extend":
                    value = ast.Starred(value=value, ctx=ast.Load())  # many elements
                owner.added.setdefault(func.value.id, []).append((_end(node), value))
        self.calls.append(CallSite(node, self.scope, self.loop, self.flush))
        # The children visited inline (the handler lookup of `_child`): calls are the
        # commonest node the index visits, and their arguments mostly names and constants.
        handlers = self._handlers
        handler = handlers.get(type(func)) or self._handler_for(type(func))
        if handler is not _leaf:
            handler(self, func)
        for arg in node.args:
            handler = handlers.get(type(arg)) or self._handler_for(type(arg))
            if handler is not _leaf:
                handler(self, arg)
        for keyword in node.keywords:
            value = keyword.value
            handler = handlers.get(type(value)) or self._handler_for(type(value))
            if handler is not _leaf:
                handler(self, value)

    # -- the commonest nodes, visited without `generic_visit`'s walk over their fields --
    def _child(self, node: ast.AST) -> None:
        handler = self._handlers.get(type(node))
        if handler is None:
            handler = self._handler_for(type(node))
        if handler is not _leaf:
            handler(self, node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self._child(node.value)

    def visit_Expr(self, node: ast.Expr) -> None:
        self._child(node.value)

    def visit_keyword(self, node: ast.keyword) -> None:
        self._child(node.value)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> None:
        self._child(node.value)
        if node.format_spec is not None:
            self._child(node.format_spec)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        for value in node.values:
            self._child(value)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        self._child(node.value)
        self._child(node.slice)

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is not None:
            self._child(node.value)
