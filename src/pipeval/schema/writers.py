"""The code side: top-level keys of the record a writer function builds, found through `ast`.

A writer is named `PATH::FUNCTION` (or `PATH::Class.method`). The record is what the function
returns or hands to a write call (`insert_rows_json`, `load_table_from_json`, `rows.append`,
...). Keys come from dict literals, `dict(k=...)`, `record["k"] = ...`, `record.update(...)`,
`record.setdefault("k", ...)` and `record |= {...}`, in every branch. Dicts nested inside values
(e.g. `json.dumps({...})`) are values, not fields. What cannot be read without running the code
(`**other` from elsewhere, computed keys, a record returned by a function of another module) is
reported as unknown, never guessed. Helpers defined in the same module are followed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipeval.errors import ConfigError
from pipeval.schema.ddl import read_text

# Calls that write (or queue for writing) the rows given as arguments.
WRITE_METHODS = frozenset(
    {
        "insert_rows_json",
        "insert_rows",
        "load_table_from_json",
        "append",
        "extend",
        "add",
        "put",
        "write",
        "write_row",
        "write_rows",
        "add_row",
        "add_rows",
    }
)
MAX_HELPER_DEPTH = 5

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


@dataclass(frozen=True)
class WrittenFields:
    writer: str
    fields: tuple[str, ...]
    unknown: tuple[str, ...] = ()


def split_spec(spec: str) -> tuple[str, str]:
    path, sep, function = spec.rpartition("::")
    if not sep or not path or not function:
        raise ConfigError(f"writer {spec!r}: expected PATH::FUNCTION (or PATH::Class.method)")
    return path, function


class _Module:
    """A parsed source file: its functions and classes, for finding writers and helpers."""

    def __init__(self, source: str, filename: str) -> None:
        try:
            self.tree = ast.parse(source, filename=filename)
        except SyntaxError as err:
            raise ConfigError(f"{filename}:{err.lineno}: Python syntax error: {err.msg}") from None
        self.filename = filename
        self.functions: dict[str, Scope] = {}
        self.classes: dict[str, dict[str, Scope]] = {}
        for node in self.tree.body:
            if isinstance(node, Scope):
                self.functions[node.name] = node
            elif isinstance(node, ast.ClassDef):
                self.classes[node.name] = {
                    item.name: item for item in node.body if isinstance(item, Scope)
                }

    def find(self, name: str) -> tuple[Scope, str | None]:
        owner, _, method = name.rpartition(".")
        if owner:
            found = self.classes.get(owner, {}).get(method)
            if found is not None:
                return found, owner
        elif name in self.functions:
            return self.functions[name], None
        defined = sorted(self.functions) + [
            f"{cls}.{m}" for cls, methods in sorted(self.classes.items()) for m in methods
        ]
        listed = ", ".join(defined[:12]) or "none"
        raise ConfigError(f"{self.filename}: no function {name!r} (defined: {listed})")


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement of a function in source order, through all branches and loops, without
    entering nested functions or classes (their own scopes)."""
    for statement in body:
        yield statement
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for name in ("body", "orelse", "finalbody"):
            yield from _statements(getattr(statement, name, []) or [])
        for handler in getattr(statement, "handlers", []) or []:
            yield from _statements(handler.body)
        for case in getattr(statement, "cases", []) or []:
            yield from _statements(case.body)


def _calls(statement: ast.stmt) -> Iterator[ast.Call]:
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


