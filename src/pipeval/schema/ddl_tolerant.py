"""Reading the DDL statements sqlglot keeps only as raw text (schema/ddl.py's fallbacks).

A CREATE TABLE is read without its CLUSTER BY sort order, then from its column list alone, then
column by column; an ALTER TABLE mixing actions is parsed one action at a time and merged.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import Token, TokenType

from pipeval.sqlkit import DIALECT


@contextlib.contextmanager
def quiet_sqlglot() -> Iterator[None]:
    # sqlglot logs "falling back to Command" warnings; they are reported as our own warnings.
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _parse_create(text: str) -> exp.Create | None:
    try:
        with quiet_sqlglot():
            tree = sqlglot.parse_one(text, read=DIALECT)
    except (ParseError, TokenError):
        return None
    if isinstance(tree, exp.Create) and isinstance(tree.this, exp.Schema):
        return tree
    return None


def _depth_change(token: Token) -> int:
    """Nesting inside a column list: parentheses and the angle brackets of ARRAY/STRUCT."""
    if token.token_type in (TokenType.L_PAREN, TokenType.LT):
        return 1
    if token.token_type in (TokenType.R_PAREN, TokenType.GT):
        return -1
    if token.text == ">>":
        return -2
    return 0


def _column_list(tokens: list[Token]) -> tuple[int, int] | None:
    """Token positions of the column list's parentheses in `CREATE ... TABLE name (...)`; None
    for a CREATE TABLE ... AS SELECT or anything that is not a CREATE TABLE."""
    table_at = next((i for i, t in enumerate(tokens) if t.token_type == TokenType.TABLE), None)
    if table_at is None:
        return None
    for position in range(table_at + 1, len(tokens)):
        token = tokens[position]
        if token.token_type == TokenType.ALIAS:  # AS: the columns come from a query
            return None
        if token.token_type == TokenType.L_PAREN:
            break
    else:
        return None
    depth = 0
    for close in range(position, len(tokens)):
        depth += 1 if tokens[close].token_type == TokenType.L_PAREN else 0
        depth -= 1 if tokens[close].token_type == TokenType.R_PAREN else 0
        if depth == 0:
            return position, close
    return None


def _without_sort_order(text: str, tokens: list[Token], after: int) -> str | None:
    """The statement without ASC/DESC in its CLUSTER BY clause (after the column list)."""
    cluster = next(
        (i for i in range(after, len(tokens)) if tokens[i].token_type == TokenType.CLUSTER_BY),
        None,
    )
    if cluster is None:
        return None
    cuts = []
    for token in tokens[cluster + 1 :]:
        if token.token_type == TokenType.L_PAREN:  # OPTIONS(...): the clause has ended
            break
        if token.token_type in (TokenType.ASC, TokenType.DESC):
            cuts.append((token.start, token.end + 1))
    if not cuts:
        return None
    pieces, start = [], 0
    for begin, end in cuts:
        pieces.append(text[start:begin])
        start = end
    pieces.append(text[start:])
    return "".join(pieces)


def tolerant_create(text: str) -> tuple[exp.Create, str, str] | None:
    """(tree, error, note) for a CREATE TABLE sqlglot could not parse whole; see the module
    docstring for the order of attempts. None when there is no column list to read."""
    try:
        tokens = Dialect.get_or_raise(DIALECT).tokenize(text)
    except TokenError:
        return None
    bounds = _column_list(tokens)
    if bounds is None:
        return None
    open_at, close_at = bounds
    cleaned = _without_sort_order(text, tokens, close_at + 1)
    if cleaned is not None:
        tree = _parse_create(cleaned)
        if tree is not None:
            return tree, "", "read without the CLUSTER BY sort order (ASC/DESC)"
    skipped = " ".join(text[tokens[close_at].end + 1 :].split())
    note = f"read from its column list; clauses not parsed: {skipped[:60]}" if skipped else ""
    tree = _parse_create(text[: tokens[close_at].end + 1])
    if tree is not None:
        return tree, "", note
    return _column_by_column(text, tokens, open_at, close_at, note)


def _column_by_column(
    text: str, tokens: list[Token], open_at: int, close_at: int, note: str
) -> tuple[exp.Create, str, str] | None:
    """Each top-level piece of the column list parsed on its own; unreadable ones are named."""
    head = text[: tokens[open_at].start]
    shell = _parse_create(head + "(_pipeval_column INT64)")
    if shell is None:
        return None
    pieces, depth, start = [], 0, tokens[open_at].end + 1
    for token in tokens[open_at + 1 : close_at]:
        depth += _depth_change(token)
        if token.token_type == TokenType.COMMA and depth == 0:
            pieces.append(text[start : token.start])
            start = token.end + 1
    pieces.append(text[start : tokens[close_at].start])
    definitions: list[exp.Expression] = []
    unread: list[str] = []
    for piece in pieces:
        one = _parse_create(head + "(" + piece + ")")
        found = one.this.expressions if one is not None else []
        if len(found) == 1 and isinstance(found[0], exp.ColumnDef):
            definitions.append(found[0])
        elif piece.strip():
            unread.append(" ".join(piece.split())[:40])
    shell.this.set("expressions", definitions)
    error = f"columns not read (unsupported syntax): {'; '.join(unread)}" if unread else ""
    return shell, error, note


_ACTION_KEYWORDS = {"ADD", "DROP", "RENAME", "ALTER", "SET"}


def alter_actions_one_by_one(text: str) -> exp.Alter | None:
    """sqlglot reads some action mixes (ADD + DROP, several RENAMEs) only as raw text: parse
    `ALTER TABLE t <action>` for each top-level comma-separated action and merge them."""
    try:
        tokens = Dialect.get_or_raise(DIALECT).tokenize(text)
    except TokenError:
        return None
    first_action = next(
        (i for i, t in enumerate(tokens[2:], 2) if t.text.upper() in _ACTION_KEYWORDS), None
    )
    if first_action is None:
        return None
    prefix = text[: tokens[first_action].start]
    pieces, depth, start = [], 0, tokens[first_action].start
    for token in tokens[first_action:]:
        depth += _depth_change(token)
        if token.token_type == TokenType.COMMA and depth == 0:
            pieces.append(text[start : token.start])
            start = token.end + 1
    pieces.append(text[start:])
    merged: exp.Alter | None = None
    for piece in pieces:
        try:
            with quiet_sqlglot():
                part = sqlglot.parse_one(prefix + piece, read=DIALECT)
        except (ParseError, TokenError):
            return None
        if not isinstance(part, exp.Alter):
            return None
        if merged is None:
            merged = part
        else:
            merged.set("actions", [*merged.args["actions"], *part.args.get("actions", [])])
    return merged
