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

The statement is built as a sqlglot tree: constant templates whose `_e_<slot>` columns are
replaced by vetted profile expressions or validated identifiers; every value (accepted values,
ranges, tolerances, dates, the listing cap) is a bound `@parameter`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pipeval.identifiers import TableName, check_identifier
from pipeval.lazy import exp, sqlglot
from pipeval.ports import Row
from pipeval.profile.declarative import DeclarativeCheck
from pipeval.profile.model import Profile, ScheduleSpec
from pipeval.query import Context, Query
from pipeval.sqlcache import cached_json
from pipeval.sqlkit import DIALECT, EXPR_SLOT, TABLE_SLOT, parse_aggregate, parse_expression
from pipeval.sqlkit import column as _col

# Exception subjects returned per check and date; the rest are counted, not listed.
SUBJECTS_LISTED = 5
# A percentage is judged rounded to this many decimals (checks/declarative.py).
PERCENT_DIGITS = 2


def _tree(
    template: str, tables: dict[str, str] | None = None, **slots: exp.Expression
) -> exp.Expression:
    """Parse a constant template; put each `_e_<slot>` column's expression and each `_t_<slot>`
    table's name (a CTE or a validated `dataset.table`) in its place."""
    parsed = sqlglot.parse_one(template, read=DIALECT)
    names = tables or {}

    def fill(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and not node.table and node.name.startswith(EXPR_SLOT):
            value = slots[node.name[len(EXPR_SLOT) :]].copy()
            atomic = isinstance(value, exp.Column | exp.Literal | exp.Paren | exp.Null)
            return value if atomic else exp.Paren(this=value)
        if isinstance(node, exp.Table) and not node.db and node.name.startswith(TABLE_SLOT):
            alias = node.args.get("alias")
            table = _table_node(names[node.name[len(TABLE_SLOT) :]])
            if alias is not None:
                table.set("alias", alias.copy())
            return table
        return node

    return parsed.transform(fill)


def _table_node(name: str) -> exp.Table:
    if "." in name:
        parsed = TableName.parse(name)
        return exp.table_(parsed.table, db=parsed.dataset)
    return exp.table_(check_identifier(name, "CTE"))


def _param(name: str) -> exp.Expression:
    return exp.Parameter(this=exp.Var(this=check_identifier(name, "parameter")))


def _label(text: str) -> exp.Expression:
    # A check id (validated `<family>.<name>`): a literal node, never spliced text.
    return exp.Literal.string(text)


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

OUT = "check_id, day, grp, value, total, extra, latest, subject"


@dataclass
class _Build:
    # The schedule's table, date column and game key: per-game checks expect its games.
    schedule: tuple[str, str, str]
    ctes: list[tuple[str, exp.Expression]] = field(default_factory=list)
    branches: list[exp.Expression] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)


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
    select = _tree(
        template,
        {"src": source},
        check=_label(check.id),
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


def _and(*terms: exp.Expression) -> exp.Expression:
    return exp.and_(*[exp.Paren(this=t.copy()) for t in terms])


def _listing(
    check: DeclarativeCheck, source: str, day: exp.Expression, subj: exp.Expression
) -> exp.Expression:
    """At most @subjects distinct subjects per date from `source` (rows already filtered)."""
    listed = _tree(
        "SELECT _e_check AS check_id, _d AS day, CAST(NULL AS STRING) AS grp, "
        "CAST(NULL AS FLOAT64) AS value, CAST(NULL AS FLOAT64) AS total, "
        "CAST(NULL AS FLOAT64) AS extra, CAST(NULL AS TIMESTAMP) AS latest, _s AS subject "
        "FROM (SELECT _d, _s, ROW_NUMBER() OVER (PARTITION BY _d ORDER BY _s) AS _r "
        "FROM (SELECT DISTINCT _e_day AS _d, CAST(_e_subject AS STRING) AS _s FROM _t_src)) "
        "WHERE _r <= @subjects",
        {"src": source},
        check=_label(check.id),
        day=day,
        subject=subj,
    )
    return _judged(listed, None)


# Each branch's rows carry `_ok` (the row passes every threshold; NULL: not known to) and `_held`
# (the row is sent when its date is; FALSE for a scheduled game without rows, which only
# keeps its date from passing). Listing rows (subjects) have `_ok` NULL: they follow their date.
def _judged(
    select: exp.Expression, ok: exp.Expression | None, held: exp.Expression | None = None
) -> exp.Expression:
    """`select` (one branch, in the row shape) with its `_ok` and `_held` columns."""
    return _tree(
        "SELECT check_id, day, grp, value, total, extra, latest, subject, "
        "CAST(_e_ok AS BOOL) AS _ok, _e_held AS _held FROM _t_branch",
        {"branch": "_branch"},
        ok=ok if ok is not None else exp.Null(),
        held=held if held is not None else exp.true(),
    ).transform(lambda node: _subquery(node, select))


def _subquery(
    node: exp.Expression, select: exp.Expression, name: str = "_branch"
) -> exp.Expression:
    """`select` as a subquery in place of the template's table `name`."""
    if isinstance(node, exp.Table) and node.name == name:
        return select.subquery(node.alias or "_b")
    return node


def _per_game(
    check: DeclarativeCheck, select: exp.Expression, ok: exp.Expression, build: _Build
) -> exp.Expression:
    """A per-game branch; unless `absent: skip`, joined to the schedule so that a scheduled
    game without rows (0 rows, or no value: it trips) keeps its date from passing."""
    if check.absent == "skip":
        return _judged(select, ok)
    joined = _tree(
        "SELECT _e_check AS check_id, COALESCE(a.day, s._d) AS day, a.grp AS grp, "
        "a.value AS value, a.total AS total, a.extra AS extra, a.latest AS latest, "
        "a.subject AS subject, a.day IS NOT NULL AS _in_table "
        "FROM _t_branch AS a FULL OUTER JOIN _t_sched AS s "
        "ON a.day = s._d AND a.grp = s._k",
        {"branch": "_branch", "sched": _schedule(build)},
        check=_label(check.id),
    ).transform(lambda node: _subquery(node, select))
    return _judged(joined, ok, _col("_in_table"))


def _within(
    check: DeclarativeCheck,
    n: str,
    value: exp.Expression,
    build: _Build,
    margin: exp.Expression | None = None,
) -> exp.Expression:
    """`value` trips neither threshold, read as `Bounds.tripped` does (a value exactly at one
    passes; NULL is not known to pass); with `margin`, it passes by at least that much. The
    thresholds are the profile's, bound as parameters."""
    terms: list[exp.Expression] = []
    for which in ("warn", "fail"):
        bounds = check.bounds(which)  # type: ignore[arg-type]
        if bounds is None:
            continue
        for side, limit in (("below", bounds.below), ("above", bounds.above)):
            if limit is None:
                continue
            name = f"{n}_{which}_{side}"
            build.params[name] = float(limit)
            if margin is None:
                template = "_e_v >= _e_p" if side == "below" else "_e_v <= _e_p"
                terms.append(_tree(template, v=value, p=_param(name)))
            else:
                template = "_e_v - _e_m >= _e_p" if side == "below" else "_e_v + _e_m <= _e_p"
                terms.append(_tree(template, v=value, m=margin, p=_param(name)))
    return _and(*terms)


def _percent_within(check: DeclarativeCheck, n: str, build: _Build) -> exp.Expression:
    """Python judges round(100 * bad / total, PERCENT_DIGITS): a percentage passing by one
    rounding step passes once rounded too, and so does no bad row when 0 % passes."""
    build.params["percent_step"] = 10.0**-PERCENT_DIGITS
    ok = _within(check, n, _tree("100.0 * value / NULLIF(total, 0)"), build, _param("percent_step"))
    levels = [check.bounds("warn"), check.bounds("fail")]
    if not any(bounds.tripped(0.0) for bounds in levels if bounds is not None):
        ok = exp.or_(exp.Paren(this=_tree("value = 0")), exp.Paren(this=ok))
    return _and(_tree("total > 0"), ok)


def _schedule(build: _Build) -> str:
    """The schedule's games over the range (`sched`, once per statement)."""
    if all(name != "sched" for name, _ in build.ctes):
        table, date_column, game_key = build.schedule
        games = _tree(
            "SELECT DISTINCT _e_day AS _d, CAST(_e_key AS STRING) AS _k FROM _t_schedule "
            "WHERE _e_day BETWEEN @range_start AND @range_end",
            {"schedule": table},
            day=_col(date_column),
            key=parse_expression(game_key, "schedule.game_key"),
        )
        build.ctes.append(("sched", games))
    return "sched"


def _cte(build: _Build, name: str, query: exp.Expression) -> str:
    build.ctes.append((name, query))
    return name


def _compile(check: DeclarativeCheck, index: int, table_date: str, build: _Build) -> None:
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
            build.branches.append(_judged(agg, exp.false()))
        elif check.per == "game":
            ok = _within(check, n, _col("value"), build)
            build.branches.append(_per_game(check, agg, ok, build))
        else:
            build.branches.append(_judged(agg, _within(check, n, _col("value"), build)))
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
        build.branches.append(_judged(latest, exp.false()))
    elif kind in ("missing_percent", "invalid_percent"):
        column = _col(check.column or "")
        subject = _col(check.subject) if check.subject else column
        if kind == "missing_percent":
            bad = _tree("_e_c IS NULL", c=column)
            total = exp.Count(this=exp.Star())
        else:
            bad = _and(
                _tree("_e_c IS NOT NULL", c=column),
                exp.not_(exp.Paren(this=_valid(check, n, build))),
            )
            total = _tree("COUNTIF(_e_c IS NOT NULL)", c=column)
        agg = _branch(
            check,
            "base",
            day,
            where,
            [day.copy()],
            value=_tree("COUNTIF(_e_b)", b=bad),
            total=total,
            extra=_tree("COUNT(DISTINCT IF(_e_b, CAST(_e_s AS STRING), NULL))", b=bad, s=subject),
        )
        build.branches.append(_judged(agg, _percent_within(check, n, build)))
        rows = _cte(build, f"{n}_bad", _where_select(day, subject, _and(where, bad)))
        build.branches.append(_listing(check, rows, _col("_d"), _col("_s")))
    elif kind == "duplicates":
        keys = [_col(name) for name in check.key]
        # Grouped on the key columns themselves; only the duplicated keys get their text label.
        grouped = _tree(
            "SELECT _e_day AS _d, COUNT(*) AS _n FROM base WHERE _e_where "
            "GROUP BY _e_day HAVING COUNT(*) > 1",
            day=day,
            where=where,
        )
        assert isinstance(grouped, exp.Select)
        grouped = grouped.select(*keys, copy=False).group_by(*keys, copy=False)
        dups = _tree(
            "SELECT _d, _e_label AS _s, _n FROM _t_grouped",
            {"grouped": "_grouped"},
            label=_key_label(keys),
        ).transform(lambda node: _subquery(node, grouped, "_grouped"))
        rows = _cte(build, f"{n}_dups", dups)
        d = _col("_d")
        agg = _branch(
            check,
            rows,
            d,
            exp.true(),
            [d.copy()],
            value=exp.Count(this=exp.Star()),
            total=_tree("SUM(_n - 1)"),
        )
        build.branches.append(_judged(agg, _within(check, n, _col("value"), build)))
        build.branches.append(_listing(check, rows, d, _col("_s")))
    elif kind == "reconcile":
        _reconcile(check, n, day, where, build)


def _where_select(
    day: exp.Expression, subject: exp.Expression, where: exp.Expression
) -> exp.Expression:
    return _tree(
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
        parts.append(_tree("COALESCE(CAST(_e_k AS STRING), 'NULL')", k=key))
    return parts[0] if len(parts) == 1 else exp.Concat(expressions=parts)


def _valid(check: DeclarativeCheck, n: str, build: _Build) -> exp.Expression:
    column = _col(check.column or "")
    if check.values:
        names = [f"{n}_v{i}" for i in range(len(check.values))]
        for name, value in zip(names, check.values, strict=True):
            build.params[name] = value
        return exp.In(this=column, expressions=[_param(name) for name in names])
    terms: list[exp.Expression] = []
    if check.min is not None:
        build.params[f"{n}_min"] = float(check.min)
        terms.append(_tree("_e_c >= _e_p", c=column, p=_param(f"{n}_min")))
    if check.max is not None:
        build.params[f"{n}_max"] = float(check.max)
        terms.append(_tree("_e_c <= _e_p", c=column, p=_param(f"{n}_max")))
    return _and(*terms)


def _reconcile(
    check: DeclarativeCheck, n: str, day: exp.Expression, where: exp.Expression, build: _Build
) -> None:
    other = check.other
    assert other is not None and check.reconcile_key is not None
    mine = _tree(
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
    theirs = _tree(
        "SELECT _e_day AS _d, CAST(_e_key AS STRING) AS _k, _e_value AS _v FROM _t_other "
        "WHERE _e_day BETWEEN @range_start AND @range_end AND _e_where GROUP BY _e_day, _e_key",
        {"other": other.table},
        day=other_day,
        key=parse_expression(other.key, f"{check.id}.other.key"),
        value=parse_aggregate(other.expression, f"{check.id}.other.expression"),
        where=other_filter,
    )
    build.params[f"{n}_tol"] = float(check.tolerance)
    left = _cte(build, f"{n}_mine", mine)
    right = _cte(build, f"{n}_theirs", theirs)
    joined = _tree(
        "SELECT m._d AS _d, m._k AS _k, m._v AS _a, o._v AS _b, "
        "((m._v IS NULL) <> (o._v IS NULL) OR ABS(m._v - o._v) > _e_tol) AS _bad "
        "FROM _t_mine AS m JOIN _t_theirs AS o ON m._d = o._d AND m._k = o._k",
        {"mine": left, "theirs": right},
        tol=_param(f"{n}_tol"),
    )
    pairs = _cte(build, f"{n}_pairs", joined)
    d = _col("_d")
    agg = _branch(
        check,
        pairs,
        d,
        exp.true(),
        [d.copy()],
        value=_tree("COUNTIF(_bad)"),
        total=exp.Count(this=exp.Star()),
    )
    compared = _and(_tree("total > 0"), _within(check, n, _col("value"), build))
    build.branches.append(_judged(agg, compared))
    label = _tree(
        "CONCAT(_k, ': ', COALESCE(CAST(_a AS STRING), 'NULL'), ' vs ', "
        "COALESCE(CAST(_b AS STRING), 'NULL'))"
    )
    bad_rows = _cte(
        build,
        f"{n}_mismatch",
        _tree("SELECT _d, _e_label AS _s FROM _t_pairs WHERE _bad", {"pairs": pairs}, label=label),
    )
    build.branches.append(_listing(check, bad_rows, d, _col("_s")))


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
            tree = parse_expression(text, check.id)
            names.extend(c.name for c in tree.find_all(exp.Column))
        if check.expression:
            tree = parse_aggregate(check.expression, check.id)
            names.extend(c.name for c in tree.find_all(exp.Column))
    return list(dict.fromkeys(names))


def _statement(
    checks: tuple[DeclarativeCheck, ...], schedule: tuple[str, str, str]
) -> tuple[str, dict[str, Any]]:
    # Asked once per run and table (`run_query`); built once per process (and profile: on disk).
    sql, params = _statement_cached(tuple(check.model_dump_json() for check in checks), schedule)
    return sql, dict(params)


@cached_json
def _statement_cached(
    texts: tuple[str, ...], schedule: tuple[str, str, str]
) -> tuple[str, tuple[tuple[str, Any], ...]]:
    checks = [DeclarativeCheck.model_validate_json(text) for text in texts]
    if not checks:
        raise ValueError("no declarative checks for this table")
    table = TableName.parse(checks[0].table)
    date_column = checks[0].date_column
    build = _Build(tuple(schedule))  # type: ignore[arg-type]
    base = _tree(
        "SELECT 1 FROM _t_main WHERE _e_day BETWEEN @range_start AND @range_end",
        {"main": str(table)},
        day=_col(date_column),
    )
    if checks[0].partition_column:
        pruned = _tree(
            "_e_part >= @partition_start AND _e_part < @partition_end",
            part=_col(checks[0].partition_column),
        )
        base = base.where(pruned, copy=False)
    assert isinstance(base, exp.Select)
    base.set("expressions", [_col(name) for name in _columns(checks)])
    build.ctes.append(("base", base))
    for index, check in enumerate(checks):
        _compile(check, index, date_column, build)
    judged = build.branches[0]
    for branch in build.branches[1:]:
        judged = exp.union(judged, branch, distinct=False)
    build.ctes.append(("judged", judged))
    build.ctes.append(("passed", _tree(PASSED)))
    statement = _tree(SENT)
    for name, query in build.ctes:
        statement = statement.with_(name, as_=query, copy=False)
    return statement.sql(DIALECT), tuple(sorted(build.params.items()))


# The dates judged in the warehouse: every row of the check's date passes (per game: every game,
# scheduled games included), and the date is not the range's last (a daily run shows it whole).
PASSED = """
SELECT check_id, day FROM judged
WHERE subject IS NULL AND day <> @range_end
GROUP BY check_id, day
HAVING COUNTIF(NOT COALESCE(_ok, FALSE)) = 0
"""
# Sent: the rows of every other date, then one row per check listing its passing dates.
SENT = """
SELECT j.check_id, j.day, j.grp, j.value, j.total, j.extra, j.latest, j.subject
FROM judged AS j LEFT JOIN passed AS p ON j.check_id = p.check_id AND j.day = p.day
WHERE p.day IS NULL AND j._held
UNION ALL
SELECT check_id, CAST(NULL AS DATE), CAST(NULL AS STRING), CAST(COUNT(*) AS FLOAT64),
  CAST(NULL AS FLOAT64), CAST(NULL AS FLOAT64), CAST(NULL AS TIMESTAMP),
  STRING_AGG(CAST(day AS STRING), ',')
FROM passed
GROUP BY check_id
"""


# ---- parsing the rows ------------------------------------------------------------------------


@dataclass(frozen=True)
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
