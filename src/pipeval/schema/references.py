"""What a profile and the enabled checks reference: tables, columns and the types they need.

The profile is walked generically: any part of it with a `table` names columns of that table in
its identifier fields (`date_column`, `entity`, `columns`, ...) and its SQL expressions
(`game_key`, `filter`), so a section added to the profile later is covered without code here.
The checks' own SQL is read with sqlglot's scope analysis, which ties every column to its table.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from collections.abc import Iterator
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.scope import traverse_scope

from pipeval.profile.constraints import Strict
from pipeval.sqlkit import parse_expression

# The data contract's types (DESIGN.md) for the roles a profile field plays.
ROLE_TYPES: dict[str, str] = {
    "date_column": "DATE",
    "status_column": "INT64",
    "filter": "BOOL",
    "entity": "STRING",
    "alias": "STRING",
    "canonical": "STRING",
}
# Game keys are joined across tables: each must have the type of the schedule's key.
KEY_ROLE = "game_key"


@dataclass(frozen=True)
class Reference:
    """`table` (and `column`, or an `expression` over its columns) used at `where`."""

    table: str
    where: str
    column: str | None = None
    expression: str | None = None
    role: str | None = None


def _validators(annotation: object) -> tuple[set[str], bool]:
    """Names of the profile validators on a field (`_table`, `_identifier`, `_expression`) and
    whether the field holds a list of such values."""
    names = {getattr(getattr(annotation, "func", None), "__name__", "")}
    is_list = typing.get_origin(annotation) is list
    stack = list(typing.get_args(annotation))
    while stack:
        arg = stack.pop()
        names.add(getattr(getattr(arg, "func", None), "__name__", ""))
        stack.extend(typing.get_args(arg))
    return names - {""}, is_list


def _values(value: object, is_list: bool) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if is_list else [str(value)]  # type: ignore[union-attr]


@functools.cache
def _fields(cls: type) -> list[tuple[str, object, str]]:
    """A model's fields: name, annotation (with its markers) and the YAML key (an alias)."""
    hints = typing.get_type_hints(cls, include_extras=True)
    return [
        (field.name, hints[field.name], field.metadata.get("alias") or field.name)
        for field in dataclasses.fields(cls)
    ]


def _label(model: Strict, path: str) -> str:
    name = (
        getattr(model, "name", None) or getattr(model, "id", None) or getattr(model, "phase", None)
    )
    return f"{path}.{name}" if isinstance(name, str) and path else path


def _model_references(model: Strict, path: str) -> Iterator[Reference]:
    table = getattr(model, "table", None)
    owner_table = table if isinstance(table, str) and "." in table else None
    for name, annotation, key in _fields(type(model)):
        value = getattr(model, name)
        kinds, is_list = _validators(annotation)
        where = f"{path}.{key}" if path else key
        if "_table" in kinds and not (owner_table and name == "table"):
            yield from (Reference(t, where) for t in _values(value, is_list))
        elif owner_table and "_identifier" in kinds:
            for column in _values(value, is_list):
                yield Reference(owner_table, where, column=column, role=name)
        elif owner_table and "_expression" in kinds:
            for text in _values(value, is_list):
                yield Reference(owner_table, where, expression=text, role=name)
        yield from _nested(value, where)
    if owner_table:
        yield Reference(owner_table, f"{path}.table" if path else "table")


def _nested(value: object, where: str) -> Iterator[Reference]:
    if isinstance(value, Strict):
        yield from _model_references(value, _label(value, where))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            if isinstance(item, Strict):
                label = _label(item, where)
                yield from _model_references(item, label if label != where else f"{where}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, Strict):
                yield from _model_references(item, f"{where}.{key}")


def profile_references(profile: Strict) -> list[Reference]:
    return list(_model_references(profile, ""))


def expression_columns(text: str, where: str) -> list[str]:
    tree = parse_expression(text, where)
    return list(dict.fromkeys(column.name for column in tree.find_all(exp.Column)))


def _table_name(table: exp.Table) -> str | None:
    # Backticks may hold several parts: `p.d.t`, `region-us`.`INFORMATION_SCHEMA.JOBS`.
    parts = [piece for part in table.parts for piece in part.name.split(".")]
    if len(parts) < 2 or any(part.upper() == "INFORMATION_SCHEMA" for part in parts):
        return None  # a CTE, or a metadata view BigQuery always serves
    return ".".join(parts[-2:])


def query_references(sql: str, where: str, dialect: str = "bigquery") -> list[Reference]:
    """Tables and the columns read from each, in one query. Only columns that scope analysis
    ties to one table are returned: select aliases and derived-table columns are not tables'."""
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
        scopes = traverse_scope(tree)
    except SqlglotError:
        return []
    found: list[Reference] = []
    for scope in scopes:
        tables = {
            alias: name
            for alias, source in scope.sources.items()
            if isinstance(source, exp.Table) and (name := _table_name(source)) is not None
        }
        found.extend(Reference(name, where) for name in tables.values())
        only = next(iter(tables.values())) if len(scope.sources) == len(tables) == 1 else None
        selects = scope.expression.selects if isinstance(scope.expression, exp.Select) else []
        aliases = {select.alias for select in selects if select.alias}
        for column in scope.columns:
            qualifier, db = column.table, column.args.get("db")
            if db is not None and db.name in tables:
                found.append(Reference(tables[db.name], where, column=qualifier))  # t.struct.x
            elif qualifier in tables:
                found.append(Reference(tables[qualifier], where, column=column.name))
            elif qualifier and only is not None and qualifier not in scope.sources:
                found.append(Reference(only, where, column=qualifier))  # struct.field
            elif not qualifier and only is not None and column.name not in aliases:
                found.append(Reference(only, where, column=column.name))
    return found
