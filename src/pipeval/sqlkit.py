"""BigQuery SQL text for checks: templates, profile expressions and the read-only guard.

Check SQL is a constant template in BigQuery Standard SQL. Table and expression slots are
placeholder names (`_t_<slot>` for tables, `_e_<slot>` for scalar expressions) that are
replaced in the parsed tree, never by string formatting: identifiers arrive validated and
expressions arrive parsed and vetted, and values are always bound as `@parameters`. A statement
assembled from several (`render_tree`) takes whole queries too: `SELECT * FROM _q_<slot>` in
the template stands for a query tree built with sqlglot's builders (e.g. a UNION ALL of
rendered branches).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from pipeval.errors import BackendError, ConfigError, UnsafeStatementError, first_line
from pipeval.identifiers import TableName, check_identifier
from pipeval.lazy import exp, sqlglot, sqlglot_errors

DIALECT = "bigquery"
# sqlglot logs a warning for syntax it falls back on (`IF game_date` as a Command); pipeval
# reports every problem itself, in one line naming the profile key.
logging.getLogger("sqlglot").setLevel(logging.ERROR)
TABLE_SLOT = "_t_"
EXPR_SLOT = "_e_"
QUERY_SLOT = "_q_"


# Node types that turn a scalar expression into something else: a query, a write, a table.
@lru_cache(maxsize=1)
def _forbidden_in_expression() -> tuple[type[exp.Expression], ...]:
    return (
        exp.Query,
        exp.Subquery,
        exp.DDL,
        exp.DML,
        exp.Command,
        exp.Table,
        exp.Star,
        exp.AggFunc,
        exp.Window,
        exp.Parameter,
        exp.Placeholder,
    )


# The functions a profile expression may call: pure scalar functions of their arguments
# (string, date, math, conditional, casts), as sqlglot's parsed classes. Anything else (an
# unknown name parsed as Anonymous, such as current_setting, version, getenv, read_text,
# EXTERNAL_QUERY; or a known reader like read_csv; or CURRENT_DATE, RAND, SESSION_USER) reads
# files, settings, the environment, other systems or the clock, and is refused at load.
@lru_cache(maxsize=1)
def allowed_functions() -> frozenset[type[exp.Expression]]:
    return frozenset(
        {
            # string
            exp.Upper,
            exp.Lower,
            exp.Trim,
            exp.Substring,
            exp.Concat,
            exp.ConcatWs,
            exp.Replace,
            exp.RegexpReplace,
            exp.RegexpExtract,
            exp.RegexpLike,
            exp.Left,
            exp.Right,
            exp.Length,
            exp.Pad,
            exp.StartsWith,
            exp.EndsWith,
            exp.Split,
            exp.Initcap,
            exp.Reverse,
            exp.StrPosition,
            # date
            exp.TimeToStr,
            exp.TsOrDsToDate,
            exp.Date,
            exp.DateAdd,
            exp.DateSub,
            exp.DateDiff,
            exp.DateTrunc,
            exp.TimestampTrunc,
            exp.Extract,
            exp.StrToDate,
            exp.StrToTime,
            exp.DateFromParts,
            # math
            exp.Abs,
            exp.Round,
            exp.Floor,
            exp.Ceil,
            exp.Mod,
            exp.Sign,
            exp.Greatest,
            exp.Least,
            exp.SafeDivide,
            exp.Pow,
            exp.Sqrt,
            exp.Ln,
            exp.Log,
            # conditional and casts
            exp.If,
            exp.Case,
            exp.Coalesce,
            exp.Nullif,
            exp.Cast,
            exp.TryCast,
        }
    )


# Declarative checks' aggregate expressions may also call these pure aggregates.
@lru_cache(maxsize=1)
def allowed_aggregates() -> frozenset[type[exp.Expression]]:
    return frozenset(
        {
            exp.Avg,
            exp.Sum,
            exp.Count,
            exp.CountIf,
            exp.Min,
            exp.Max,
            exp.Stddev,
            exp.StddevPop,
            exp.StddevSamp,
            exp.Variance,
            exp.VariancePop,
            exp.ApproxDistinct,
            exp.LogicalAnd,
            exp.LogicalOr,
        }
    )


# Operators are Func subclasses in sqlglot too (AND, ||, =, NOT ...): they are pure.
@lru_cache(maxsize=1)
def _operators() -> tuple[type[exp.Expression], ...]:
    return (exp.Binary, exp.Unary, exp.Connector)


MAX_EXPRESSION_DEPTH = 64


def _function_name(node: exp.Func) -> str:
    return node.name if isinstance(node, exp.Anonymous) else node.sql_name()


def _nesting(text: str) -> int:
    """Deepest parenthesis nesting, counted on the text before parsing (sqlglot recurses)."""
    depth = deepest = 0
    for char in text:
        if char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth -= 1
    return deepest


def parse_expression(text: str, where: str, columns: Iterable[str] | None = None) -> exp.Expression:
    """Vet one scalar SQL expression over a single table's own columns."""
    return _vetted(text, where, columns, _forbidden_in_expression(), allowed_functions())


