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
from pipeval.schema.ddl_tolerant import alter_actions_one_by_one, quiet_sqlglot, tolerant_create
from pipeval.sqlkit import DIALECT
from pipeval.types import column_from_def

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
        with quiet_sqlglot():
            trees = [tree for tree in sqlglot.parse(text, read=DIALECT) if tree is not None]
    except (ParseError, TokenError) as err:
        tolerated = tolerant_create(text) if re.match(r"\s*CREATE\b", text, re.I) else None
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
        tree = alter_actions_one_by_one(text) or tree
    if isinstance(tree, exp.Command) and tree.name.upper() == "CREATE":
        tolerated = tolerant_create(text)
        if tolerated is not None:
            create, error, note = tolerated
            return Statement(path, line, create, error, note)
    return Statement(path, line, tree)


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
