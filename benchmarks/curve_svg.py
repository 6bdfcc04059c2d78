"""The cost curve as an SVG: one small panel per measure, days on the x axis."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 260, 170
LEFT, RIGHT, TOP, BOTTOM = 54, 12, 28, 30
COLORS = ("#1f77b4", "#d62728", "#9467bd", "#2ca02c")

# panel title, unit formatter, and the series: (label, key in a point)
PANELS: tuple[tuple[str, Callable[[float], str], tuple[tuple[str, str], ...]], ...] = (
    (
        "time (s)",
        lambda v: f"{v:.2f}",
        (
            ("CLI wall", "cli_wall_s"),
            ("in-process", "in_process_s"),
            ("built-in", "in_process_builtin_s"),
            ("floor", "floor_s"),
        ),
    ),
    ("peak RSS, CLI (MiB)", lambda v: f"{v:.0f}", (("CLI", "peak_rss_mib"),)),
    (
        "rows fetched",
        lambda v: f"{v:,.0f}",
        (("pipeval", "rows_fetched"), ("built-in", "rows_fetched_builtin")),
    ),
)


def curve_svg(points: Sequence[dict[str, Any]]) -> str:
    """Panels side by side; each line joins the measured points (x: dates in the range)."""
    days = [p["days"] for p in points]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH * len(PANELS)}" '
        f'height="{HEIGHT}" font-family="sans-serif" font-size="10">',
        '<rect width="100%" height="100%" fill="white"/>',
    ]
    for index, (title, fmt, series) in enumerate(PANELS):
        parts += _panel(index * WIDTH, title, fmt, series, points, days)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _panel(
    x0: int,
    title: str,
    fmt: Callable[[float], str],
    series: tuple[tuple[str, str], ...],
    points: Sequence[dict[str, Any]],
    days: list[int],
) -> list[str]:
    values = [p[key] for _, key in series for p in points if p.get(key) is not None]
    top = max(values, default=1.0) * 1.1 or 1.0
    span = max(days) - min(days) or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: int) -> float:
        return x0 + LEFT + (day - min(days)) / span * plot_w

    def y(value: float) -> float:
        return TOP + plot_h - value / top * plot_h

    out = [
        f'<text x="{x0 + LEFT}" y="14" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{x0 + LEFT}" y1="{TOP}" x2="{x0 + LEFT}" y2="{TOP + plot_h}" stroke="#888"/>',
        f'<line x1="{x0 + LEFT}" y1="{TOP + plot_h}" x2="{x0 + LEFT + plot_w}" '
        f'y2="{TOP + plot_h}" stroke="#888"/>',
        f'<text x="{x0 + LEFT - 4}" y="{TOP + 4}" text-anchor="end">{escape(fmt(top))}</text>',
        f'<text x="{x0 + LEFT - 4}" y="{TOP + plot_h}" text-anchor="end">0</text>',
    ]
    for day in days:
        out.append(
            f'<text x="{x(day):.1f}" y="{TOP + plot_h + 12}" text-anchor="middle">{day}</text>'
        )
    out.append(
        f'<text x="{x0 + LEFT + plot_w / 2:.1f}" y="{HEIGHT - 4}" text-anchor="middle">'
        "dates in the range</text>"
    )
    for number, (label, key) in enumerate(series):
        color = COLORS[number % len(COLORS)]
        pts = [(x(p["days"]), y(p[key])) for p in points if p.get(key) is not None]
        if not pts:
            continue
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in pts)
        out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        out += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.5" fill="{color}"/>' for px, py in pts]
        if len(series) > 1:
            out.append(
                f'<text x="{x0 + LEFT + 6}" y="{TOP + 10 + 11 * number}" fill="{color}">'
                f"{escape(label)}</text>"
            )
    return out
