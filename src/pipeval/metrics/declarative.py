"""Declarative checks of one table compiled to one statement per run, and the parsing of its rows.

Every declarative check of a table (profile `checks:`) over the run's date range goes into ONE
BigQuery statement: a `base` CTE reads the table once, filtered on its partition (date) column,
projecting only the columns the checks use; each check adds a branch that aggregates `base` per
date (and per game where asked). The branches share one long row shape, so they are joined
with UNION ALL:

    check_id STRING, day DATE, grp STRING, value FLOAT64, total FLOAT64, extra FLOAT64,
    latest TIMESTAMP, subject STRING

An aggregate row has `subject` NULL; an exception row (a duplicate key, a player with a NULL
feature, a mismatching key) carries one `subject`, at most `@subjects` of them per date.

The thresholds are judged in the statement too: each branch's rows (the `judged` CTE) carry
`_ok`, `passed` holds each check's dates whose every row passes, and only the other dates' rows
are sent, plus one row per check (`day` NULL, `subject` the passing dates, comma-separated).
The range's last date is always sent whole: a daily run shows its figures. So a season sends
the failing dates' aggregates and names, not a row per check, date and game.

The statement is built as a sqlglot tree (`declarative_sql`): constant templates whose
`_e_<slot>` columns are replaced by vetted profile expressions or validated identifiers; every
value (accepted values, ranges, thresholds, tolerances, dates, the listing cap) is a bound
`@parameter`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pipeval.identifiers import TableName
from pipeval.lazy import exp
from pipeval.metrics.declarative_sql import (
    Build,
    add_cte,
    all_of,
    finish,
    judged,
    literal,
    param,
    per_game,
    percent_within,
    subquery,
    tree,
    within,
)
from pipeval.ports import Row
from pipeval.profile.declarative import DeclarativeCheck
from pipeval.profile.model import Profile, ScheduleSpec
from pipeval.query import Context, Query
from pipeval.sqlcache import cached_json
from pipeval.sqlkit import DIALECT, parse_aggregate, parse_expression
from pipeval.sqlkit import column as _col

# Exception subjects returned per check and date; the rest are counted, not listed.
SUBJECTS_LISTED = 5


def checks_by_table(profile: Profile) -> dict[str, list[DeclarativeCheck]]:
    grouped: dict[str, list[DeclarativeCheck]] = {}
    for check in profile.checks:
        grouped.setdefault(check.table, []).append(check)
    return grouped


def lookback_days(checks: list[DeclarativeCheck]) -> int:
    """Days read before the range: drift compares each date with its trailing baseline."""
    return max((c.baseline_days for c in checks if c.kind == "drift"), default=0)


def table_query(profile: Profile, table: str, start: date, end: date) -> Query:
    """The one statement for `table`'s declarative checks over start..end."""
    checks = tuple(checks_by_table(profile).get(table, ()))
    return _table_query(checks, profile.schedule, start, end)


def run_query(ctx: Context, table: str) -> Query:
    """`table_query` over the context range, built once per run (checks ask per date)."""

    def build() -> Query:
        grouped = ctx.memo_get(("declarative-tables",), lambda: checks_by_table(ctx.profile))
        return _table_query(tuple(grouped.get(table, ())), ctx.profile.schedule, ctx.start, ctx.end)

    return ctx.memo_get(("declarative-query", table, ctx.start, ctx.end), build)


def _table_query(
    checks: tuple[DeclarativeCheck, ...], schedule: ScheduleSpec, start: date, end: date
) -> Query:
    sql, params = _statement(checks, (schedule.table, schedule.date_column, schedule.game_key))
    first = start - timedelta(days=lookback_days(list(checks)))
    if checks and checks[0].partition_column:
        slack = timedelta(days=checks[0].partition_slack_days)
        params["partition_start"] = datetime.combine(first - slack, time(), UTC)
        params["partition_end"] = datetime.combine(end + slack + timedelta(days=1), time(), UTC)
    return Query.of(
        sql,
        label=f"checks:{checks[0].table}",
        range_start=first,
        range_end=end,
        subjects=SUBJECTS_LISTED,
        **params,
    )


# ---- the statement ---------------------------------------------------------------------------


