"""Remediation text shared by checks and plans: command templates from the profile."""

from __future__ import annotations

from datetime import date


def rerun_command(template: str | None, start: date, end: date, phase: str) -> str:
    """Fill `{start}`, `{end}` and `{phase}` in a profile command template (nothing else)."""
    if not template:
        return f"re-run {phase} for {start}..{end} (no rerun command in the profile)"
    return (
        template.replace("{start}", start.isoformat())
        .replace("{end}", end.isoformat())
        .replace("{phase}", phase)
    )
