"""SQL text as the code builds it: literal pieces and interpolated slots, and where each slot
lands in the statement.

A template is recovered from the AST of an f-string, `.format()`, `%` or `+` chain (through
local aliases, class constants, `sql += ...` and the list a loop iterates). To tell a value
from an identifier, every slot is replaced by a sentinel and the text of a candidate (SQL with
a non-literal slot) is split by a small BigQuery lexer: a sentinel inside
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

from pipeval.lint.origin import CHECKED, UNKNOWN, origin
from pipeval.lint.resolve import (
    MAX_DEPTH,
    At,
    call_name,
    class_attribute,
    follow,
    is_literal,
    unparsed,
)
from pipeval.lint.scopes import Binding

SENTINEL = re.compile(r"pvslot(\d+)x")
PERCENT_FIELD = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?P<type>[diouxXeEfFgGcrsa%])"
)
FIELD_END = re.compile(r"[.\[]")  # `{key.attr}`, `{key[0]}`: the argument is `key`
TEXT_METHODS = frozenset({"strip", "lstrip", "rstrip", "upper", "lower", "dedent"})

IN_STRING = "inside a SQL string literal"
AS_VALUE = "as a SQL value"
AS_IDENTIFIER = "as an identifier"


class Slot:
    """One interpolated value. Its source text, literalness and origin are worked out on first
    use: most built strings are not SQL, and their slots are never looked at."""

    __slots__ = ("_at", "_code", "_expr", "_formatted", "_literal", "_origin")

    def __init__(
        self, expr: ast.expr | None, at: At | None, formatted: bool = False, code: str = ""
    ) -> None:
        self._expr, self._at, self._formatted, self._code = expr, at, formatted, code
        self._literal: bool | None = None if expr is not None else False
        self._origin: str | None = None if expr is not None else UNKNOWN

    @classmethod
    def unresolved(cls, code: str) -> Slot:
        """A `{name}` or `%s` field with no argument we can see."""
        return cls(None, None, code=code)

    @property
    def code(self) -> str:
        if not self._code and self._expr is not None:
            self._code = unparsed(self._expr)
        return self._code

    @property
    def literal(self) -> bool:
        if self._literal is None:
            assert self._expr is not None and self._at is not None
            self._literal = is_literal(self._expr, self._at)
        return self._literal

    @property
    def origin(self) -> str:
        """pipeval.lint.origin: CHECKED, UNKNOWN or one of the untrusted sources."""
        if self._origin is None:
            assert self._expr is not None and self._at is not None
            checked = self.literal or self._formatted
            self._origin = CHECKED if checked else origin(self._expr, self._at)
        return self._origin


Part = str | Slot


@dataclass(slots=True, eq=False)
class Template:
    """Built SQL text: literal pieces and slots. (Not a frozen dataclass: its constructor was
    a measurable share of the rule's time; templates are never changed once made.)"""

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


def _slot(expr: ast.expr, at: At, formatted: bool = False) -> Slot:
    """One interpolated value; `formatted` when a format spec renders it (`{d:%Y-%m-%d}`)."""
    return Slot(expr, at, formatted)


def template(expr: ast.expr, at: At, depth: int = 0) -> Template | None:
    """The SQL text an expression builds, or None when it is not recognisably built text."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(expr, ast.Name):
        chains = templates_of_name(expr, at, depth, last_only=True)
        return chains[0] if chains else None
    if isinstance(expr, ast.Attribute):
        found = class_attribute(expr, at)
        return template(found[0], found[1], depth + 1) if found is not None else None
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
                parts.append(_slot(part.value, at, part.format_spec is not None))
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
    name = call_name(func)
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
        key = FIELD_END.split(field, maxsplit=1)[0]
        if key == "":
            key, auto = str(auto), auto + 1
        value = positional[int(key)] if key.isdigit() and int(key) < len(positional) else None
        value = named.get(key, value)
        parts.append(_slot(value, at) if value is not None else Slot.unresolved(field))
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
        parts.append(_slot(value, at) if value is not None else Slot.unresolved(match.group(0)))
    parts.append(text[cursor:])
    return Template(tuple(parts), base.how | {"%"}, base.line)


MAX_CHAINS = 8  # assignments of one name that may reach a call (an `if` may choose either)


def templates_of_name(
    name: ast.Name, at: At, depth: int = 0, last_only: bool = False
) -> list[Template]:
    """Every text a local name may hold at `at`: each `name = ...` followed by its `+=`s.

    For the SQL handed to `query()` the last MAX_CHAINS assignments count (an `if` may choose
    either; a bound keeps a name assigned thousands of times in one function linear); when the
    name is part of a larger expression only the latest one does. A loop variable holds each
    SQL text of the list it iterates (`for sql in statements`).
    """
    history = at.scope.history(name.id, at.before)
    if not history:
        value, value_at = follow(name, at)
        if value is name:
            return []
        found = template(value, value_at, depth + 1)
        return [found] if found is not None else []
    last = history[-1]
    if len(history) == 1 and last.kind == "unknown":
        return []  # a parameter or another value we cannot read, bound once: no text
    if last.kind == "iter" and last.value is not None:
        found_all = elements(last.value, At(at.scope, last.position), depth + 1)
        return found_all[-1:] if last_only else found_all
    window = _window(history, 1 if last_only else MAX_CHAINS)
    chains: list[Template] = []
    current: Template | None = None
    for binding in window:
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


def _window(history: list[Binding], chains: int) -> list[Binding]:
    """The tail of `history` that holds its last `chains` chains (an assignment and the `+=`s
    after it), found walking backwards so the cost does not grow with the whole history."""
    start = len(history)
    while start > 0 and chains > 0:
        start -= 1
        if history[start].kind != "aug":
            chains -= 1
    return history[start:]


def elements(iterable: ast.expr, at: At, depth: int = 0) -> list[Template]:
    """The SQL texts held by the list a loop iterates: its literal elements, the texts
    appended to it before the loop, or the element of a comprehension."""
    if depth > MAX_DEPTH:
        return []
    if isinstance(iterable, ast.List | ast.Tuple | ast.Set):
        found: list[Template] = []
        for element in iterable.elts:
            found += _element(element, at, depth)
        return found
    if isinstance(iterable, ast.ListComp | ast.GeneratorExp | ast.SetComp):
        one = template(iterable.elt, at, depth + 1)
        return [one] if one is not None else []
    if isinstance(iterable, ast.Name):
        value, value_at = follow(iterable, at)
        found = elements(value, value_at, depth + 1) if value is not iterable else []
        for added in at.scope.additions(iterable.id, at.before):
            found += _element(added, at, depth)
        return found
    return []


def _element(node: ast.expr, at: At, depth: int) -> list[Template]:
    """One element put in a list: a `*spread` list's texts, or the element's own text."""
    if isinstance(node, ast.Starred):
        return elements(node.value, at, depth + 1)
    one = template(node, at, depth + 1)
    return [one] if one is not None else []


def templates(expr: ast.expr, at: At) -> list[Template]:
    if isinstance(expr, ast.Name):
        return templates_of_name(expr, at)
    found = template(expr, at)
    return [found] if found is not None else []


# --- where the slots land, by a small BigQuery lexer ---

# BigQuery lexical structure, as far as placing a slot needs it: comments (`--`, `#`,
# `/* */`), quoted strings (single, double, triple, with r/b prefixes; an unterminated one runs
# to the end), backtick identifiers, words and dots. A regular expression instead of sqlglot's
# tokenizer: it ran on every candidate statement and was a third of the rule's time.
SQL_TOKEN = re.compile(
    r"""(?P<comment>--[^\n]*|\#[^\n]*|/\*.*?(?:\*/|\Z))
    |(?P<string>(?:[rRbB]{1,2})?(?:'{3}.*?(?:'{3}|\Z)|"{3}.*?(?:"{3}|\Z)
        |'(?:\\.|[^'\\\n])*(?:'|$)|"(?:\\.|[^"\\\n])*(?:"|$)))
    |(?P<identifier>`[^`]*(?:`|\Z))
    |(?P<word>[A-Za-z0-9_]+)
    |(?P<dot>\.)
    |(?P<other>[^\s])""",
    re.DOTALL | re.VERBOSE | re.MULTILINE,
)
# Keywords after which a (dotted) name is a table: `FROM a.b.{t}`, `INTO {t}`, `MERGE {t}`.
TABLE_INTRODUCERS = frozenset(
    {"FROM", "JOIN", "INTO", "UPDATE", "TABLE", "MERGE", "USING", "DELETE", "INSERT"}
)


@lru_cache(maxsize=1024)
def _tokens(text: str) -> tuple[tuple[str, str], ...]:
    """(kind, text) of each token up to the one holding the last slot (a slot's place depends
    only on what comes before it); comments are dropped, as a slot in one is harmless."""
    last = text.rfind("pvslot")
    found = []
    for match in SQL_TOKEN.finditer(text):
        if match.start() > last:
            break
        kind = match.lastgroup
        if kind != "comment":
            found.append((kind or "other", match.group()))
    return tuple(found)


def _names_table(tokens: tuple[tuple[str, str], ...], index: int) -> bool:
    """Is the token at `index` (part of) a table name: `FROM a.b.{t}`, `INTO {t}`, ...?"""
    j = index - 1
    while j >= 1 and tokens[j][0] == "dot":
        j -= 2
    return j >= 0 and tokens[j][0] == "word" and tokens[j][1].upper() in TABLE_INTRODUCERS


def placements(found: Template) -> list[tuple[Slot, str]]:
    """Each non-literal slot with where it lands: IN_STRING, AS_VALUE or AS_IDENTIFIER."""
    slots = {i: p for i, p in enumerate(found.parts) if isinstance(p, Slot) and not p.literal}
    if not slots:
        return []
    tokens = _tokens(found.text())
    where: dict[int, str] = {}
    for index, (kind, text) in enumerate(tokens):
        if "pvslot" not in text:
            continue
        for number in SENTINEL.findall(text):
            if kind == "string":
                place = IN_STRING
            elif kind == "identifier" or _names_table(tokens, index):
                place = AS_IDENTIFIER
            else:
                place = AS_VALUE
            where.setdefault(int(number), place)
    # A slot the lexer dropped sits in a SQL comment: harmless.
    return [(slot, where[i]) for i, slot in slots.items() if i in where]


def risky(found: Template) -> list[tuple[Slot, str]]:
    return [(slot, place) for slot, place in placements(found) if place != AS_IDENTIFIER]


# Possessive comment bodies: a comment never gives back its words to be read as a keyword.
LEADING = re.compile(r"(?:\s+|--[^\n]*+\n?|#[^\n]*+\n?|/\*.*?\*/)*(\(|[A-Za-z_]+)", re.DOTALL)


def first_keyword(found: Template) -> str:
    """The statement's leading keyword (UPDATE, SELECT, ...; L_PAREN for `(`), or "" when the
    text does not start with a word. A regular expression on the literal head, not the
    tokenizer: this runs for every built string, and most are not SQL."""
    head = found.parts[0] if found.parts and isinstance(found.parts[0], str) else ""
    match = LEADING.match(head)
    if match is None and len(found.parts) > 1:
        # e.g. a leading `-- run for {day}` comment: read on past the slot
        text = found.text()
        match = LEADING.match(text)
        head = text
    if match is None or (match.end() == len(head) and len(found.parts) > 1):
        return ""  # the first word runs into a slot: `f"{verb} ..."` is not recognisable SQL
    word = match.group(1)
    if SENTINEL.fullmatch(word):
        return ""
    return "L_PAREN" if word == "(" else word.upper()


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
