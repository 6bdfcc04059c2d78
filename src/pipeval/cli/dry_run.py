"""Print a suite's query plan (`--dry-run`) instead of running it."""

from __future__ import annotations

import json
from typing import Any

import sqlglot

from pipeval.cli.options import Options
from pipeval.report.output import emit
from pipeval.report.render import render
from pipeval.sqlkit import DIALECT
from pipeval.suites.dry_run import QueryPlan


def _readable(sql: str) -> str:
    """The statement laid out on several lines for people; JSON keeps the exact text sent."""
    return sqlglot.transpile(sql, read=DIALECT, write=DIALECT, pretty=True)[0]


def finish_dry_run(query_plan: QueryPlan, opts: Options) -> int:
    document: dict[str, Any] = query_plan.to_dict()
    if opts.format == "json":
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    else:
        for query in document["queries"]:
            query["sql"] = _readable(query["sql"])
        text = render("dry_run.md.j2", document)
    emit(text, opts.output, protect=opts.inputs, markdown=opts.format == "markdown")
    return query_plan.exit_code
