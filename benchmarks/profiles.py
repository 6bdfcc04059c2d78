"""Where pipeval's time goes: cProfile of one run, the functions with the most own time."""

from __future__ import annotations

import cProfile
import pstats
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = str(Path(__file__).resolve().parents[1])


def _where(filename: str, line: int, function: str) -> str:
    if filename == "~":  # a builtin, e.g. {method 'fetchall' ...}
        return function
    short = filename.replace(ROOT + "/", "")
    if "site-packages/" in short:
        short = short.split("site-packages/", 1)[1]
    return f"{short}:{line} {function}"


def hotspots(run: Callable[[], Any], top: int = 8) -> list[dict[str, Any]]:
    profiler = cProfile.Profile()
    profiler.runcall(run)
    stats = pstats.Stats(profiler)
    total = stats.total_tt or 1.0
    rows = sorted(stats.stats.items(), key=lambda item: -item[1][2])[:top]  # type: ignore[attr-defined]
    return [
        {
            "function": _where(*key),
            "calls": calls,
            "own_s": own,
            "cumulative_s": cumulative,
            "share": own / total,
        }
        for key, (_, calls, own, cumulative, _) in rows
    ]