# COUNT(*) is the one place a star may stand (checked below).
@lru_cache(maxsize=1)
def _forbidden_in_aggregate() -> tuple[type[exp.Expression], ...]:
    return tuple(t for t in _forbidden_in_expression() if t not in (exp.AggFunc, exp.Star))


def vet_expression(text: str, where: str) -> None:
    """`parse_expression` when only the verdict matters (a profile loading): a text vetted once
    by this pipeval is remembered in the SQL cache, and not parsed again next run."""
    from pipeval import sqlcache

    sqlcache.cached("vetted-expression", text, lambda: _ok(parse_expression(text, where)))


def vet_aggregate(text: str, where: str) -> None:
    """`parse_aggregate` when only the verdict matters, remembered like `vet_expression`."""
    from pipeval import sqlcache

    sqlcache.cached("vetted-aggregate", text, lambda: _ok(parse_aggregate(text, where)))


def _ok(_tree: object) -> str:
    return "ok"


def parse_aggregate(text: str, where: str, columns: Iterable[str] | None = None) -> exp.Expression:
    """Vet one aggregate expression (e.g. `AVG(points)`, `COUNTIF(x IS NULL) / COUNT(*)`) over a
    single table's own columns: the scalar rules, plus every column inside an aggregate and no
    aggregate inside another, so the expression yields one value per group."""
    allowed = allowed_functions() | allowed_aggregates()
    tree = _vetted(text, where, columns, _forbidden_in_aggregate(), allowed)
    for star in tree.find_all(exp.Star):
        if not isinstance(star.parent, exp.Count):
            raise ConfigError(f"{where}: {text!r} may use * only as COUNT(*)")
    aggregates = list(tree.find_all(exp.AggFunc))
    if not aggregates:
        raise ConfigError(f"{where}: {text!r} must be an aggregate (e.g. AVG(x), COUNTIF(...))")
    for node in aggregates:
        if node.find_ancestor(exp.AggFunc) is not None:
            raise ConfigError(f"{where}: {text!r} must not nest an aggregate in another")
    for column in tree.find_all(exp.Column):
        if column.find_ancestor(exp.AggFunc) is None:
            raise ConfigError(f"{where}: {text!r} uses {column.name!r} outside an aggregate")
    return tree


