"""Following an expression back through obvious local aliases.

`write = client.load_table_from_json`, `rows = [record]`, `TABLE = f"{P}.ds.t"`: a name is
followed to the value it was last bound to before the call (same function), or to a module
constant. Anything less obvious (attributes, parameters, branches merged by flow) stays
unresolved, and the rules treat unresolved as "not proven" rather than guessing.
"""

from __future__ import annotations

import ast
from typing import NamedTuple

from pipeval.lint.scopes import UNRESOLVED, CallSite, Position, Scope

MAX_DEPTH = 5
UNKNOWN = "\0"  # stands for an interpolated part of a string we could not resolve


class At(NamedTuple):
    """Where an expression is evaluated: its scope, and the position it reads names at. (A
    named tuple, as `Callee`: one is made for most call sites.)"""

    scope: Scope
    before: Position

    @classmethod
    def call(cls, site: CallSite) -> At:
        node = site.node
        return cls(site.scope, (node.lineno, node.col_offset))  # `site.position`, inline


class Callee(NamedTuple):
    name: str  # the method or function actually called, e.g. "load_table_from_json"
    alias: str = ""  # the local name it was called through, when different


def follow(expr: ast.expr, at: At, depth: int = 0) -> tuple[ast.expr, At]:
    """The value a local name or a class attribute was bound to (repeatedly), with the place
    that value is read."""
    while depth < MAX_DEPTH:
        if isinstance(expr, ast.Attribute):
            found_attribute = class_attribute(expr, at)
            if found_attribute is None:
                break
            expr, at, depth = *found_attribute, depth + 1
            continue
        if not isinstance(expr, ast.Name):
            break
        found = at.scope.find(expr.id, at.before)
        if found is None or found[0].kind != "assign" or found[0].value is None:
            break
        binding, owner = found
        expr, at, depth = binding.value, At(owner, binding.position), depth + 1
    return expr, at


def class_attribute(expr: ast.Attribute, at: At, depth: int = 0) -> tuple[ast.expr, At] | None:
    """`self.TABLE`, `cls.TABLE`, `Writer.TABLE`: the value the class body binds (or one of
    its base classes in the same file), else `self.table = ...` assigned once in a method."""
    base = expr.value
    if not isinstance(base, ast.Name):
        return None
    if base.id in ("self", "cls"):
        owner = at.scope.enclosing_class()
    else:
        owner = at.scope.find_class(base.id)
    return _in_class(owner, expr.attr, base.id == "self", depth)


def _in_class(
    owner: Scope | None, name: str, instance: bool, depth: int
) -> tuple[ast.expr, At] | None:
    if owner is None or depth > MAX_DEPTH:
        return None
    bindings = owner.bindings.get(name)
    if bindings:
        last = bindings[-1]
        if last.kind == "assign" and last.value is not None:
            return last.value, At(owner, last.position)
        return None
    assigned = owner.instance.get(name, [])
    if (
        instance and len(assigned) == 1 and name not in owner.opaque
    ):  # bound once, e.g. in __init__: a per-object constant
        value, scope, position = assigned[0]
        return value, At(scope, position)
    node = owner.node
    if isinstance(node, ast.ClassDef) and owner.parent is not None:
        for parent in node.bases:
            if isinstance(parent, ast.Name):
                found = _in_class(owner.parent.find_class(parent.id), name, instance, depth + 1)
                if found is not None:
                    return found
    return None


def callee(site: CallSite) -> Callee | None:
    """What a call calls (through local aliases and imports); worked out once per call site,
    as every rule asks."""
    cached = site.callee
    if cached is not UNRESOLVED:
        return cached  # type: ignore[return-value]
    found = _callee(site)
    site.callee = found
    return found


# Callee(name) of `obj.name(...)` calls, made once per name: most calls are method calls.
_METHODS: dict[str, Callee] = {}


def _callee(site: CallSite) -> Callee | None:
    func = site.node.func
    if isinstance(func, ast.Attribute):
        found = _METHODS.get(func.attr)
        if found is None:
            found = _METHODS[func.attr] = Callee(func.attr)
        return found
    if not isinstance(func, ast.Name):
        return None
    at = At.call(site)
    binding = at.scope.lookup(func.id, at.before)
    if binding is not None and binding.kind == "import":
        return Callee(binding.imported, func.id if binding.imported != func.id else "")
    target, _ = follow(func, at)
    if isinstance(target, ast.Attribute):
        return Callee(target.attr, func.id)
    if isinstance(target, ast.Name) and target.id != func.id:
        return Callee(target.id, func.id)
    return Callee(func.id)


