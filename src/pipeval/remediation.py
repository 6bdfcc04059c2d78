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


def span(start: date, end: date) -> str:
    return str(start) if start == end else f"{start}..{end}"


def rerun_step(phase: str, template: str | None, start: date, end: date) -> str:
    """ "Re-run PHASE for DATES: `command`" (the command in a code span, ready to paste)."""
    if not template:
        return f"Re-run {phase} for {span(start, end)} (the profile has no rerun command for it)"
    return f"Re-run {phase} for {span(start, end)}: `{rerun_command(template, start, end, phase)}`"
