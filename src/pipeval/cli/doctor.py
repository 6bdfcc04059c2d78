"""`pipeval doctor`: the profile and the enabled checks against the warehouse they will read.

Exit 0 when everything referenced exists with a fitting type, 1 for warnings only (an empty
hygiene dataset), 2 when a table, column or path is missing or a type is wrong, 3 when doctor
itself could not run (bad profile, unreachable backend). Without --warehouse the profile and
the DDL/writer paths are still checked and `doctor.tables` says it was skipped.
"""

from __future__ import annotations

import time

import click

from pipeval.checks import DAILY_FAMILIES, select_checks
from pipeval.cli.options import Options, common_options, finish, open_context, profile_and_time
from pipeval.clock import default_date
from pipeval.schema.doctor import diagnose
from pipeval.suites.runner import suite_result


@click.command()
@common_options
def doctor(opts: Options) -> int:
    """Check that every table, column and path the profile and checks use exists."""
    profile, as_of = profile_and_time(opts)
    day = default_date(as_of, profile.timezone)
    # Without --warehouse: the profile and the DDL/writer paths, and what was skipped.
    ctx = open_context(opts, profile, as_of, day, day, need_warehouse=False)
    started = time.perf_counter()
    checks = select_checks(profile, None, DAILY_FAMILIES)
    results = diagnose(ctx, checks)
    target = {"profile": profile.source}
    return finish(suite_result("doctor", ctx, target, results, started), opts, "doctor.md.j2")