def unparsed(expr: ast.expr) -> str:
    """`ast.unparse(expr)`, joined directly for a name or a chain of names
    (`self.client.insert_rows_json`, `game_date`): what nearly every called function and
    spliced value is, and `ast.unparse` builds an unparser for each."""
    parts = []
    base = expr
    while type(base) is ast.Attribute:
        parts.append(base.attr)  # type: ignore[attr-defined]
        base = base.value  # type: ignore[attr-defined]
    if type(base) is not ast.Name:
        return ast.unparse(expr)  # e.g. `(a or b).write`: parentheses as unparse puts them
    if not parts:
        return base.id  # type: ignore[attr-defined]
    return ".".join([base.id, *reversed(parts)])  # type: ignore[attr-defined]


def call_name(func: ast.expr) -> str:
    """The name a call's function goes by: `f` in `f(x)` and `obj.f(x)`; "" for anything else."""
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    for item in call.keywords:
        if item.arg == keyword:
            return item.value
    leading = call.args[: position + 1]
    if len(leading) > position and not any(isinstance(a, ast.Starred) for a in leading):
        return call.args[position]
    return None


def all_arguments(call: ast.Call) -> list[ast.expr]:
    return [a for a in call.args if not isinstance(a, ast.Starred)] + [
        k.value for k in call.keywords if k.arg is not None
    ]


def is_literal(expr: ast.expr, at: At, depth: int = 0) -> bool:
    """A constant, a name bound to one, an element of a constant list or a loop variable over
    one (`for dataset in ["nba_raw", "nba_analytics"]`): splicing it cannot inject a runtime
    value."""
    if depth > MAX_DEPTH:
        return False
    value, value_at = follow(expr, at)
    if isinstance(value, ast.Constant):
        return True
    if isinstance(value, ast.JoinedStr):
        return all(
            isinstance(part, ast.Constant) or is_literal(part.value, value_at, depth + 1)
            for part in value.values
            if isinstance(part, ast.Constant | ast.FormattedValue)
        )
    if isinstance(value, ast.Subscript) and isinstance(value.slice, ast.Constant):
        return _constant_container(value.value, value_at, depth + 1)
    if isinstance(value, ast.Name):
        found = value_at.scope.find(value.id, value_at.before)
        if found is not None and found[0].kind == "iter" and found[0].value is not None:
            return _constant_container(found[0].value, At(found[1], found[0].position), depth + 1)
    return False


def _constant_container(expr: ast.expr, at: At, depth: int) -> bool:
    """A list, tuple or set (or a name bound to one) of constants only."""
    value, value_at = follow(expr, at)
    if isinstance(value, ast.List | ast.Tuple | ast.Set):
        return bool(value.elts) and all(
            is_literal(element, value_at, depth + 1) for element in value.elts
        )
    return False


# Calls that hand a table name through unchanged: client.get_table("ds.t"), Table("ds.t"), ...
TABLE_WRAPPERS = frozenset({"get_table", "from_string", "Table", "TableReference"})


def string_text(expr: ast.expr, at: At, depth: int = 0) -> str | None:
    """The text a string expression evaluates to, with UNKNOWN for unresolved parts."""
    if depth > MAX_DEPTH:
        return None
    expr, at = follow(expr, at)
    if isinstance(expr, ast.Constant):
        return expr.value if isinstance(expr.value, str) else None
    if isinstance(expr, ast.JoinedStr):
        parts = []
        for part in expr.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                parts.append(part.value)
            elif isinstance(part, ast.FormattedValue):
                parts.append(string_text(part.value, at, depth + 1) or UNKNOWN)
        return "".join(parts)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        left = string_text(expr.left, at, depth + 1)
        right = string_text(expr.right, at, depth + 1)
        if left is None and right is None:
            return None
        return (left or UNKNOWN) + (right or UNKNOWN)
    if isinstance(expr, ast.Call) and expr.args:
        func = expr.func
        name = call_name(func)
        if name in TABLE_WRAPPERS:
            return string_text(expr.args[0], at, depth + 1)
    return None


def hot_table(text: str | None, hot_tables: frozenset[str]) -> str | None:
    """The configured `dataset.table` that a table reference names, if it is one."""
    if not text:
        return None
    cleaned = text.replace("`", "").replace(":", ".").strip()
    for table in sorted(hot_tables):
        if cleaned == table or cleaned.endswith("." + table):
            return table
    return None
