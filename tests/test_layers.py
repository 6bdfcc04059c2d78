"""Dependencies point down only (DESIGN.md, "Architecture"): each import in src/pipeval, at module
level, under TYPE_CHECKING or inside a function, is read from the source and held to the layers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "pipeval"

# package (or module) -> what it must never import, at any depth of the file.
ABOVE: dict[str, tuple[str, ...]] = {
    "ports": ("query", "metrics", "checks", "diagnosis", "suites", "cli", "adapters"),
    "adapters": ("query", "metrics", "checks", "diagnosis", "history", "suites", "cli"),
    "query": ("metrics", "checks", "diagnosis", "history", "suites", "cli", "adapters"),
    "metrics": ("checks", "diagnosis", "history", "suites", "cli"),
    "schema": ("checks", "diagnosis", "history", "suites", "cli"),
    "checks": ("diagnosis", "history", "suites", "cli"),
    "diagnosis": ("checks", "history", "suites", "cli"),
    "history": ("suites", "cli"),
    "suites": ("cli",),
}


def _layer(path: Path) -> str:
    return path.relative_to(SRC).parts[0].removesuffix(".py")


def _imported(path: Path) -> set[str]:
    """The pipeval layer each import of the file reaches (`pipeval.checks.base` -> `checks`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "pipeval" and len(parts) > 1:
                found.add(parts[1])
    return found


def _violations(layer: str) -> list[str]:
    return [
        f"{path.relative_to(SRC)} imports pipeval.{target}"
        for path in sorted(SRC.rglob("*.py"))
        if _layer(path) == layer
        for target in sorted(_imported(path) & set(ABOVE[layer]))
    ]


@pytest.mark.parametrize("layer", sorted(ABOVE))
def test_layer_imports_nothing_above_it(layer: str) -> None:
    assert _violations(layer) == []


def test_the_reader_sees_an_upward_import(tmp_path: Path) -> None:
    """The scan is not vacuous: a function-local import of a check from metrics is caught."""
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from pipeval.checks.base import Check\n", encoding="utf-8")
    assert _imported(module) == {"checks"}
    assert any(_layer(path) == "metrics" for path in SRC.rglob("*.py"))
