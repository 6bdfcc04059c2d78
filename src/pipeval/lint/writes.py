"""What the google-cloud-bigquery client writes with, and what "one row" looks like.

Argument positions follow `google.cloud.bigquery.Client`'s signatures, so both
`load_table_from_json([row], table_id)` and `load_table_from_json(json_rows=[row],
destination=table_id)` are recognised.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import lru_cache

from pipeval.lint.resolve import MAX_DEPTH, At, Callee, call_name, follow, unparsed
from pipeval.lint.scopes import CallSite


@dataclass(frozen=True)
class WriteApi:
    rows: tuple[int, str]  # (position, keyword) of the rows or data frame
    table: tuple[int, str]  # (position, keyword) of the destination table
    frame: bool = False
    job: bool = True  # a load job (table operation) rather than a streaming insert


ROW_WRITES: dict[str, WriteApi] = {
    "load_table_from_json": WriteApi((0, "json_rows"), (1, "destination")),
    "load_table_from_dataframe": WriteApi((0, "dataframe"), (1, "destination"), frame=True),
    "insert_rows_json": WriteApi((1, "json_rows"), (0, "table"), job=False),
    "insert_rows": WriteApi((1, "rows"), (0, "table"), job=False),
    "insert_rows_from_dataframe": WriteApi((1, "dataframe"), (0, "table"), frame=True, job=False),
}
# Writes whose payload is not rows in memory; they still cost one table operation each.
BULK_WRITES: dict[str, tuple[int, str]] = {
    "load_table_from_file": (1, "destination"),
    "load_table_from_uri": (1, "destination"),
    "copy_table": (1, "destination"),
}
QUERY_CALLS: dict[str, tuple[int, str]] = {"query": (0, "query"), "query_and_wait": (0, "query")}
# Project helpers around the client, e.g. seed 001's `insert_bigquery_rows([single_row])`.
# `write_`/`append_` must name BigQuery: `write_row` is as often a CSV or docs writer.
HELPER_NAME = re.compile(
    r"(?:insert|load|stream)_\w*(?:rows?|records?|bigquery|bq)|(?:write|append)_\w*(?:bigquery|bq)"
)
FRAME_BUILDERS = frozenset({"DataFrame", "from_records", "from_dict", "json_normalize"})
# Substrings a file must contain for any rule to match (a write or query call name, or SQL
# handed to a project wrapper such as `run_sql(...)`): a file without any is not indexed.
TRIGGERS = (  # most often found first: a function's text is searched for them in this order
    "query",
    "SELECT",
    "load_",
    "execute",
    "insert_",
    "sql",
    "DELETE",
    "write_",
    "UPDATE",
    "SQL",
    "MERGE",
    "INSERT",
    "stream_",
    "append_",
    "copy_table",
)


@lru_cache(maxsize=4096)  # asked for every call site, of a few hundred names
def is_helper(name: str) -> bool:
    return name not in ROW_WRITES and bool(HELPER_NAME.fullmatch(name))


def is_write(name: str) -> bool:
    return name in ROW_WRITES or name in BULK_WRITES or is_helper(name)


def _one_element(expr: ast.expr) -> bool:
    return (
        isinstance(expr, ast.List | ast.Tuple)
        and len(expr.elts) == 1
        and not isinstance(expr.elts[0], ast.Starred)
    )


def one_row(expr: ast.expr | None, at: At, frame: bool = False, depth: int = 0) -> bool:
    """Is this payload provably a single row: `[x]`, a local bound to `[x]`, `DataFrame([x])`?"""
    if expr is None or depth > MAX_DEPTH:
        return False
    if isinstance(expr, ast.Name):
        if at.scope.is_mutated(expr.id):  # rows = [first]; rows.append(...) is a batch
            return False
        value, value_at = follow(expr, at)
        return value is not expr and one_row(value, value_at, frame, depth + 1)
    if _one_element(expr):
        return True
    return frame and _one_row_frame(expr, at, depth)


def _one_row_frame(expr: ast.expr, at: At, depth: int) -> bool:
    if not isinstance(expr, ast.Call):
        return False
    func = expr.func
    name = call_name(func)
    if name not in FRAME_BUILDERS:
        return False
    data = (
        expr.args[0]
        if expr.args
        else next((k.value for k in expr.keywords if k.arg == "data"), None)
    )
    index = next((k.value for k in expr.keywords if k.arg == "index"), None)
    if index is not None and _one_element(index):
        return True
    if isinstance(data, ast.Dict):
        # {"col": [v], ...}: every column holds one value
        return bool(data.values) and all(_one_element(v) for v in data.values)
    return one_row(data, at, False, depth + 1)


def write_name(site: CallSite, found: Callee) -> str:
    """How the call reads in a message: `client.insert_rows_json`, `write (= load_table_...)`."""
    func = site.node.func
    shown = unparsed(func) if isinstance(func, ast.Attribute | ast.Name) else found.name
    return f"{shown} (= {found.name})" if found.alias else shown
