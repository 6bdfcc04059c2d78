"""The check catalogue. Families load lazily so a command pays only for what it runs."""

from __future__ import annotations

import importlib

from pipeval.checks.base import Check
from pipeval.errors import InputError
from pipeval.profile import Profile
from pipeval.query import Context, Query

# family -> module with `checks_for(profile) -> list[Check]`. One line per family.
FAMILIES: dict[str, str] = {
    "completeness": "pipeval.checks.completeness",
    "quota": "pipeval.checks.quota",
    "coverage": "pipeval.checks.coverage",
    "orchestration": "pipeval.checks.orchestration",
    "hygiene": "pipeval.checks.hygiene",
    "schema": "pipeval.checks.schema",
    "lint": "pipeval.checks.lint",
    # the profile's `checks:` section; each check's category is its own family
    "declarative": "pipeval.checks.declarative",
    "deploy": "pipeval.checks.deploy",
}

# Families `pipeval daily` runs when --checks is not given, in report order.
DAILY_FAMILIES: tuple[str, ...] = (
    "quota",
    "completeness",
    "orchestration",
    "coverage",
    "schema",
    "hygiene",
    "declarative",
)


def checks_for(profile: Profile, family: str) -> list[Check]:
    module = importlib.import_module(FAMILIES[family])
    return module.checks_for(profile)


def select_checks(profile: Profile, wanted: str | None, default: tuple[str, ...]) -> list[Check]:
    """Checks named by `--checks` (families or full ids, comma-separated), else the defaults."""
    families = [family for family in default if family in FAMILIES]
    pairs = [(family, check) for family in families for check in checks_for(profile, family)]
    available = [check for _, check in pairs]
    if not wanted:
        return available
    tokens = [part.strip() for part in wanted.split(",")]
    # What this command runs, by family: named when a token is not one of them.
    runs = ", ".join(dict.fromkeys(check.category for check in available)) or "no checks"
    if not any(tokens):
        raise InputError(f"--checks {wanted!r} names no check; this command runs: {runs}")
    by_family = [(family, check) for family in FAMILIES for check in checks_for(profile, family)]
    everything = [check for _, check in by_family]
    if not families:  # no default families: any check may be named
        pairs, families = by_family, list(FAMILIES)
    chosen: list[Check] = []
    for token in tokens:
        if not token:
            continue
        # an id, a check's category (a declarative check's own family), or a module family
        # (`declarative`: every check of the profile's `checks:`)
        known_here = [c for family, c in by_family if token in (c.id, c.category, family)]
        if not known_here and token not in FAMILIES:
            known = sorted(set(FAMILIES) | {c.id for c in everything})
            raise InputError(f"--checks: unknown check {token!r}; known: {', '.join(known)}")
        matches = [c for family, c in pairs if token in (c.id, c.category, family)]
        if not matches and token not in families:
            raise InputError(f"--checks {token!r}: not run by this command, which runs: {runs}")
        chosen.extend(match for match in matches if match not in chosen)
    return chosen


__all__ = ["FAMILIES", "Check", "Context", "Query", "checks_for", "select_checks"]
