"""SQL text as the code builds it: literal pieces and interpolated slots, and where each slot
lands in the statement.

A template is recovered from the AST of an f-string, `.format()`, `%` or `+` chain (through
local aliases and `sql += ...`). To tell a value from an identifier, every slot is replaced
by a sentinel and the text is tokenized with sqlglot's BigQuery tokenizer: a sentinel inside
a quoted string is the seed 001 bug (a value spliced between quotes), one in a backtick
identifier or right after FROM/JOIN/INTO/UPDATE/... is a table name (which BigQuery cannot
bind as a parameter, so templating it is legitimate), anything else is a value.
"""

from __future__ import annotations

import ast
import re
import string
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pipeval.lint.resolve import MAX_DEPTH, At, follow, is_literal

SENTINEL = re.compile(r"pvslot(\d+)x")
PERCENT_FIELD = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?P<type>[diouxXeEfFgGcrsa%])"
)
TEXT_METHODS = frozenset({"strip", "lstrip", "rstrip", "upper", "lower", "dedent"})

IN_STRING = "inside a SQL string literal"
AS_VALUE = "as a SQL value"
AS_IDENTIFIER = "as an identifier"


@dataclass(frozen=True)
class Slot:
    code: str  # source of the interpolated Python expression
    literal: bool


Part = str | Slot


@dataclass(frozen=True)
class Template:
    parts: tuple[Part, ...]
    how: frozenset[str]  # "f-string", ".format()", "%", "+"
    line: int

    @property
    def slots(self) -> list[Slot]:
        return [part for part in self.parts if isinstance(part, Slot)]

    def text(self) -> str:
        return "".join(
            part if isinstance(part, str) else f"pvslot{index}x"
            for index, part in enumerate(self.parts)
        )

    def __add__(self, other: Template) -> Template:
        return Template(self.parts + other.parts, self.how | other.how | {"+"}, self.line)


def _slot(expr: ast.expr, at: At) -> Slot:
    return Slot(ast.unparse(expr), is_literal(expr, at))


