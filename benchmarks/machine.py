"""What the figures were measured on."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import sqlglot

import pipeval


def _proc_value(path: str, key: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def describe() -> dict[str, Any]:
    memory = _proc_value("/proc/meminfo", "MemTotal")
    memory_gib = round(int(memory.split()[0]) / 2**20, 1) if memory else None
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "memory_gib": memory_gib,
        "cpu": _proc_value("/proc/cpuinfo", "model name") or platform.processor() or "unknown",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "sqlglot": sqlglot.__version__,
        "pipeval": pipeval.__version__,
        # 1-minute load average: above the core count, other work shared the machine
        "load": round(os.getloadavg()[0], 2),
    }