class _Function:
    """Follows the dicts one function builds and finds the ones it returns or writes."""

    def __init__(self, module: _Module, scope: Scope, owner: str | None, depth: int) -> None:
        self.module = module
        self.scope = scope
        self.owner = owner
        self.depth = depth
        self.dicts: dict[str, Keys] = {}
        self.lists: dict[str, list[ast.expr]] = {}
        # Names bound to something unreadable (a call elsewhere); they become unknown records
        # only if keys are later set on them or they are what the function hands over.
        self.pending: dict[str, ast.expr] = {}

    def where(self, node: ast.AST) -> str:
        return f"line {getattr(node, 'lineno', self.scope.lineno)}"

    # --- reading expressions -------------------------------------------------------------
    def keys_of(self, node: ast.expr) -> Keys | None:
        """Keys of a dict-valued expression; None when the expression is not a dict at all."""
        if isinstance(node, ast.Dict):
            return self._dict_literal(node)
        if isinstance(node, ast.Name) and node.id in self.dicts:
            copy = Keys()
            copy.merge(self.dicts[node.id])
            return copy
        if isinstance(node, ast.IfExp):
            sides = [self.keys_of(node.body), self.keys_of(node.orelse)]
            if all(side is None for side in sides):
                return None
            union = Keys()
            for side in sides:
                if side is not None:
                    union.merge(side)
            return union
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            left, right = self.keys_of(node.left), self.keys_of(node.right)
            if left is None and right is None:
                return None
            union = Keys()
            for side, part in ((left, node.left), (right, node.right)):
                union.merge(side if side is not None else self._unknown(part, "| operand"))
            return union
        if isinstance(node, ast.DictComp):
            return self._unknown(node, "keys computed by a dict comprehension")
        if isinstance(node, ast.Call):
            return self._call_keys(node)
        return None

    def _unknown(self, node: ast.AST, what: str) -> Keys:
        return Keys(unknown=[f"{self.where(node)}: {what}"])

    def _dict_literal(self, node: ast.Dict) -> Keys:
        keys = Keys()
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:  # **other
                keys.merge(self._spread(value))
            elif isinstance(key, ast.Constant) and isinstance(key.value, str):
                keys.add(key.value)
            else:
                keys.merge(self._unknown(key, f"computed key {ast.unparse(key)}"))
        return keys

    def _spread(self, value: ast.expr) -> Keys:
        keys = self.keys_of(value)
        return keys if keys is not None else self._unknown(value, f"**{ast.unparse(value)}")

    def _call_keys(self, node: ast.Call) -> Keys | None:
        func = node.func
        if isinstance(func, ast.Name) and func.id == "dict":
            keys = Keys()
            for arg in node.args:
                keys.merge(self._spread(arg))
            for keyword in node.keywords:
                if keyword.arg is None:
                    keys.merge(self._spread(keyword.value))
                else:
                    keys.add(keyword.arg)
            return keys
        if isinstance(func, ast.Attribute) and func.attr == "copy" and not node.args:
            return self.keys_of(func.value)
        if (
            isinstance(func, ast.Attribute | ast.Name)
            and (func.attr if isinstance(func, ast.Attribute) else func.id) == "deepcopy"
            and node.args
        ):
            return self.keys_of(node.args[0])
        return self._helper_keys(node)

    def _helper_keys(self, node: ast.Call) -> Keys | None:
        """A dict returned by a function or method of the same module, followed; else None."""
        helper = self._helper(node.func)
        if helper is None or self.depth >= MAX_HELPER_DEPTH:
            return None
        scope, owner = helper
        found = _Function(self.module, scope, owner, self.depth + 1).returned()
        return found

    def _helper(self, func: ast.expr) -> tuple[Scope, str | None] | None:
        if isinstance(func, ast.Name) and func.id in self.module.functions:
            return self.module.functions[func.id], None
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in ("self", "cls")
            and self.owner is not None
        ):
            method = self.module.classes.get(self.owner, {}).get(func.attr)
            if method is not None:
                return method, self.owner
        return None

    # --- following names -----------------------------------------------------------------
    def _record_target(self, name: str) -> Keys:
        return self.dicts.setdefault(name, Keys())

    def _assign(self, target: ast.expr, value: ast.expr, node: ast.stmt) -> None:
        if isinstance(target, ast.Name):
            keys = self.keys_of(value)
            if keys is not None:
                self._record_target(target.id).merge(keys)
            elif isinstance(value, ast.List | ast.Tuple):
                self.lists.setdefault(target.id, []).extend(value.elts)
            elif isinstance(value, ast.ListComp | ast.GeneratorExp):
                self.lists.setdefault(target.id, []).append(value.elt)
            elif isinstance(value, ast.Call) and target.id in self.dicts:
                # Rebinding a record to the result of code we cannot read.
                self.dicts[target.id].merge(
                    self._unknown(node, f"{target.id} = {ast.unparse(value)[:60]}")
                )
            else:
                self.pending[target.id] = value
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            keys = self._record_target(target.value.id)
            self._adopt(target.value.id)
            key = target.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                keys.add(key.value)
            else:
                keys.merge(self._unknown(key, f"computed key {ast.unparse(key)}"))

    def _adopt(self, name: str) -> None:
        """A name first bound to an unreadable call becomes a record once keys are set on it."""
        origin = self.pending.pop(name, None)
        if origin is not None:
            self.dicts[name].merge(
                self._unknown(origin, f"{name} starts as {ast.unparse(origin)[:60]}")
            )

    def _method_call(self, call: ast.Call) -> None:
        func = call.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
            return
        name, method = func.value.id, func.attr
        if method == "update" and (name in self.dicts or name in self.pending):
            keys = self._record_target(name)
            self._adopt(name)
            for arg in call.args:
                keys.merge(self._spread(arg))
            for keyword in call.keywords:
                if keyword.arg is None:
                    keys.merge(self._spread(keyword.value))
                else:
                    keys.add(keyword.arg)
        elif method == "setdefault" and name in self.dicts and call.args:
            key = call.args[0]
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                self.dicts[name].add(key.value)
            else:
                self.dicts[name].merge(self._unknown(key, f"computed key {ast.unparse(key)}"))
        elif method == "pop" and name in self.dicts and call.args:
            key = call.args[0]
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                self.dicts[name].remove(key.value)
        elif method in ("append", "extend", "insert") and call.args:
            self.lists.setdefault(name, []).append(call.args[-1])

    def follow(self) -> None:
        for statement in _statements(self.scope.body):
            if isinstance(statement, ast.Assign):
                for target in statement.targets:
                    self._assign(target, statement.value, statement)
            elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
                self._assign(statement.target, statement.value, statement)
            elif (
                isinstance(statement, ast.AugAssign)
                and isinstance(statement.op, ast.BitOr)
                and isinstance(statement.target, ast.Name)
                and statement.target.id in self.dicts
            ):
                self.dicts[statement.target.id].merge(self._spread(statement.value))
            elif isinstance(statement, ast.Delete):
                for target in statement.targets:
                    if (
                        isinstance(target, ast.Subscript)
                        and isinstance(target.value, ast.Name)
                        and target.value.id in self.dicts
                        and isinstance(target.slice, ast.Constant)
                    ):
                        self.dicts[target.value.id].remove(str(target.slice.value))
            for call in _calls(statement):
                self._method_call(call)

    # --- what leaves the function ----------------------------------------------------------
    def _rows(self, node: ast.expr, seen: frozenset[str] = frozenset()) -> Iterator[Keys]:
        """Records an expression hands over: a dict, a list of dicts, a name holding either."""
        keys = self.keys_of(node)
        if keys is not None:
            yield keys
        elif isinstance(node, ast.List | ast.Tuple | ast.Set):
            for element in node.elts:
                yield from self._rows(element, seen)
        elif isinstance(node, ast.ListComp | ast.GeneratorExp):
            yield from self._rows(node.elt, seen)
        elif isinstance(node, ast.Name) and node.id in self.lists and node.id not in seen:
            for element in self.lists[node.id]:
                yield from self._rows(element, seen | {node.id})
        elif isinstance(node, ast.Starred):
            yield from self._rows(node.value, seen)

    def _opaque(self, node: ast.expr) -> Keys | None:
        """A returned value built by code we cannot read: an unknown record, not a guess."""
        if isinstance(node, ast.Name) and node.id in self.pending:
            origin = self.pending[node.id]
            return self._unknown(origin, f"{node.id} = {ast.unparse(origin)[:60]}")
        if isinstance(node, ast.Call):
            return self._unknown(node, f"returns {ast.unparse(node)[:60]}")
        return None

    def _handed_over(self, include_writes: bool) -> Keys | None:
        self.follow()
        found: list[Keys] = []
        opaque: list[Keys] = []
        for statement in _statements(self.scope.body):
            if isinstance(statement, ast.Return) and statement.value is not None:
                rows = list(self._rows(statement.value))
                found.extend(rows)
                unreadable = None if rows else self._opaque(statement.value)
                if unreadable is not None:
                    opaque.append(unreadable)
            if include_writes:
                found.extend(rows for call in _calls(statement) for rows in self._written(call))
        if not found and len(self.dicts) == 1:
            found = list(self.dicts.values())
        if not found:
            found = opaque
        return _union(found) if found else None

    def _written(self, call: ast.Call) -> Iterator[Keys]:
        func = call.func
        if not (isinstance(func, ast.Attribute) and func.attr in WRITE_METHODS):
            return
        if func.attr in ("append", "extend") and isinstance(func.value, ast.Name):
            return  # queued in a local list: counted where the list goes
        for arg in [*call.args, *(keyword.value for keyword in call.keywords)]:
            yield from self._rows(arg)

    def returned(self) -> Keys | None:
        return self._handed_over(include_writes=False)

    def written(self) -> Keys | None:
        return self._handed_over(include_writes=True)


def _union(parts: list[Keys]) -> Keys:
    union = Keys()
    for part in parts:
        union.merge(part)
    return union


def fields_in_source(source: str, function: str, filename: str = "<writer>") -> WrittenFields:
    """Top-level record keys written by `function` (or `Class.method`) in Python `source`."""
    module = _Module(source, filename)
    scope, owner = module.find(function)
    keys = _Function(module, scope, owner, depth=0).written()
    label = f"{filename}::{function}"
    if keys is None:
        raise ConfigError(
            f"{label}: found no record it returns or writes (a dict literal, dict(...), "
            "or a name built from them)"
        )
    return WrittenFields(label, tuple(keys.known), tuple(keys.unknown))


def written_fields(spec: str, base_dir: Path) -> WrittenFields:
    """`PATH::FUNCTION`, PATH relative to `base_dir` (the profile's folder) unless absolute."""
    path_text, function = split_spec(spec)
    path = base_dir / path_text
    found = fields_in_source(read_text(path, "writer"), function, str(path))
    return WrittenFields(spec, found.fields, found.unknown)