def _branch(
    check: DeclarativeCheck,
    source: str,
    day: exp.Expression,
    where: exp.Expression,
    group: list[exp.Expression],
    *,
    grp: exp.Expression | None = None,
    value: exp.Expression | None = None,
    total: exp.Expression | None = None,
    extra: exp.Expression | None = None,
    latest: exp.Expression | None = None,
    subject: exp.Expression | None = None,
) -> exp.Expression:
    template = (
        "SELECT _e_check AS check_id, _e_day AS day, CAST(_e_grp AS STRING) AS grp, "
        "CAST(_e_value AS FLOAT64) AS value, CAST(_e_total AS FLOAT64) AS total, "
        "CAST(_e_extra AS FLOAT64) AS extra, CAST(_e_latest AS TIMESTAMP) AS latest, "
        "CAST(_e_subject AS STRING) AS subject FROM _t_src WHERE _e_where"
    )
    null = exp.Null()
    select = tree(
        template,
        {"src": source},
        check=literal(check.id),
        day=day,
        grp=grp if grp is not None else null,
        value=value if value is not None else null,
        total=total if total is not None else null,
        extra=extra if extra is not None else null,
        latest=latest if latest is not None else null,
        subject=subject if subject is not None else null,
        where=where,
    )
    assert isinstance(select, exp.Select)
    if group:
        select = select.group_by(*group, copy=False)
    return select


def _filter(check: DeclarativeCheck) -> exp.Expression:
    if check.filter:
        return parse_expression(check.filter, f"{check.id}.filter")
    return exp.true()


def _listing(
    check: DeclarativeCheck, source: str, day: exp.Expression, subj: exp.Expression, build: Build
) -> None:
    """The check's subjects (rows already filtered) for the statement's one listing branch
    (`declarative_sql.listed`: at most @subjects distinct per check and date). A NULL subject
    reads NULL: a row whose subject is NULL is an aggregate row."""
    build.listings.append(
        tree(
            "SELECT _e_check AS check_id, _e_day AS _d, "
            "COALESCE(CAST(_e_subject AS STRING), 'NULL') AS _s FROM _t_src",
            {"src": source},
            check=literal(check.id),
            day=day,
            subject=subj,
        )
    )


def _compile(check: DeclarativeCheck, index: int, table_date: str, build: Build) -> None:
    day = _col(table_date)
    where = _filter(check)
    n = f"c{index}"
    kind = check.kind
    if kind in ("row_count", "metric", "drift"):
        value = (
            exp.Count(this=exp.Star())
            if kind == "row_count"
            else parse_aggregate(check.expression or "", f"{check.id}.expression")
        )
        group = [day.copy()]
        grp = None
        if check.per == "game":
            grp = parse_expression(check.game_key_expression, f"{check.id}.game_key")
            group.append(grp.copy())
        agg = _branch(
            check, "base", day, where, group, grp=grp, value=value, total=exp.Count(this=exp.Star())
        )
        if kind == "drift":  # judged against the dates before it: every date's value is read
            build.branches.append(judged(agg, exp.false()))
        elif check.per == "game":
            ok = within(check, n, _col("value"), build)
            build.branches.append(per_game(check, agg, ok, build))
        else:
            build.branches.append(judged(agg, within(check, n, _col("value"), build)))
    elif kind == "freshness":  # judged against --as-of: every date's latest is read
        column = _col(check.column or "")
        latest = _branch(
            check,
            "base",
            day,
            where,
            [day.copy()],
            total=exp.Count(this=exp.Star()),
            latest=exp.Max(this=column),
        )
        build.branches.append(judged(latest, exp.false()))
    elif kind in ("missing_percent", "invalid_percent"):
        column = _col(check.column or "")
        subject = _col(check.subject) if check.subject else column
        if kind == "missing_percent":
            bad = tree("_e_c IS NULL", c=column)
            total = exp.Count(this=exp.Star())
        else:
            bad = all_of(
                tree("_e_c IS NOT NULL", c=column),
                exp.not_(exp.Paren(this=_valid(check, n, build))),
            )
            total = tree("COUNTIF(_e_c IS NOT NULL)", c=column)
        agg = _branch(
            check,
            "base",
            day,
            where,
            [day.copy()],
            value=tree("COUNTIF(_e_b)", b=bad),
            total=total,
            extra=tree("COUNT(DISTINCT IF(_e_b, CAST(_e_s AS STRING), NULL))", b=bad, s=subject),
        )
        build.branches.append(judged(agg, percent_within(check, n, build)))
        rows = add_cte(build, f"{n}_bad", _where_select(day, subject, all_of(where, bad)))
        _listing(check, rows, _col("_d"), _col("_s"), build)
    elif kind == "duplicates":
        keys = [_col(name) for name in check.key]
        # Grouped on the key columns themselves; only the duplicated keys get their text label.
        grouped = tree(
            "SELECT _e_day AS _d, COUNT(*) AS _n FROM base WHERE _e_where "
            "GROUP BY _e_day HAVING COUNT(*) > 1",
            day=day,
            where=where,
        )
        assert isinstance(grouped, exp.Select)
        grouped = grouped.select(*keys, copy=False).group_by(*keys, copy=False)
        dups = tree(
            "SELECT _d, _e_label AS _s, _n FROM _t_grouped",
            {"grouped": "_grouped"},
            label=_key_label(keys),
        ).transform(lambda node: subquery(node, grouped, "_grouped"))
        rows = add_cte(build, f"{n}_dups", dups)
        d = _col("_d")
        agg = _branch(
            check,
            rows,
            d,
            exp.true(),
            [d.copy()],
            value=exp.Count(this=exp.Star()),
            total=tree("SUM(_n - 1)"),
        )
        build.branches.append(judged(agg, within(check, n, _col("value"), build)))
        _listing(check, rows, d, _col("_s"), build)
    elif kind == "reconcile":
        _reconcile(check, n, day, where, build)


