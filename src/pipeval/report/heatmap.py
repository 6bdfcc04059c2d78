"""Look rather than read: a Markdown heat strip and an SVG heatmap of the date × phase matrix."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

STRIP = {
    "complete": "🟩",
    "partial": "🟨",
    "missing": "🟥",
    "pending": "⬜",
    "off-day": "·",
    "error": "⬛",
}
COLOURS = {
    "complete": "#2e7d32",
    "partial": "#f9a825",
    "missing": "#c62828",
    "pending": "#b0bec5",
    "off-day": "#f5f5f5",
    "error": "#212121",
}
LEGEND = " ".join(f"{mark} {name}" for name, mark in STRIP.items())

CELL, GAP, LEFT, TOP = 14, 2, 190, 16


def heat_strip(matrix: dict[str, list[dict[str, Any]]]) -> list[str]:
    """One text line per row: its name, then one mark per date."""
    width = max((len(name) for name in matrix), default=0)
    return [
        f"{name.ljust(width)}  " + "".join(STRIP.get(cell["status"], "?") for cell in cells)
        for name, cells in matrix.items()
    ]


def _text(parent: ET.Element, x: float, y: float, label: str, **attrs: str) -> None:
    node = ET.SubElement(parent, "text", x=f"{x:g}", y=f"{y:g}", **attrs)
    node.text = label


def _square(parent: ET.Element, x: int, y: int, fill: str, **attrs: str) -> ET.Element:
    size = str(CELL)
    return ET.SubElement(
        parent, "rect", x=str(x), y=str(y), width=size, height=size, fill=fill, **attrs
    )


def _legend(svg: ET.Element, y: int) -> None:
    _text(svg, 4, y + CELL - 3, "x: date · y: phase or check")
    for index, (status, colour) in enumerate(COLOURS.items()):
        x = LEFT + index * 90
        _square(svg, x, y, colour, stroke="#9e9e9e")
        _text(svg, x + CELL + 4, y + CELL - 3, status)


def heatmap_svg(matrix: dict[str, list[dict[str, Any]]], title: str) -> str:
    """Dates along x, rows (phases, checks) along y, colour by status; every axis labelled."""
    rows = list(matrix)
    dates = [str(cell["date"]) for cell in next(iter(matrix.values()), [])]
    width = LEFT + len(dates) * (CELL + GAP) + 20
    bottom = TOP + 24 + len(rows) * (CELL + GAP)
    height = bottom + 100
    svg = ET.Element(
        "svg",
        xmlns="http://www.w3.org/2000/svg",
        width=str(width),
        height=str(height),
        viewBox=f"0 0 {width} {height}",
        **{"font-family": "sans-serif", "font-size": "11"},
    )
    ET.SubElement(svg, "title").text = title
    _text(svg, 4, TOP, title, **{"font-weight": "bold"})
    for y_index, row in enumerate(rows):
        y = TOP + 24 + y_index * (CELL + GAP)
        _text(svg, 4, y + CELL - 3, row)
        for x_index, cell in enumerate(matrix[row]):
            x = LEFT + x_index * (CELL + GAP)
            rect = _square(svg, x, y, COLOURS.get(cell["status"], "#ffffff"))
            ET.SubElement(rect, "title").text = f"{row} {cell['date']}: {cell['status']}"
    for x_index, day in enumerate(dates):
        x = LEFT + x_index * (CELL + GAP) + CELL - 3
        _text(
            svg,
            x,
            bottom + 4,
            day,
            transform=f"rotate(-60 {x} {bottom + 4})",
            **{"text-anchor": "end", "font-size": "9"},
        )
    _legend(svg, height - 16)
    return ET.tostring(svg, encoding="unicode", xml_declaration=False) + "\n"
