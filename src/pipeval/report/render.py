"""Render a result document with the Jinja2 templates in `templates/`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeval.report.markdown import code, escape, prose

if TYPE_CHECKING:
    import jinja2

ICONS = {"OK": "✅", "WARN": "⚠️", "FAIL": "❌", "ERROR": "⛔", "INFO": "ℹ️"}


def data_dir(name: str) -> Path:
    """Packaged data (wheel) or the repository's top-level folder (editable install)."""
    packaged = Path(__file__).resolve().parent.parent / "_data" / name
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / name


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    import jinja2  # here, not at import: `data_dir` users and JSON output never need it

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("templates"))),
        autoescape=False,  # Markdown, not HTML: values are escaped with the `md` filter instead
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = escape
    env.filters["code"] = code
    env.filters["prose"] = prose
    # `n | plural("query")` -> "1 query", "14 queries": counts in reports agree with their noun.
    env.filters["plural"] = plural
    env.filters["icon"] = lambda status: ICONS.get(str(status), "")
    env.filters["thousands"] = lambda n: f"{n:,}" if isinstance(n, int | float) else escape(n)
    return env


def plural(count: object, noun: str) -> str:
    n = count if isinstance(count, int) else len(count) if isinstance(count, list | dict) else 0
    if n == 1:
        return f"1 {noun}"
    many = noun[:-1] + "ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" else noun + "s"
    return f"{n:,} {many}"


def render(template: str, document: dict[str, Any]) -> str:
    return environment().get_template(template).render(**document)
