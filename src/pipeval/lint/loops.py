"""Loops that repeat a write on purpose, which write-in-loop must not report.

- a retry loop: `for attempt in range(3)`, or a loop that leaves once the write succeeded
  (`try: write(...); break` / `return`): the write runs once per success, not per item;
- a chunked loop: `for chunk in chunks(rows, 500)`, `for i in range(0, len(rows), 500)`,
  `for batch in batches`: one write per N rows is the batching the rule asks for;
- a flush when the batch is full: `if len(buffer) >= size: write(buffer)` inside the loop.
"""

from __future__ import annotations

import ast
import re

RETRY = "retry"
CHUNKS = "chunks"
RETRY_NAME = re.compile(r"attempt|retr(?:y|ies)|tries|try_(?:num|count)", re.IGNORECASE)
CHUNK_NAME = re.compile(r"chunk|batch|page|partition|slice|split|group", re.IGNORECASE)
FULL_NAME = re.compile(
    r"batch|size|count|pending|buffer|flush|full|max|limit|threshold|chunk", re.IGNORECASE
)
NESTED = (
    ast.For, ast.AsyncFor, ast.While, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda,
    ast.ClassDef,
)  # fmt: skip


def _name(expr: ast.expr) -> str:
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        return expr.attr
    if isinstance(expr, ast.Call):
        return _name(expr.func)
    return ""


def _names(target: ast.expr) -> list[str]:
    if type(target) is ast.Name:
        return [target.id]  # the commonest loop target, without `ast.walk`'s queue
    return [node.id for node in ast.walk(target) if isinstance(node, ast.Name)]


def purpose(node: ast.For | ast.AsyncFor | ast.While) -> str:
    """RETRY, CHUNKS, or "" for a loop whose iterations are independent writes."""
    if isinstance(node, ast.For | ast.AsyncFor):
        targets = _names(node.target)
        if any(RETRY_NAME.search(name) for name in targets):
            return RETRY
        iterable = node.iter
        if isinstance(iterable, ast.Call) and _name(iterable) == "range":
            if len(iterable.args) == 3:
                return CHUNKS
        elif CHUNK_NAME.search(_name(iterable)) or any(CHUNK_NAME.search(t) for t in targets):
            return CHUNKS
    elif any(RETRY_NAME.search(name) for name in _names(node.test)):
        return RETRY
    return RETRY if _leaves_on_success(node.body) else ""


def _statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """Every statement of a block, nested blocks included, but not nested loops/functions."""
    found: list[ast.stmt] = []
    work = list(body)
    while work:
        statement = work.pop()
        found.append(statement)
        if isinstance(statement, NESTED):
            continue
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            for child in getattr(statement, name, []) or []:
                if isinstance(child, ast.stmt):
                    work.append(child)
                elif isinstance(child, ast.excepthandler | ast.match_case):
                    work.extend(child.body)
    return found


def _leaves_on_success(body: list[ast.stmt]) -> bool:
    """A `try` whose success path breaks out of the loop or returns: a retry loop."""
    for statement in _statements(body):
        if isinstance(statement, ast.Try | ast.TryStar):
            success = _statements([*statement.body, *statement.orelse])
            if any(isinstance(s, ast.Break | ast.Return) for s in success):
                return True
    return False


def _trivial(expr: ast.expr) -> bool:
    """0, 1, None, True/False: `if rows > 0` asks "any rows?", not "is the batch full?"."""
    return isinstance(expr, ast.Constant) and expr.value in (0, 1, None, True, False)


def is_fullness(test: ast.expr) -> bool:
    """`len(rows) >= N`, `count % N == 0`, `pending >= batch_size`, `should_flush()`."""
    for node in ast.walk(test):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(isinstance(side, ast.BinOp) and isinstance(side.op, ast.Mod) for side in sides):
                return True  # every N-th item
            growing = all(isinstance(op, ast.Gt | ast.GtE | ast.Eq) for op in node.ops)
            if not growing or any(_trivial(side) for side in sides):
                continue
            if any(isinstance(side, ast.Call) and _name(side) == "len" for side in sides):
                return True
            if any(FULL_NAME.search(_name(side)) for side in sides):
                return True
        elif isinstance(node, ast.Name | ast.Attribute | ast.Call) and re.search(
            r"flush|full", _name(node), re.IGNORECASE
        ):
            return True
    return False