def _vetted(
    text: str,
    where: str,
    columns: Iterable[str] | None,
    forbidden: tuple[type[exp.Expression], ...],
    allowed: frozenset[type[exp.Expression]],
) -> exp.Expression:
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(f"{where}: expected a SQL expression")
    if _nesting(text) > MAX_EXPRESSION_DEPTH:
        raise ConfigError(
            f"{where}: SQL expression nested deeper than {MAX_EXPRESSION_DEPTH} levels"
        )
    try:
        parsed = [node for node in sqlglot.parse(text, read=DIALECT) if node is not None]
    except (sqlglot_errors.SqlglotError, RecursionError) as err:
        # TokenError (an unclosed comment or string) is not a ParseError: both are one line.
        nested = isinstance(err, RecursionError)
        first = "nested too deeply" if nested else first_line(err)
        raise ConfigError(f"{where}: cannot parse SQL expression {text!r}: {first}") from None
    if len(parsed) != 1:
        raise ConfigError(f"{where}: {text!r} must be one expression, not several statements")
    tree = parsed[0]
    for node in tree.walk():
        if node.comments:
            raise ConfigError(f"{where}: {text!r} must not contain comments")
        if isinstance(node, forbidden):
            kind = type(node).__name__.lower()
            raise ConfigError(f"{where}: {text!r} must be a scalar expression (found {kind})")
        if (
            isinstance(node, exp.Func)
            and not isinstance(node, _operators())
            and type(node) not in allowed
        ):
            raise ConfigError(
                f"{where}: {text!r} calls {_function_name(node)}(), which is not allowed: "
                "only pure string, date, math and conditional functions (and aggregates "
                "where an aggregate is expected)"
            )
    known = set(columns) if columns is not None else None
    for column in tree.find_all(exp.Column):
        if column.table:
            raise ConfigError(f"{where}: {text!r} must use the table's own columns, unqualified")
        check_identifier(column.name, f"{where}: column")
        if known is not None and column.name not in known:
            raise ConfigError(
                f"{where}: {text!r} uses column {column.name!r} not in {sorted(known)}"
            )
    return tree


INFORMATION_SCHEMA_VIEWS = ("JOBS_BY_PROJECT", "TABLES", "COLUMNS", "PARTITIONS", "TABLE_OPTIONS")


def info_schema(region: str, view: str) -> TableName:
    """A region-qualified metadata view, e.g. `region-us-west2`.INFORMATION_SCHEMA.JOBS_BY_PROJECT,
    usable as a `_t_` slot. The region is validated; the view comes from a fixed list."""
    if view not in INFORMATION_SCHEMA_VIEWS:
        raise ConfigError(f"unknown INFORMATION_SCHEMA view {view!r}")
    qualifier = check_identifier(f"region-{region}", "region")
    return TableName(qualifier, f"INFORMATION_SCHEMA.{view}")


def column(name: str, where: str = "column") -> exp.Expression:
    return exp.column(check_identifier(name, where))


def render(
    template: str,
    tables: Mapping[str, TableName],
    exprs: Mapping[str, exp.Expression] | None = None,
) -> str:
    """Fill a template's `_t_`/`_e_` slots in the parsed tree and return BigQuery SQL."""
    expr_sql = tuple(sorted((k, v.sql(DIALECT)) for k, v in (exprs or {}).items()))
    table_items = tuple(sorted((k, (v.dataset, v.table)) for k, v in tables.items()))
    return _render_cached(template, table_items, expr_sql)


@lru_cache(maxsize=512)
def _render_cached(
    template: str,
    tables: tuple[tuple[str, tuple[str, str]], ...],
    exprs: tuple[tuple[str, str], ...],
) -> str:
    table_map = dict(tables)
    expr_map = {key: sqlglot.parse_one(text, read=DIALECT) for key, text in exprs}
    return _filled(template, table_map, expr_map, {}).sql(DIALECT)


def render_tree(
    template: str,
    tables: Mapping[str, TableName],
    exprs: Mapping[str, exp.Expression] | None = None,
    queries: Mapping[str, exp.Query] | None = None,
) -> exp.Query:
    """`render`, as a tree to assemble further: also fills the template's `_q_` query slots."""
    table_map = {key: (name.dataset, name.table) for key, name in tables.items()}
    tree = _filled(template, table_map, dict(exprs or {}), dict(queries or {}))
    assert isinstance(tree, exp.Query)
    return tree


