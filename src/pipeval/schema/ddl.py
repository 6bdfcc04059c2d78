"""The DDL side: BigQuery `CREATE TABLE` / `ALTER TABLE` files → the columns they declare.

Statements are split on the tokenizer's semicolons (so comments and quoted `;` are handled by
sqlglot, not by a regex) and parsed one at a time: a statement sqlglot cannot parse becomes a
warning naming its file and line, and the rest of the file still counts. Migration files are
applied in order after the main file, as the pipeline's deploy would.

A CREATE TABLE that sqlglot keeps only as raw text (it does so for clauses it does not know,
e.g. `CLUSTER BY x DESC`) is read tolerantly: without the clustering sort order, then from its
column list alone, then column by column. Each step that skips text leaves a note, and a
column that still cannot be read is a warning: the statement is never dropped silently.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import Token, TokenType

from pipeval import files
from pipeval.errors import InputError, first_line
from pipeval.ports import Column
from pipeval.types import column_from_def

DIALECT = "bigquery"
# Fallback split when a file cannot be tokenized as a whole (e.g. an unterminated string).
_STATEMENT_END = re.compile(r";[ \t]*(?:(?:--|#)[^\n]*)?$", re.MULTILINE)


@dataclass(frozen=True)
class Statement:
    """One statement of a DDL file: where it starts and what sqlglot made of it."""

    path: str
    line: int
    tree: exp.Expression | None
    error: str = ""  # with a tree: part of the statement (some columns) could not be read
    note: str = ""  # text skipped that declares no column (e.g. a CLUSTER BY sort order)


@dataclass
class TableDdl:
    """The columns a table ends up with after every statement about it, in file order."""

    table: str
    columns: list[Column] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    created: bool = False

    def names(self) -> list[str]:
        return [column.name for column in self.columns]


@contextlib.contextmanager
def _quiet_sqlglot() -> Iterator[None]:
    # sqlglot logs "falling back to Command" warnings; they are reported as our own warnings.
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def read_text(path: Path, what: str = "DDL file") -> str:
    return files.read_text(path, what)


def _chunks(tokens: list[Token]) -> Iterator[list[Token]]:
    chunk: list[Token] = []
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            if chunk:
                yield chunk
            chunk = []
        else:
            chunk.append(token)
    if chunk:
        yield chunk


def _parse_chunk(text: str, path: str, line: int) -> Statement:
    try:
        with _quiet_sqlglot():
            trees = [tree for tree in sqlglot.parse(text, read=DIALECT) if tree is not None]
    except (ParseError, TokenError) as err:
        tolerated = _tolerant_create(text) if re.match(r"\s*CREATE\b", text, re.I) else None
        if tolerated is not None:
            create, error, note = tolerated
            return Statement(path, line, create, error, note)
        details = getattr(err, "errors", None) or [{}]
        description = details[0].get("description") or first_line(str(err))
        at = details[0].get("line")
        where = line + at - 1 if isinstance(at, int) else line
        return Statement(path, where, None, f"cannot parse statement: {description}")
    if len(trees) != 1:
        return Statement(path, line, None, "cannot split statement from the next one")
    tree = trees[0]
    if isinstance(tree, exp.Command) and tree.name.upper() == "ALTER":
        tree = _alter_actions_one_by_one(text) or tree
    if isinstance(tree, exp.Command) and tree.name.upper() == "CREATE":
        tolerated = _tolerant_create(text)
        if tolerated is not None:
            create, error, note = tolerated
            return Statement(path, line, create, error, note)
    return Statement(path, line, tree)


def _parse_create(text: str) -> exp.Create | None:
    try:
        with _quiet_sqlglot():
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


def _tolerant_create(text: str) -> tuple[exp.Create, str, str] | None:
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


def _alter_actions_one_by_one(text: str) -> exp.Alter | None:
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
        if token.token_type in (TokenType.L_PAREN, TokenType.LT):
            depth += 1
        elif token.token_type in (TokenType.R_PAREN, TokenType.GT):
            depth -= 1
        elif token.token_type == TokenType.COMMA and depth == 0:
            pieces.append(text[start : token.start])
            start = token.end + 1
    pieces.append(text[start:])
    merged: exp.Alter | None = None
    for piece in pieces:
        try:
            with _quiet_sqlglot():
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


def _split_by_lines(text: str) -> Iterator[tuple[str, int]]:
    start = 0
    for match in _STATEMENT_END.finditer(text):
        yield text[start : match.start()], text.count("\n", 0, start) + 1
        start = match.end()
    yield text[start:], text.count("\n", 0, start) + 1


def parse_statements(text: str, path: str = "<ddl>") -> list[Statement]:
    """Every statement of a DDL text with its first line; unparseable ones carry an error."""
    dialect = Dialect.get_or_raise(DIALECT)
    try:
        tokens = dialect.tokenize(text)
    except TokenError:
        statements = []
        for piece, first_line in _split_by_lines(text):
            try:
                piece_tokens = dialect.tokenize(piece)
            except TokenError:
                offset = len(piece) - len(piece.lstrip())
                line = first_line + piece.count("\n", 0, offset)
                error = "cannot tokenize statement (unterminated string, comment or quote?)"
                statements.append(Statement(path, line, None, error))
                continue
            statements.extend(
                replace(statement, line=statement.line + first_line - 1)
                for statement in parse_statements_from(piece, piece_tokens, path)
            )
        return statements
    return parse_statements_from(text, tokens, path)


def parse_statements_from(text: str, tokens: list[Token], path: str) -> list[Statement]:
    return [
        _parse_chunk(text[chunk[0].start : chunk[-1].end + 1], path, chunk[0].line)
        for chunk in _chunks(tokens)
    ]


def table_parts(table: exp.Table) -> tuple[str, ...]:
    """Name parts without the project: a backticked `p.d.t` is split like p.d.t."""
    parts = [part.name for part in table.parts]
    if len(parts) == 1 and "." in parts[0]:
        parts = parts[0].split(".")
    return tuple(parts[-2:])


def _matches(parts: tuple[str, ...], wanted: str) -> bool:
    dataset, name = wanted.split(".", 1)
    if len(parts) == 1:
        return parts[0] == name
    return parts == (dataset, name)


def _statement_table(tree: exp.Expression) -> exp.Table | None:
    target = tree.this if isinstance(tree, exp.Create | exp.Alter) else None
    if isinstance(target, exp.Schema):
        target = target.this
    return target if isinstance(target, exp.Table) else None


def created_tables(statements: Sequence[Statement]) -> list[str]:
    """`dataset.table` of every CREATE TABLE with a column list (for ad hoc runs)."""
    found = []
    for statement in statements:
        tree = statement.tree
        if isinstance(tree, exp.Create) and isinstance(tree.this, exp.Schema):
            table = _statement_table(tree)
            parts = table_parts(table) if table is not None else ()
            name = ".".join(parts)
            if name and name not in found:
                found.append(name)
    return found


class _Builder:
    """Applies statements about one table, in order, to its column list."""

    def __init__(self, table: str) -> None:
        self.ddl = TableDdl(table)

    def warn(self, statement: Statement, message: str) -> None:
        self.ddl.warnings.append(f"{statement.path}:{statement.line}: {message}")

    def index(self, name: str) -> int | None:
        lowered = name.lower()  # BigQuery column names are case-insensitive
        for position, column in enumerate(self.ddl.columns):
            if column.name.lower() == lowered:
                return position
        return None

    def create(self, statement: Statement, tree: exp.Create) -> None:
        if not isinstance(tree.this, exp.Schema):
            self.warn(statement, "CREATE TABLE without a column list: its columns are unknown")
            return
        if self.ddl.created and not tree.args.get("replace"):
            if not tree.args.get("exists"):
                self.warn(statement, f"{self.ddl.table} is created a second time")
            return
        definitions = [e for e in tree.this.expressions if isinstance(e, exp.ColumnDef)]
        self.ddl.columns = [column_from_def(definition) for definition in definitions]
        self.ddl.created = True
        if statement.note:
            self.ddl.notes.append(f"{statement.path}:{statement.line}: {statement.note}")
        if statement.error:
            self.warn(statement, statement.error)

    def alter(self, statement: Statement, tree: exp.Alter) -> None:
        for action in tree.args.get("actions") or []:
            if isinstance(action, exp.ColumnDef):
                self._add(statement, action)
            elif isinstance(action, exp.Drop) and str(action.args.get("kind")).upper() == "COLUMN":
                for target in action.args.get("tables") or []:
                    self._drop(statement, target.name, bool(action.args.get("exists")))
            elif isinstance(action, exp.RenameColumn):
                self._rename(statement, action.this.name, action.args["to"].name)
            elif isinstance(action, exp.AlterColumn):
                self._alter_column(statement, action)

    def _add(self, statement: Statement, definition: exp.ColumnDef) -> None:
        if self.index(definition.name) is not None:
            if not definition.args.get("exists"):
                self.warn(statement, f"ADD COLUMN {definition.name}: the column exists already")
            return
        column = column_from_def(definition)
        if column.mode == "REQUIRED":
            # BigQuery refuses to add a REQUIRED column to an existing table.
            self.warn(statement, f"ADD COLUMN {column.name} NOT NULL: BigQuery refuses it")
        self.ddl.columns.append(column)

    def _drop(self, statement: Statement, name: str, if_exists: bool) -> None:
        position = self.index(name)
        if position is None:
            if not if_exists:
                self.warn(statement, f"DROP COLUMN {name}: no such column")
            return
        del self.ddl.columns[position]

    def _rename(self, statement: Statement, old: str, new: str) -> None:
        position = self.index(old)
        if position is None:
            self.warn(statement, f"RENAME COLUMN {old}: no such column")
            return
        self.ddl.columns[position] = replace(self.ddl.columns[position], name=new)

    def _alter_column(self, statement: Statement, action: exp.AlterColumn) -> None:
        position = self.index(action.this.name)
        if position is None:
            self.warn(statement, f"ALTER COLUMN {action.this.name}: no such column")
            return
        current = self.ddl.columns[position]
        dtype = action.args.get("dtype")
        if isinstance(dtype, exp.DataType):
            retyped = column_from_def(exp.ColumnDef(this=action.this.copy(), kind=dtype.copy()))
            current = replace(current, type=retyped.type, fields=retyped.fields)
        if action.args.get("drop") and action.args.get("allow_null") and current.mode == "REQUIRED":
            current = replace(current, mode="NULLABLE")
        self.ddl.columns[position] = current


def _unsupported(tree: exp.Expression) -> str | None:
    """A CREATE/ALTER TABLE sqlglot only kept as raw text: its columns would be lost."""
    if not isinstance(tree, exp.Command):
        return None
    text = " ".join(tree.sql(DIALECT).split())
    if re.match(r"(CREATE|ALTER)\b.*\bTABLE\b", text, re.IGNORECASE):
        return f"unsupported syntax, statement not read: {text[:60]}"
    return None


def table_ddl(statements: Sequence[Statement], table: str) -> TableDdl:
    """Apply every statement about `table` (dataset.table) in order; warn about the rest."""
    builder = _Builder(table)
    for statement in statements:
        if statement.tree is None:
            builder.warn(statement, statement.error)
            continue
        unsupported = _unsupported(statement.tree)
        if unsupported:
            builder.warn(statement, unsupported)
            continue
        target = _statement_table(statement.tree)
        if target is None or not _matches(table_parts(target), table):
            continue
        tree = statement.tree
        if isinstance(tree, exp.Create) and str(tree.args.get("kind")).upper() == "TABLE":
            builder.create(statement, tree)
        elif isinstance(tree, exp.Alter):
            builder.alter(statement, tree)
    return builder.ddl


def ddl_files(paths: Sequence[Path]) -> list[Path]:
    """Files in order; a directory stands for its `*.sql` files in name order (migrations)."""
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.sql")) if path.is_dir() else [path])
    return files


def read_statements(paths: Sequence[Path]) -> list[Statement]:
    statements: list[Statement] = []
    for path in ddl_files(paths):
        statements.extend(parse_statements(read_text(path), str(path)))
    return statements


def read_table_ddl(paths: Sequence[Path], table: str) -> TableDdl:
    files = ddl_files(paths)
    ddl = table_ddl(read_statements(files), table)
    ddl.files = [str(path) for path in files]
    if not ddl.created and not ddl.columns:
        names = ", ".join(str(path) for path in files)
        ddl.warnings.insert(0, f"{names}: no CREATE TABLE with a column list for {table}")
    return ddl


def table_from_ddl(paths: Sequence[Path]) -> str:
    """The one table an ad hoc DDL file creates, as dataset.table."""
    found = created_tables(read_statements(paths))
    names = ", ".join(str(path) for path in paths)
    qualified = [name for name in found if "." in name]
    if len(qualified) == 1:
        return qualified[0]
    if not found:
        raise InputError(f"--ddl {names}: no CREATE TABLE with a column list; pass --table")
    raise InputError(
        f"--ddl {names}: creates {', '.join(found)}; pass --table dataset.table to choose"
    )
