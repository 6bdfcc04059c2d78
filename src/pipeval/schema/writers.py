"""The code side: top-level keys of the record a writer function builds, found through `ast`.

A writer is named `PATH::FUNCTION` (or `PATH::Class.method`). The record is what reaches a write
call (`insert_rows_json`, `load_table_from_json`, `rows.append`, the project's own helpers such
as `insert_bigquery_rows`, which lint knows too, or a same-module function that writes its
parameter), followed through local names. What the function returns is used only when nothing in
it writes, and an error tuple `(False, {...})` is never a record (`(True, record)` is). A
dataclass's `to_dict` returning `asdict(self)` writes the class's fields. Keys come from dict
literals, `dict(k=...)`, `record["k"] = ...`, `record.update(...)`, `record.setdefault("k",
...)` and `record |= {...}`, in every branch. Dicts nested inside values (e.g.
`json.dumps({...})`) are values, not fields. What cannot be read without running the code
(`**other` from elsewhere, computed keys, a record returned by a function of another module) is
reported as unknown, never guessed. Helpers defined in the same module are followed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeval.errors import ConfigError
from pipeval.lint.resolve import call_name
from pipeval.lint.writes import is_write
from pipeval.schema.ddl import read_text
from pipeval.schema.writer_syntax import (
    Keys,
    Scope,
    bind,
    calls_of,
    dataclass_fields,
    names_dataclass,
    statements_of,
    status_flag,
    union,
)

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
        "add_record",  # batch writers: queued now, flushed as one load job later
        "add_records",
    }
)

MAX_HELPER_DEPTH = 5


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
        self.dataclass_fields: dict[str, list[str]] = {}
        # id(function) -> its parameters that reach a write, computed once per module
        self.written_parameters: dict[int, set[str]] = {}
        for node in self.tree.body:
            if isinstance(node, Scope):
                self.functions[node.name] = node
            elif isinstance(node, ast.ClassDef):
                self.classes[node.name] = {
                    item.name: item for item in node.body if isinstance(item, Scope)
                }
                if any(names_dataclass(d) for d in node.decorator_list):
                    self.dataclass_fields[node.name] = dataclass_fields(node)

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
            return union([side for side in sides if side is not None])
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            left, right = self.keys_of(node.left), self.keys_of(node.right)
            if left is None and right is None:
                return None
            return union(
                [
                    side if side is not None else self._unknown(part, "| operand")
                    for side, part in ((left, node.left), (right, node.right))
                ]
            )
        if isinstance(node, ast.DictComp):
            return self._filtered(node) or self._unknown(
                node, "keys computed by a dict comprehension"
            )
        if isinstance(node, ast.Call):
            return self._call_keys(node)
        return None

    def _filtered(self, node: ast.DictComp) -> Keys | None:
        """`{k: v for k, v in record.items() if ...}` keeps some of record's keys: the fields
        it may write are record's own."""
        (generator,) = node.generators if len(node.generators) == 1 else (None,)
        if generator is None or not isinstance(generator.target, ast.Tuple):
            return None
        source = generator.iter
        key = generator.target.elts[0] if generator.target.elts else None
        if (
            isinstance(source, ast.Call)
            and isinstance(source.func, ast.Attribute)
            and source.func.attr == "items"
            and isinstance(node.key, ast.Name)
            and isinstance(key, ast.Name)
            and node.key.id == key.id
        ):
            return self.keys_of(source.func.value)
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
            call_name(func) == "asdict"
            and node.args
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id == "self"
            and self.owner in self.module.dataclass_fields
        ):
            return Keys(known=list(self.module.dataclass_fields[self.owner]))
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
        for statement in statements_of(self.scope.body):
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
            for call in calls_of(statement):
                self._method_call(call)

    # --- what leaves the function ----------------------------------------------------------
    def _rows(self, node: ast.expr, seen: frozenset[str] = frozenset()) -> Iterator[Keys]:
        """Records an expression hands over: a dict, a list of dicts, a name holding either."""
        keys = self.keys_of(node)
        if keys is not None:
            yield keys
        elif isinstance(node, ast.Tuple) and status_flag(node) is not None:
            if status_flag(node):  # (True, record): the record; (False, {...}): an error
                for element in node.elts[1:]:
                    yield from self._rows(element, seen)
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
        returned: list[Keys] = []
        written: list[Keys] = []
        opaque: list[Keys] = []
        for statement in statements_of(self.scope.body):
            if isinstance(statement, ast.Return) and statement.value is not None:
                rows = list(self._rows(statement.value))
                returned.extend(rows)
                unreadable = None if rows else self._opaque(statement.value)
                if unreadable is not None:
                    opaque.append(unreadable)
            if include_writes:
                written.extend(rows for call in calls_of(statement) for rows in self._written(call))
        # What reaches a write is the record; a returned value is one only if nothing writes.
        found = written or returned
        if not found and len(self.dicts) == 1:
            found = list(self.dicts.values())
        if not found:
            found = opaque
        return union(found) if found else None

    def _written(self, call: ast.Call) -> Iterator[Keys]:
        for arg in self._write_arguments(call):
            yield from self._rows(arg)

    def _write_arguments(self, call: ast.Call) -> list[ast.expr]:
        """The arguments of `call` that carry rows to a write, or [] when it does not write."""
        func = call.func
        name = call_name(func)
        everything = [*call.args, *(keyword.value for keyword in call.keywords)]
        if isinstance(func, ast.Attribute) and name in WRITE_METHODS:
            if name in ("append", "extend") and isinstance(func.value, ast.Name):
                return []  # queued in a local list: counted where the list goes
            return everything
        if name and is_write(name):  # client writes and helpers such as insert_bigquery_rows
            return everything
        helper = self._helper(func)
        if helper is None or self.depth >= MAX_HELPER_DEPTH:
            return []
        scope, owner = helper
        writes = self.module.written_parameters.get(id(scope))
        if writes is None:
            self.module.written_parameters[id(scope)] = set()  # a recursive call adds nothing
            writes = _Function(self.module, scope, owner, self.depth + 1).written_parameters()
            self.module.written_parameters[id(scope)] = writes
        return [arg for param, arg in bind(scope, owner, call) if param in writes]

    def written_parameters(self) -> set[str]:
        """Parameters of this function that reach a write call (directly or through a helper)."""
        params = {a.arg for a in [*self.scope.args.posonlyargs, *self.scope.args.args]}
        params |= {a.arg for a in self.scope.args.kwonlyargs}
        found: set[str] = set()
        for statement in statements_of(self.scope.body):
            for call in calls_of(statement):
                for arg in self._write_arguments(call):
                    found |= {n.id for n in ast.walk(arg) if isinstance(n, ast.Name)} & params
        return found

    def returned(self) -> Keys | None:
        return self._handed_over(include_writes=False)

    def written(self) -> Keys | None:
        return self._handed_over(include_writes=True)


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
