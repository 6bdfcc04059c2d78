"""Partition-pruning proof: every read of a date-partitioned table that any check can emit
filters its partition column with a bounded range, so BigQuery scans only those partitions.

The statements come from every check of every registered family (`pipeval.checks.FAMILIES`),
for a daily and a historical context, exactly as the runner and `--dry-run` collect them;
new families are covered as they register. Parsing is sqlglot's BigQuery dialect.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from pipeval.adapters.dir_store import DirStore
from pipeval.adapters.duckdb_warehouse import DuckDBWarehouse
from pipeval.checks import FAMILIES, checks_for
from pipeval.profile import Profile
from pipeval.profile.constraints import Strict
from pipeval.query import Context
from pipeval.sqlkit import ensure_query
from tests.builders import build_warehouse

DAY = date(2026, 1, 26)
AS_OF = datetime(2026, 1, 27, 15, tzinfo=UTC)
INGESTION_TIME_COLUMNS = frozenset({"_PARTITIONTIME", "_PARTITIONDATE"})
# BigQuery's jobs views are partitioned by creation_time.
JOBS_VIEW_COLUMNS = frozenset({"creation_time"})

Bounds = tuple[bool, bool]  # (has a lower bound, has an upper bound)


def partitioned_tables(profile: Profile) -> dict[str, frozenset[str]]:
    """`dataset.table` -> partition columns: every profile entry that pairs a table with a
    date column (schedule, phase tables, coverage sources, ...) plus ingestion-time tables."""
    found: dict[str, set[str]] = {}

    def visit(node: object) -> None:
        if isinstance(node, Strict):
            table, column = getattr(node, "table", None), getattr(node, "date_column", None)
            # A table partitioned by DATE(timestamp) names that column: only it prunes.
            column = getattr(node, "partition_column", None) or column
            if isinstance(table, str) and isinstance(column, str):
                found.setdefault(table, set()).add(column)
            for field in dataclasses.fields(node):
                visit(getattr(node, field.name))
        elif isinstance(node, list | tuple):
            for item in node:
                visit(item)
        elif isinstance(node, dict):
            for item in node.values():
                visit(item)

    visit(profile)
    for table in profile.thresholds.quota.ingestion_time_partitioned_tables:
        found.setdefault(table, set()).update(INGESTION_TIME_COLUMNS)
    return {table: frozenset(columns) for table, columns in found.items()}


def partition_columns(table: exp.Table, partitioned: dict[str, frozenset[str]]) -> frozenset[str]:
    # `region-x`.`INFORMATION_SCHEMA.JOBS` and `proj.dataset.table` are paths in one identifier
    path = ".".join(part.name for part in table.parts).split(".")
    upper = [part.upper() for part in path]
    if "INFORMATION_SCHEMA" in upper and upper[-1].startswith("JOBS"):
        return JOBS_VIEW_COLUMNS
    name = ".".join(path[-2:])
    return partitioned.get(name, frozenset())


def conjuncts(condition: exp.Expression | None) -> Iterator[exp.Expression]:
    """Top-level AND terms only: a bound under OR or NOT does not prune."""
    if condition is None:
        return
    if isinstance(condition, exp.Paren):
        yield from conjuncts(condition.this)
    elif isinstance(condition, exp.And):
        yield from conjuncts(condition.left)
        yield from conjuncts(condition.right)
    else:
        yield condition


def sources(select: exp.Select) -> list[exp.Expression]:
    # sqlglot names the FROM clause `from_` (older releases: `from`)
    clause = select.args.get("from_") or select.args.get("from")
    found = [clause.this] if clause else []
    return found + [join.this for join in select.args.get("joins") or []]


def refers_to(column: exp.Expression, table: exp.Table, select: exp.Select, names: frozenset[str]):
    if not isinstance(column, exp.Column) or column.name not in names:
        return False
    if column.table:
        return column.table in {table.alias_or_name, table.name}
    return len(sources(select)) == 1  # unqualified is unambiguous with a single source


def constant(node: exp.Expression) -> bool:
    """A bound built from parameters and literals only (no column of any row)."""
    return node.find(exp.Column) is None


def bounds(term: exp.Expression, is_partition) -> Bounds:
    if isinstance(term, exp.Between) and is_partition(term.this):
        ok = constant(term.args["low"]) and constant(term.args["high"])
        return (ok, ok)
    if isinstance(term, exp.EQ):
        for column, value in ((term.left, term.right), (term.right, term.left)):
            if is_partition(column) and constant(value):
                return (True, True)
    if isinstance(term, exp.In) and is_partition(term.this) and term.expressions:
        ok = all(constant(value) for value in term.expressions)
        return (ok, ok)
    lower_when_left = (exp.GT, exp.GTE)
    upper_when_left = (exp.LT, exp.LTE)
    if isinstance(term, lower_when_left + upper_when_left):
        if is_partition(term.left) and constant(term.right):
            return (isinstance(term, lower_when_left), isinstance(term, upper_when_left))
        if is_partition(term.right) and constant(term.left):
            return (isinstance(term, upper_when_left), isinstance(term, lower_when_left))
    return (False, False)


def unpruned_reads(sql: str, partitioned: dict[str, frozenset[str]]) -> list[str]:
    """Reads of partitioned tables whose SELECT does not bound the partition column."""
    tree = sqlglot.parse_one(sql, read="bigquery")
    problems = []
    for table in tree.find_all(exp.Table):
        names = partition_columns(table, partitioned)
        if not names:
            continue
        select = table.find_ancestor(exp.Select)
        if select is None:
            problems.append(f"{table.sql('bigquery')}: not read by a SELECT")
            continue

        def is_partition(
            node: exp.Expression, table: exp.Table = table, select=select, names=names
        ) -> bool:
            return refers_to(node, table, select, names)

        where = select.args.get("where")
        terms = conjuncts(where.this if where is not None else None)
        found = [bounds(term, is_partition) for term in terms]
        lower = any(low for low, _ in found)
        upper = any(high for _, high in found)
        if not (lower and upper):
            problems.append(
                f"{table.sql('bigquery')}: no bounded filter on {sorted(names)} "
                f"(lower={lower}, upper={upper})"
            )
    return problems


# -- the proof, over every statement every registered check can emit --------------------------


@pytest.fixture(scope="module")
def contexts(profile: Profile, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list]:
    root = tmp_path_factory.mktemp("pruning")
    warehouse = DuckDBWarehouse(build_warehouse(root / "w.duckdb"))
    (root / "state").mkdir()
    state = DirStore(str(root / "state"))
    start = DAY - timedelta(days=profile.historical.default_days - 1)
    yield [
        Context(profile, AS_OF, DAY, DAY, warehouse=warehouse, state=state),
        Context(profile, AS_OF, start, DAY, warehouse=warehouse, state=state, day=DAY),
    ]
    warehouse.close()


def emitted_statements(profile: Profile, contexts: list[Context]) -> dict[str, str]:
    """SQL text -> the first check that emits it; a check that cannot declare them fails."""
    statements: dict[str, str] = {}
    for family in FAMILIES:
        for check in checks_for(profile, family):
            for ctx in contexts:
                for query in check.queries(ctx):
                    statements.setdefault(query.sql, check.id)
    return statements


def test_every_emitted_read_of_a_partitioned_table_is_pruned(
    profile: Profile, contexts: list[Context]
) -> None:
    partitioned = partitioned_tables(profile)
    statements = emitted_statements(profile, contexts)
    problems = {
        f"{check}: {problem}"
        for sql, check in statements.items()
        for problem in unpruned_reads(sql, partitioned)
    }
    assert not problems, "\n".join(sorted(problems))


def test_the_proof_sees_every_partitioned_table_of_the_profile(
    profile: Profile, contexts: list[Context]
) -> None:
    partitioned = partitioned_tables(profile)
    expected = {profile.schedule.table} | {t.table for p in profile.phases for t in p.tables}
    assert expected <= set(partitioned)
    read = set()
    for sql in emitted_statements(profile, contexts):
        for table in sqlglot.parse_one(sql, read="bigquery").find_all(exp.Table):
            read.add(f"{table.db}.{table.name}")
    assert expected <= read  # the statements really read them: the proof is not vacuous


def test_declarative_checks_read_every_table_of_theirs_pruned(
    profile: Profile, contexts: list[Context]
) -> None:
    """The profile's `checks:` tables (a reconcile's other table included) are proven too, and a
    table partitioned by DATE(run_date) is bounded on run_date, not on its game_date."""
    declared = {c.table for c in profile.checks} | {
        c.other.table for c in profile.checks if c.other is not None
    }
    assert "nba_predictions.prediction_worker_runs" in declared
    partitioned = partitioned_tables(profile)
    assert partitioned["nba_predictions.prediction_worker_runs"] == frozenset({"run_date"})
    assert declared <= set(partitioned)
    statements = emitted_statements(profile, contexts)
    read = {
        f"{t.db}.{t.name}"
        for sql in statements
        for t in sqlglot.parse_one(sql, read="bigquery").find_all(exp.Table)
    }
    assert declared <= read
    labels = [
        q.label
        for check in checks_for(profile, "declarative")
        for ctx in contexts
        for q in check.queries(ctx)
        if q.label.startswith("checks:")
    ]
    # one statement per table, whatever the number of checks or dates
    assert len(set(labels)) == len({c.table for c in profile.checks})


def test_every_emitted_statement_is_one_read_only_query(
    profile: Profile, contexts: list[Context]
) -> None:
    statements = list(emitted_statements(profile, contexts))
    assert statements  # the loop below proves something only if there are statements
    for sql in statements:
        ensure_query(sql)


# -- the analysis itself catches what it must -------------------------------------------------

PARTITIONED = {"nba_raw.nbac_schedule": frozenset({"game_date"})}


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT game_id FROM nba_raw.nbac_schedule "
        "WHERE game_date BETWEEN @range_start AND @range_end",
        "SELECT game_id FROM nba_raw.nbac_schedule WHERE game_date = @day AND game_status = 3",
        "SELECT s.game_id FROM nba_raw.nbac_schedule AS s "
        "WHERE s.game_date >= @range_start AND @range_end >= s.game_date",
        "SELECT game_id FROM `proj.nba_raw.nbac_schedule` WHERE game_date IN (@a, @b)",
        "WITH s AS (SELECT * FROM nba_raw.nbac_schedule WHERE (game_date <= @range_end) "
        "AND game_date > DATE_SUB(@range_start, INTERVAL 21 DAY)) SELECT COUNT(*) FROM s",
    ],
)
def test_bounded_reads_pass(sql: str) -> None:
    assert unpruned_reads(sql, PARTITIONED) == []


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT game_id FROM nba_raw.nbac_schedule",
        "SELECT game_id FROM nba_raw.nbac_schedule WHERE game_date >= @range_start",
        "SELECT game_id FROM nba_raw.nbac_schedule "
        "WHERE game_date <= @range_end OR game_status = 3",
        "SELECT game_id FROM nba_raw.nbac_schedule WHERE NOT game_date BETWEEN @a AND @b",
        "SELECT game_id FROM nba_raw.nbac_schedule WHERE DATE(game_date) = @day",
        "SELECT game_id FROM nba_raw.nbac_schedule WHERE game_date BETWEEN @a AND game_date",
        "SELECT COUNT(*) FROM (SELECT * FROM nba_raw.nbac_schedule) WHERE game_date = @day",
        "SELECT s.game_id FROM nba_raw.nbac_schedule AS s JOIN other.t AS o "
        "ON s.game_id = o.game_id WHERE o.game_date = @day",
    ],
)
def test_unbounded_reads_are_caught(sql: str) -> None:
    assert unpruned_reads(sql, PARTITIONED) != []


def test_jobs_view_reads_must_bound_creation_time() -> None:
    view = "`region-us-west2`.INFORMATION_SCHEMA.JOBS_BY_PROJECT"
    bounded = f"SELECT job_id FROM {view} WHERE creation_time >= @since AND creation_time < @as_of"
    assert unpruned_reads(bounded, {}) == []
    assert unpruned_reads(f"SELECT job_id FROM {view} WHERE creation_time >= @since", {}) != []


def test_ingestion_time_tables_from_the_profile_are_covered(tmp_path: Path) -> None:
    from pipeval.profile import load_profile

    custom = tmp_path / "ingest.yaml"
    custom.write_text(
        "extends: nba-props\nname: ingest\nthresholds:\n  quota:\n"
        "    ingestion_time_partitioned_tables: [nba_reference.processor_run_history]\n",
        "utf-8",
    )
    partitioned = partitioned_tables(load_profile(str(custom)))
    # (its declarative checks also name data_date)
    assert partitioned["nba_reference.processor_run_history"] >= INGESTION_TIME_COLUMNS
    read = "SELECT status FROM nba_reference.processor_run_history"
    assert unpruned_reads(read, partitioned) != []
    pruned = read + " WHERE _PARTITIONTIME BETWEEN @range_start AND @range_end"
    assert unpruned_reads(pruned, partitioned) == []