def _where_select(
    day: exp.Expression, subject: exp.Expression, where: exp.Expression
) -> exp.Expression:
    return tree(
        "SELECT _e_day AS _d, CAST(_e_subject AS STRING) AS _s FROM base WHERE _e_where",
        day=day,
        subject=subject,
        where=where,
    )


def _key_label(keys: list[exp.Expression]) -> exp.Expression:
    """`a / b / c` from the key columns; NULL parts read as NULL, not as a missing key."""
    parts: list[exp.Expression] = []
    for index, key in enumerate(keys):
        if index:
            parts.append(exp.Literal.string(" / "))
        parts.append(tree("COALESCE(CAST(_e_k AS STRING), 'NULL')", k=key))
    return parts[0] if len(parts) == 1 else exp.Concat(expressions=parts)


def _valid(check: DeclarativeCheck, n: str, build: Build) -> exp.Expression:
    column = _col(check.column or "")
    if check.values:
        names = [f"{n}_v{i}" for i in range(len(check.values))]
        for name, value in zip(names, check.values, strict=True):
            build.params[name] = value
        return exp.In(this=column, expressions=[param(name) for name in names])
    terms: list[exp.Expression] = []
    if check.min is not None:
        build.params[f"{n}_min"] = float(check.min)
        terms.append(tree("_e_c >= _e_p", c=column, p=param(f"{n}_min")))
    if check.max is not None:
        build.params[f"{n}_max"] = float(check.max)
        terms.append(tree("_e_c <= _e_p", c=column, p=param(f"{n}_max")))
    return all_of(*terms)


def _reconcile(
    check: DeclarativeCheck, n: str, day: exp.Expression, where: exp.Expression, build: Build
) -> None:
    other = check.other
    assert other is not None and check.reconcile_key is not None
    mine = tree(
        "SELECT _e_day AS _d, CAST(_e_key AS STRING) AS _k, _e_value AS _v FROM base "
        "WHERE _e_where GROUP BY _e_day, _e_key",
        day=day,
        key=parse_expression(check.reconcile_key, f"{check.id}.reconcile_key"),
        value=parse_aggregate(check.expression or "", f"{check.id}.expression"),
        where=where,
    )
    other_day = _col(other.date_column)
    other_filter = (
        parse_expression(other.filter, f"{check.id}.other.filter") if other.filter else exp.true()
    )
    theirs = tree(
        "SELECT _e_day AS _d, CAST(_e_key AS STRING) AS _k, _e_value AS _v FROM _t_other "
        "WHERE _e_day BETWEEN @range_start AND @range_end AND _e_where GROUP BY _e_day, _e_key",
        {"other": other.table},
        day=other_day,
        key=parse_expression(other.key, f"{check.id}.other.key"),
        value=parse_aggregate(other.expression, f"{check.id}.other.expression"),
        where=other_filter,
    )
    build.params[f"{n}_tol"] = float(check.tolerance)
    left = add_cte(build, f"{n}_mine", mine)
    right = add_cte(build, f"{n}_theirs", theirs)
    joined = tree(
        "SELECT m._d AS _d, m._k AS _k, m._v AS _a, o._v AS _b, "
        "((m._v IS NULL) <> (o._v IS NULL) OR ABS(m._v - o._v) > _e_tol) AS _bad "
        "FROM _t_mine AS m JOIN _t_theirs AS o ON m._d = o._d AND m._k = o._k",
        {"mine": left, "theirs": right},
        tol=param(f"{n}_tol"),
    )
    pairs = add_cte(build, f"{n}_pairs", joined)
    d = _col("_d")
    agg = _branch(
        check,
        pairs,
        d,
        exp.true(),
        [d.copy()],
        value=tree("COUNTIF(_bad)"),
        total=exp.Count(this=exp.Star()),
    )
    compared = all_of(tree("total > 0"), within(check, n, _col("value"), build))
    build.branches.append(judged(agg, compared))
    label = tree(
        "CONCAT(_k, ': ', COALESCE(CAST(_a AS STRING), 'NULL'), ' vs ', "
        "COALESCE(CAST(_b AS STRING), 'NULL'))"
    )
    bad_rows = add_cte(
        build,
        f"{n}_mismatch",
        tree("SELECT _d, _e_label AS _s FROM _t_pairs WHERE _bad", {"pairs": pairs}, label=label),
    )
    _listing(check, bad_rows, d, _col("_s"), build)