def _filled(
    template: str,
    tables: Mapping[str, tuple[str, str]],
    exprs: Mapping[str, exp.Expression],
    queries: Mapping[str, exp.Query],
) -> exp.Expression:
    tree = sqlglot.parse_one(template, read=DIALECT)

    def substitute(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Table) and node.name.startswith(TABLE_SLOT) and not node.db:
            dataset, table = tables[node.name[len(TABLE_SLOT) :]]
            alias = node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(node.name))
            return exp.Table(
                this=exp.to_identifier(table), db=exp.to_identifier(dataset), alias=alias.copy()
            )
        if isinstance(node, exp.Column) and node.name.startswith(EXPR_SLOT) and not node.table:
            return _grouped(exprs[node.name[len(EXPR_SLOT) :]].copy())
        slot = _query_slot(node)
        if slot is not None:
            return queries[slot].copy()
        return node

    return tree.transform(substitute)


def _query_slot(node: exp.Expression) -> str | None:
    """`x` for the template's `SELECT * FROM _q_x` (the whole SELECT is the slot)."""
    if not isinstance(node, exp.Select) or len(node.expressions) != 1:
        return None
    source = node.args.get("from_") or node.args.get("from")  # the key sqlglot 30 / older uses
    table = source.this if isinstance(source, exp.From) else None
    if not isinstance(node.expressions[0], exp.Star) or not isinstance(table, exp.Table):
        return None
    if table.db or not table.name.startswith(QUERY_SLOT):
        return None
    return table.name[len(QUERY_SLOT) :]


def _grouped(expression: exp.Expression) -> exp.Expression:
    """Parenthesise a substituted expression unless it is atomic: a profile filter `a OR b`
    must not escape the template's `date BETWEEN @range_start AND @range_end AND _e_filter`."""
    atomic = (exp.Column, exp.Literal, exp.Boolean, exp.Paren, exp.Null)
    if isinstance(expression, atomic):
        return expression
    # In sqlglot AND/OR are Func subclasses too: only a call that is not an operator is atomic.
    if isinstance(expression, exp.Func) and not isinstance(expression, exp.Binary | exp.Unary):
        return expression
    return exp.Paren(this=expression)


def parse_statements(sql: str, dialect: str = DIALECT) -> list[exp.Expression]:
    try:
        return [node for node in sqlglot.parse(sql, read=dialect) if node is not None]
    except sqlglot_errors.ParseError as err:
        first = first_line(err)
        raise UnsafeStatementError(f"refusing a statement that does not parse: {first}") from None


def ensure_query(sql: str, dialect: str = DIALECT) -> exp.Query:
    """The write guard: only one read-only SELECT-style statement may be sent."""
    statements = parse_statements(sql, dialect)
    if len(statements) != 1:
        raise UnsafeStatementError(f"refusing {len(statements)} statements: send exactly one query")
    tree = statements[0]
    if not isinstance(tree, exp.Query) or tree.find(exp.Into) is not None:
        kind = tree.key.upper()
        raise UnsafeStatementError(f"refusing a {kind} statement: pipeval only reads")
    for node in tree.walk():
        if isinstance(node, exp.DML | exp.DDL | exp.Command):
            raise UnsafeStatementError("refusing a query that embeds a write statement")
    return tree


def metadata_region(tree: exp.Expression) -> str | None:
    """The region of a region-qualified INFORMATION_SCHEMA view the statement reads
    (`region-us-west2` -> `us-west2`): BigQuery serves it only to a job in that location."""
    for table in tree.find_all(exp.Table):
        names = [piece for part in table.parts for piece in part.name.split(".")]
        for position, name in enumerate(names):
            rest = ".".join(names[position + 1 :]).upper()
            if name.lower().startswith("region-") and rest.startswith("INFORMATION_SCHEMA"):
                return name[len("region-") :]
    return None


def parameter_names(tree: exp.Expression) -> list[str]:
    return sorted({param.name for param in tree.find_all(exp.Parameter)})


def check_bound(names: Iterable[str], params: Mapping[str, Any] | None) -> dict[str, Any]:
    """The given parameters, once every @name the statement uses is among them (both
    warehouses call this before sending: an unbound parameter is never left to the engine)."""
    given = dict(params or {})
    missing = [name for name in names if name not in given]
    if missing:
        raise BackendError(f"query needs parameters {missing} that were not bound")
    return given
