"""Building blocks of the declarative statement (metrics/declarative.py): sqlglot trees from
constant templates, and the thresholds judged in the warehouse.

A template's `_e_<slot>` columns are replaced by vetted profile expressions or validated
identifiers and its `_t_<slot>` tables by CTE names or validated `dataset.table` names; values are
`@parameters`, never text. The verdict: each branch's rows carry `_ok` and `_held`, `passed`
holds each check's dates whose every row passes, and the statement sends only the other dates'
rows plus one row per check listing its passing dates. The test is conservative (a date it
passes is a date checks/declarative.py passes), so results do not depend on where a date was
judged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeval.identifiers import TableName, check_identifier
from pipeval.lazy import exp, sqlglot
from pipeval.profile.declarative import DeclarativeCheck
from pipeval.sqlkit import DIALECT, EXPR_SLOT, TABLE_SLOT, parse_expression
from pipeval.sqlkit import column as _col

# A percentage is judged rounded to this many decimals (checks/declarative.py).
PERCENT_DIGITS = 2


def tree(
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


def param(name: str) -> exp.Expression:
    return exp.Parameter(this=exp.Var(this=check_identifier(name, "parameter")))


def literal(text: str) -> exp.Expression:
    # A check id (validated `<family>.<name>`): a literal node, never spliced text.
    return exp.Literal.string(text)


@dataclass
class Build:
    """The statement being built: its CTEs, its branches (UNION ALL) and its parameters."""

    # The schedule's table, date column and game key: per-game checks expect its games.
    schedule: tuple[str, str, str]
    ctes: list[tuple[str, exp.Expression]] = field(default_factory=list)
    branches: list[exp.Expression] = field(default_factory=list)
    # Each check's exception rows (check_id, _d, _s): listed by ONE branch (`listed`).
    listings: list[exp.Expression] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)


def all_of(*terms: exp.Expression) -> exp.Expression:
    return exp.and_(*[exp.Paren(this=t.copy()) for t in terms])


# Each branch's rows carry `_ok` (the row passes every threshold; NULL: not known to) and `_held`
# (the row is sent when its date is; FALSE for a scheduled game without rows, which only
# keeps its date from passing). Listing rows (subjects) have `_ok` NULL: they follow their date.
def judged(
    select: exp.Expression, ok: exp.Expression | None, held: exp.Expression | None = None
) -> exp.Expression:
    """`select` (one branch, in the row shape) with its `_ok` and `_held` columns."""
    return tree(
        "SELECT check_id, day, grp, value, total, extra, latest, subject, "
        "CAST(_e_ok AS BOOL) AS _ok, _e_held AS _held FROM _t_branch",
        {"branch": "_branch"},
        ok=ok if ok is not None else exp.Null(),
        held=held if held is not None else exp.true(),
    ).transform(lambda node: subquery(node, select))


def subquery(node: exp.Expression, select: exp.Expression, name: str = "_branch") -> exp.Expression:
    """`select` as a subquery in place of the template's table `name`."""
    if isinstance(node, exp.Table) and node.name == name:
        return select.subquery(node.alias or "_b")
    return node


def per_game(
    check: DeclarativeCheck, select: exp.Expression, ok: exp.Expression, build: Build
) -> exp.Expression:
    """A per-game branch; unless `absent: skip`, joined to the schedule so that a scheduled
    game without rows (0 rows, or no value: it trips) keeps its date from passing."""
    if check.absent == "skip":
        return judged(select, ok)
    joined = tree(
        "SELECT _e_check AS check_id, COALESCE(a.day, s._d) AS day, a.grp AS grp, "
        "a.value AS value, a.total AS total, a.extra AS extra, a.latest AS latest, "
        "a.subject AS subject, a.day IS NOT NULL AS _in_table "
        "FROM _t_branch AS a FULL OUTER JOIN _t_sched AS s "
        "ON a.day = s._d AND a.grp = s._k",
        {"branch": "_branch", "sched": schedule_cte(build)},
        check=literal(check.id),
    ).transform(lambda node: subquery(node, select))
    return judged(joined, ok, _col("_in_table"))


def within(
    check: DeclarativeCheck,
    n: str,
    value: exp.Expression,
    build: Build,
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
                terms.append(tree(template, v=value, p=param(name)))
            else:
                template = "_e_v - _e_m >= _e_p" if side == "below" else "_e_v + _e_m <= _e_p"
                terms.append(tree(template, v=value, m=margin, p=param(name)))
    return all_of(*terms)


def percent_within(check: DeclarativeCheck, n: str, build: Build) -> exp.Expression:
    """Python judges round(100 * bad / total, PERCENT_DIGITS): a percentage passing by one
    rounding step passes once rounded too, and so does no bad row when 0 % passes."""
    build.params["percent_step"] = 10.0**-PERCENT_DIGITS
    ok = within(check, n, tree("100.0 * value / NULLIF(total, 0)"), build, param("percent_step"))
    levels = [check.bounds("warn"), check.bounds("fail")]
    if not any(bounds.tripped(0.0) for bounds in levels if bounds is not None):
        ok = exp.or_(exp.Paren(this=tree("value = 0")), exp.Paren(this=ok))
    return all_of(tree("total > 0"), ok)


def schedule_cte(build: Build) -> str:
    """The schedule's games over the range (`sched`, once per statement)."""
    if all(name != "sched" for name, _ in build.ctes):
        table, date_column, game_key = build.schedule
        games = tree(
            "SELECT DISTINCT _e_day AS _d, CAST(_e_key AS STRING) AS _k FROM _t_schedule "
            "WHERE _e_day BETWEEN @range_start AND @range_end",
            {"schedule": table},
            day=_col(date_column),
            key=parse_expression(game_key, "schedule.game_key"),
        )
        build.ctes.append(("sched", games))
    return "sched"


def add_cte(build: Build, name: str, query: exp.Expression) -> str:
    build.ctes.append((name, query))
    return name


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


# The listing branch: at most @subjects distinct subjects per check and date, from every check's
# exception rows at once (one DISTINCT and one window for the statement: DuckDB plans each
# branch's operators, a per-check listing cost as much as its aggregate).
LISTED = """
SELECT check_id, _d AS day, CAST(NULL AS STRING) AS grp, CAST(NULL AS FLOAT64) AS value,
  CAST(NULL AS FLOAT64) AS total, CAST(NULL AS FLOAT64) AS extra,
  CAST(NULL AS TIMESTAMP) AS latest, _s AS subject
FROM (
  SELECT check_id, _d, _s, ROW_NUMBER() OVER (PARTITION BY check_id, _d ORDER BY _s) AS _r
  FROM (SELECT DISTINCT check_id, _d, _s FROM _listings)
)
WHERE _r <= @subjects
"""


def listed(build: Build) -> exp.Expression:
    """One branch listing the subjects of every check that has some (`build.listings`)."""
    rows = build.listings[0]
    for part in build.listings[1:]:
        rows = exp.union(rows, part, distinct=False)
    return judged(tree(LISTED).transform(lambda node: subquery(node, rows, "_listings")), None)


def finish(build: Build) -> exp.Expression:
    """The statement: the branches' rows judged, then only what must be sent."""
    branches = [*build.branches, listed(build)] if build.listings else build.branches
    rows = branches[0]
    for branch in branches[1:]:
        rows = exp.union(rows, branch, distinct=False)
    statement = tree(SENT)
    for name, query in [*build.ctes, ("judged", rows), ("passed", tree(PASSED))]:
        statement = statement.with_(name, as_=query, copy=False)
    return statement
