"""docs/benchmarks.md from the benchmark's result document (Jinja2, like pipeval's reports)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from pipeval.report.markdown import code, escape

TEMPLATE = "benchmarks.md.j2"
# The targets, reported against, never asserted.
HISTORICAL_VS_BOUND = 1.5
HISTORICAL_VS_LOOP = 10.0
DAILY_OVERHEAD_S = 0.1
HISTORICAL_VS_FLOOR = 1.5
# Rows `historical` fetched over the season before the statements aggregated in the warehouse
# (one row per player and date; measured on this sample, same 13 statements).
ROWS_BEFORE = 103_345
ROWS_SHARE = 0.02
CLI_HISTORICAL_S = 0.45
CLI_DAILY_S = 0.3
PEAK_RSS_MIB = 150


def _seconds(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value * 1000:,.0f} ms" if value < 10 else f"{value:,.1f} s"


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f}×"


def _bytes(value: int | None) -> str:
    if value is None:
        return "n/a"
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if value >= size:
            return f"{value / size:,.1f} {unit}"
    return f"{value:,} B"


def _usd(value: float) -> str:
    return f"${value:,.4f}" if value < 1 else f"${value:,.2f}"


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent)),
        autoescape=False,  # Markdown: values go through `md`
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(md=escape, code=code, seconds=_seconds, ratio=_ratio, bytes=_bytes, usd=_usd)
    return env


def targets(document: dict[str, Any]) -> list[dict[str, Any]]:
    hist = document["historical"]["timings"]
    pipeval = hist["pipeval"]["median"]
    vs_bound = pipeval / hist["lower_bound"]["median"]
    vs_loop = hist["per_date"]["median"] / pipeval
    overhead = document["daily"]["overhead_over_lower_bound"]["median"]
    counts = document["query_counts"]
    # Like for like: the built-in checks alone (the floor's check set) against the floor.
    vs_floor = hist["pipeval_builtin"]["median"] / hist["floor"]["median"]
    full_vs_floor = pipeval / hist["floor"]["median"]
    fetched = document["historical"]["rows_fetched"]
    rows = fetched["pipeval"]
    split = document["historical"]["rows_by_statement"]
    built_in = fetched["pipeval_builtin"]
    cli = hist["pipeval_cli"]["median"]
    daily_cli = document["daily"]["timings"]["pipeval_cli"]["median"]
    rss = document["historical"]["cli_peak_rss_mib"]
    return [
        {
            "target": f"historical in-process ≤ {HISTORICAL_VS_FLOOR:g}× the in-database floor "
            "(same check set: the built-in checks)",
            "measured": f"{vs_floor:.1f}× the floor (the full suite with the profile's "
            f"declarative checks: {full_vs_floor:.1f}×)",
            "met": vs_floor <= HISTORICAL_VS_FLOOR,
        },
        {
            "target": f"rows fetched ≤ {ROWS_SHARE:.0%} of before ({ROWS_BEFORE:,} a season, "
            "the built-in checks)",
            "measured": f"built-in checks {built_in:,} ({built_in / ROWS_BEFORE:.1%}); the full "
            f"suite {rows:,}, of which {split['declarative']:,} for the profile's declarative "
            "checks",
            "met": built_in <= ROWS_SHARE * ROWS_BEFORE,
        },
        {
            "target": f"CLI historical over the range ≤ {CLI_HISTORICAL_S:g} s wall",
            "measured": f"{cli:.2f} s median",
            "met": cli <= CLI_HISTORICAL_S,
        },
        {
            "target": f"`pipeval daily --format json` ≤ {CLI_DAILY_S:g} s wall",
            "measured": f"{daily_cli:.2f} s median",
            "met": daily_cli <= CLI_DAILY_S,
        },
        {
            "target": f"peak RSS of CLI historical over the range ≤ {PEAK_RSS_MIB} MiB",
            "measured": f"{rss:.0f} MiB",
            "met": rss <= PEAK_RSS_MIB,
        },
        {
            "target": f"historical in-process within {HISTORICAL_VS_BOUND:g}× of the lower bound",
            "measured": f"{vs_bound:.1f}× the lower bound",
            "met": vs_bound <= HISTORICAL_VS_BOUND,
        },
        {
            "target": f"historical ≥ {HISTORICAL_VS_LOOP:g}× faster than the per-date loop",
            "measured": f"{vs_loop:.1f}× faster",
            "met": vs_loop >= HISTORICAL_VS_LOOP,
        },
        {
            "target": f"daily in-process < {DAILY_OVERHEAD_S:g} s above the lower bound",
            "measured": f"{overhead * 1000:+.0f} ms (median over the dates)",
            "met": overhead < DAILY_OVERHEAD_S,
        },
        {
            "target": "queries identical for a week and the whole range",
            "measured": f"{counts['short']} for {counts['short_days']} dates, "
            f"{counts['long']} for {counts['long_days']} dates",
            "met": counts["identical"],
        },
    ]


def render_markdown(document: dict[str, Any]) -> str:
    template = environment().get_template(TEMPLATE)
    return template.render(doc=document, targets=targets(document))
