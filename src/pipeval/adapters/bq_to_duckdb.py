"""Transpile BigQuery Standard SQL to DuckDB for the embedded warehouse.

Datasets are DuckDB schemas of the same name; the project qualifier is dropped (one file is one
project). BigQuery metadata views are mapped onto the `bq_meta` schema that embedded mode keeps.
"""

from __future__ import annotations

from functools import lru_cache

from sqlglot import exp

from pipeval.sqlkit import ensure_query

META_SCHEMA = "bq_meta"


def _information_schema_view(table: exp.Table) -> tuple[str, str | None] | None:
    """('JOBS_BY_PROJECT' | 'TABLES', dataset or None) when `table` is a metadata view."""
    parts = [part.name for part in table.parts]
    upper = [part.upper() for part in parts]
    flat = ".".join(upper)
    for view in ("JOBS_BY_PROJECT", "JOBS", "TABLES"):
        if flat.endswith(f"INFORMATION_SCHEMA.{view}"):
            qualifier = parts[0] if len(parts) > 1 and upper[0] != "INFORMATION_SCHEMA" else None
            if qualifier is not None and ".INFORMATION_SCHEMA" in parts[0].upper():
                qualifier = None
            dataset = (
                None if qualifier is None or qualifier.lower().startswith("region-") else qualifier
            )
            return ("JOBS_BY_PROJECT" if view.startswith("JOBS") else view), dataset
    return None


def _tables_subquery(dataset: str | None, alias: exp.TableAlias | None) -> exp.Expression:
    select = exp.select(
        exp.alias_(exp.column("dataset_id"), "table_schema"),
        exp.alias_(exp.column("table_id"), "table_name"),
        exp.column("creation_time"),
    ).from_(exp.table_("tables", db=META_SCHEMA))
    if dataset is not None:
        select = select.where(
            exp.EQ(this=exp.column("dataset_id"), expression=exp.Literal.string(dataset))
        )
    return exp.Subquery(
        this=select, alias=alias or exp.TableAlias(this=exp.to_identifier("tables"))
    )


def _map_table(node: exp.Expression) -> exp.Expression:
    if not isinstance(node, exp.Table) or not node.name:
        return node
    alias = node.args.get("alias")
    view = _information_schema_view(node)
    if view is not None:
        name, dataset = view
        if name == "TABLES":
            return _tables_subquery(dataset, alias.copy() if alias else None)
        default_alias = exp.TableAlias(this=exp.to_identifier("jobs"))
        return exp.Table(
            this=exp.to_identifier("jobs_by_project"),
            db=exp.to_identifier(META_SCHEMA),
            alias=(alias or default_alias).copy(),
        )
    if len(node.parts) == 1 and "." in node.name:
        # `dataset.table` written as one backticked identifier.
        pieces = node.name.split(".")
        db, name = pieces[-2], pieces[-1]
    else:
        db, name = node.db, node.name
    mapped = exp.Table(this=exp.to_identifier(name), db=exp.to_identifier(db) if db else None)
    if alias is not None:
        mapped.set("alias", alias.copy())
    return mapped


@lru_cache(maxsize=1024)
def to_duckdb(bigquery_sql: str) -> tuple[str, tuple[str, ...]]:
    """DuckDB SQL text and the parameter names it binds (as `$name`)."""
    tree = ensure_query(bigquery_sql)
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}

    def mapper(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Table) and not node.db and node.name in ctes:
            return node
        return _map_table(node)

    mapped = tree.transform(mapper)
    _countif_zero(mapped)
    names = tuple(sorted({param.name for param in mapped.find_all(exp.Parameter)}))
    return mapped.sql("duckdb"), names


def _countif_zero(tree: exp.Expression) -> None:
    """BigQuery's COUNTIF counts 0 when no condition is TRUE; DuckDB's COUNT_IF gives NULL when
    every condition is NULL. One dialect means one answer: COALESCE(COUNT_IF(...), 0)."""
    for node in list(tree.find_all(exp.CountIf)):
        target = node.parent if isinstance(node.parent, exp.Window) else node
        target.replace(exp.Coalesce(this=target.copy(), expressions=[exp.Literal.number(0)]))