def _columns(checks: tuple[DeclarativeCheck, ...]) -> list[str]:
    """Columns of the table that the checks read: the base CTE projects only these."""
    names: list[str] = []
    for check in checks:
        names.append(check.date_column)
        names.extend(check.key)
        names.extend(n for n in (check.column, check.subject) if n)
        texts = [check.filter, check.reconcile_key]
        if check.per == "game":
            texts.append(check.game_key_expression)
        for text in filter(None, texts):
            parsed = parse_expression(text, check.id)
            names.extend(c.name for c in parsed.find_all(exp.Column))
        if check.expression:
            parsed = parse_aggregate(check.expression, check.id)
            names.extend(c.name for c in parsed.find_all(exp.Column))
    return list(dict.fromkeys(names))


def _statement(
    checks: tuple[DeclarativeCheck, ...], schedule: tuple[str, str, str]
) -> tuple[str, dict[str, Any]]:
    # Asked once per run and table (`run_query`); built once per process (and profile: on disk).
    # Keyed on the checks' field values (`sqlcache._arg`): the profile models are plain data
    # classes, so a warm run keys them without importing pydantic.
    sql, params = _statement_cached(checks, schedule)
    return sql, dict(params)


@cached_json
def _statement_cached(
    checks: tuple[DeclarativeCheck, ...], schedule: tuple[str, str, str]
) -> tuple[str, tuple[tuple[str, Any], ...]]:
    if not checks:
        raise ValueError("no declarative checks for this table")
    table = TableName.parse(checks[0].table)
    date_column = checks[0].date_column
    build = Build(tuple(schedule))  # type: ignore[arg-type]
    base = tree(
        "SELECT 1 FROM _t_main WHERE _e_day BETWEEN @range_start AND @range_end",
        {"main": str(table)},
        day=_col(date_column),
    )
    if checks[0].partition_column:
        pruned = tree(
            "_e_part >= @partition_start AND _e_part < @partition_end",
            part=_col(checks[0].partition_column),
        )
        base = base.where(pruned, copy=False)
    assert isinstance(base, exp.Select)
    base.set("expressions", [_col(name) for name in _columns(checks)])
    build.ctes.append(("base", base))
    for index, check in enumerate(checks):
        _compile(check, index, date_column, build)
    statement = finish(build)
    return statement.sql(DIALECT), tuple(sorted(build.params.items()))


# ---- parsing the rows ------------------------------------------------------------------------


# Not frozen: one per check, date and game of the rows (a frozen __init__ costs several times a
# plain one). Nothing mutates an aggregate.
@dataclass
class Aggregate:
    value: float | None
    total: float | None
    extra: float | None
    latest: datetime | None


@dataclass
class CheckRows:
    """One check's rows: aggregates per date and per (date, game), subjects per date."""

    dates: dict[date, Aggregate] = field(default_factory=dict)
    games: dict[date, dict[str, Aggregate]] = field(default_factory=lambda: defaultdict(dict))
    subjects: dict[date, list[str]] = field(default_factory=lambda: defaultdict(list))
    # Dates the warehouse judged passing (sent without their figures).
    passed: set[date] = field(default_factory=set)


def read_rows(rows: list[Row]) -> dict[str, CheckRows]:
    found: dict[str, CheckRows] = defaultdict(CheckRows)
    for row in rows:
        rows_of = found[row["check_id"]]
        day = row["day"]
        if day is None:
            rows_of.passed.update(map(date.fromisoformat, (row["subject"] or "").split(",")))
            continue
        if row["subject"] is not None:
            rows_of.subjects[day].append(row["subject"])
            continue
        aggregate = Aggregate(
            _number(row["value"]), _number(row["total"]), _number(row["extra"]), row["latest"]
        )
        if row["grp"] is not None:
            rows_of.games[day][row["grp"]] = aggregate
        else:
            rows_of.dates[day] = aggregate
    for rows_of in found.values():
        for names in rows_of.subjects.values():
            names.sort()
    return found


def _number(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def load_table(ctx: Context, table: str) -> dict[str, CheckRows]:
    """The table's check rows over the context range, parsed once per run."""
    key = ("declarative-rows", table, ctx.start, ctx.end)
    return ctx.memo_get(key, lambda: read_rows(ctx.fetch(run_query(ctx, table))))
