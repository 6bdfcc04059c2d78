"""Markdown reports shown on a terminal: rendered with rich, so a person reads tables and code
spans instead of `\\_`, `\\~` and `<br>`. Piped output and `--output` files stay Markdown."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.markdown import Markdown


def for_terminal(text: str) -> str:
    """Markdown rich renders well: a line break inside a table cell (`<br>`, raw HTML rich
    does not render) becomes a separator."""
    return text.replace("<br>", " / ")


def show_markdown(text: str, console: Console | None = None) -> None:
    console = console or Console(file=sys.stdout, soft_wrap=False)
    console.print(Markdown(for_terminal(text), code_theme="ansi_dark", hyperlinks=False))