def template(expr: ast.expr, at: At, depth: int = 0) -> Template | None:
    """The SQL text an expression builds, or None when it is not recognisably built text."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(expr, ast.Name):
        chains = templates_of_name(expr, at, depth, last_only=True)
        return chains[0] if chains else None
    if isinstance(expr, ast.Constant):
        return (
            Template((expr.value,), frozenset(), expr.lineno)
            if isinstance(expr.value, str)
            else None
        )
    if isinstance(expr, ast.JoinedStr):
        parts: list[Part] = []
        for part in expr.values:
            if isinstance(part, ast.Constant):
                parts.append(str(part.value))
            elif isinstance(part, ast.FormattedValue):
                parts.append(_slot(part.value, at))
        return Template(tuple(parts), frozenset({"f-string"}), expr.lineno)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        left = template(expr.left, at, depth + 1)
        right = template(expr.right, at, depth + 1)
        if left is None and right is None:
            return None
        left = left or Template((_slot(expr.left, at),), frozenset(), expr.lineno)
        right = right or Template((_slot(expr.right, at),), frozenset(), expr.lineno)
        return left + right
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod):
        base = template(expr.left, at, depth + 1)
        return _percent(base, expr.right, at) if base is not None else None
    if isinstance(expr, ast.Call):
        return _call_template(expr, at, depth)
    return None


def _call_template(call: ast.Call, at: At, depth: int) -> Template | None:
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "format":
        base = template(func.value, at, depth + 1)
        return _format(base, call, at) if base is not None else None
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if name not in TEXT_METHODS:
        return None
    if isinstance(func, ast.Attribute) and name != "dedent":
        return template(func.value, at, depth + 1)
    return template(call.args[0], at, depth + 1) if call.args else None


def _literal_text(base: Template) -> str | None:
    if base.slots:
        return None
    return "".join(part for part in base.parts if isinstance(part, str))


def _format(base: Template, call: ast.Call, at: At) -> Template | None:
    text = _literal_text(base)
    if text is None:
        return None
    positional = [a for a in call.args if not isinstance(a, ast.Starred)]
    named = {k.arg: k.value for k in call.keywords if k.arg is not None}
    parts: list[Part] = []
    auto = 0
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError:
        return None
    for literal, field, _spec, _conversion in fields:
        parts.append(literal)
        if field is None:
            continue
        key = re.split(r"[.\[]", field, maxsplit=1)[0]
        if key == "":
            key, auto = str(auto), auto + 1
        value = positional[int(key)] if key.isdigit() and int(key) < len(positional) else None
        value = named.get(key, value)
        parts.append(_slot(value, at) if value is not None else Slot(field, False))
    return Template(tuple(parts), base.how | {".format()"}, base.line)


def _percent(base: Template, right: ast.expr, at: At) -> Template | None:
    text = _literal_text(base)
    if text is None:
        return None
    values: list[ast.expr] = list(right.elts) if isinstance(right, ast.Tuple) else [right]
    keyed = (
        {
            k.value: v
            for k, v in zip(right.keys, right.values, strict=True)
            if isinstance(k, ast.Constant)
        }
        if isinstance(right, ast.Dict)
        else {}
    )
    parts: list[Part] = []
    cursor, index = 0, 0
    for match in PERCENT_FIELD.finditer(text):
        parts.append(text[cursor : match.start()])
        cursor = match.end()
        if match.group("type") == "%":
            parts.append("%")
            continue
        key = match.group("key")
        value = keyed.get(key) if key is not None else None
        if key is None:
            value = values[index] if index < len(values) else None
            index += 1
        parts.append(_slot(value, at) if value is not None else Slot(match.group(0), False))
    parts.append(text[cursor:])
    return Template(tuple(parts), base.how | {"%"}, base.line)


def templates_of_name(
    name: ast.Name, at: At, depth: int = 0, last_only: bool = False
) -> list[Template]:
    """Every text a local name may hold at `at`: each `name = ...` followed by its `+=`s.

    For the SQL handed to `query()` all assignments count (an `if` may choose either); when
    the name is part of a larger expression only the latest one does.
    """
    history = at.scope.history(name.id, at.before)
    if not history:
        value, value_at = follow(name, at)
        if value is name:
            return []
        found = template(value, value_at, depth + 1)
        return [found] if found is not None else []
    chains: list[Template] = []
    current: Template | None = None
    for binding in history:
        value_at = At(at.scope, binding.position)
        if binding.kind == "assign" and binding.value is not None:
            if current is not None:
                chains.append(current)
            current = template(binding.value, value_at, depth + 1)
        elif binding.kind == "aug" and binding.value is not None and current is not None:
            extra = template(binding.value, value_at, depth + 1)
            slot = Template((_slot(binding.value, value_at),), frozenset(), current.line)
            current = current + (extra or slot)
        else:
            if current is not None:
                chains.append(current)
            current = None
    if current is not None:
        chains.append(current)
    return chains[-1:] if last_only else chains


def templates(expr: ast.expr, at: At) -> list[Template]:
    if isinstance(expr, ast.Name):
        return templates_of_name(expr, at)
    found = template(expr, at)
    return [found] if found is not None else []


# --- where the slots land, by sqlglot's BigQuery tokenizer ---


@lru_cache(maxsize=1)
def _tokenizer() -> tuple[Any, Any]:
    from sqlglot.dialects.bigquery import BigQuery
    from sqlglot.tokens import TokenType

    return BigQuery(), TokenType


def _tokens(text: str) -> list[Any] | None:
    dialect, _ = _tokenizer()
    try:
        return list(dialect.tokenize(text))
    except Exception:  # sqlglot raises TokenError and others on fragments; treat as opaque
        return None


def _names_table(tokens: list[Any], index: int) -> bool:
    """Is the token at `index` (part of) a table name: `FROM a.b.{t}`, `INTO {t}`, ...?"""
    _, kind = _tokenizer()
    introducers = {
        kind.FROM,
        kind.JOIN,
        kind.INTO,
        kind.UPDATE,
        kind.TABLE,
        kind.MERGE,
        kind.USING,
        kind.DELETE,
        kind.INSERT,
    }
    j = index - 1
    while j >= 1 and tokens[j].token_type == kind.DOT:
        j -= 2
    return j >= 0 and tokens[j].token_type in introducers


def placements(found: Template) -> list[tuple[Slot, str]]:
    """Each non-literal slot with where it lands: IN_STRING, AS_VALUE or AS_IDENTIFIER."""
    slots = {i: p for i, p in enumerate(found.parts) if isinstance(p, Slot) and not p.literal}
    if not slots:
        return []
    tokens = _tokens(found.text())
    if tokens is None:
        return [(slot, AS_VALUE) for slot in slots.values()]
    _, kind = _tokenizer()
    where: dict[int, str] = {}
    for index, token in enumerate(tokens):
        for number in SENTINEL.findall(token.text):
            if token.token_type == kind.STRING:
                place = IN_STRING
            elif token.token_type == kind.IDENTIFIER or _names_table(tokens, index):
                place = AS_IDENTIFIER
            else:
                place = AS_VALUE
            where.setdefault(int(number), place)
    # A slot the tokenizer dropped sits in a SQL comment: harmless.
    return [(slot, where[i]) for i, slot in slots.items() if i in where]


def risky(found: Template) -> list[tuple[Slot, str]]:
    return [(slot, place) for slot, place in placements(found) if place != AS_IDENTIFIER]


def first_keyword(found: Template) -> str:
    """The statement's leading keyword (UPDATE, SELECT, ...), or "" when it is not SQL."""
    tokens = _tokens(found.text())
    if tokens:
        return str(tokens[0].token_type.name)
    literal = found.parts[0] if found.parts and isinstance(found.parts[0], str) else ""
    words = literal.split(None, 1)
    return words[0].upper() if words else ""


SQL_STARTERS = frozenset(
    {
        "SELECT",
        "WITH",
        "INSERT",
        "UPDATE",
        "DELETE",
        "MERGE",
        "CREATE",
        "DROP",
        "ALTER",
        "TRUNCATE",
        "DECLARE",
        "BEGIN",
        "CALL",
        "EXPORT",
        "L_PAREN",
    }
)
DML = frozenset({"INSERT", "UPDATE", "DELETE", "MERGE"})


def is_sql(found: Template) -> bool:
    return first_keyword(found) in SQL_STARTERS


def is_dml(found: Template) -> bool:
    return first_keyword(found) in DML
