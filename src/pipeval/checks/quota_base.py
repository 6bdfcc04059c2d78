"""The base of every quota.* check: it reads the shared jobs window, and a missing permission
becomes ERROR naming the grant. Its own module so each quota check's module (quota_operations,
quota_partitions, quota_dml, quota_errors, quota_regions, quota_backfill) builds on it without
importing the others."""

from __future__ import annotations

from abc import abstractmethod
from datetime import datetime

from pipeval.checks.base import Check
from pipeval.errors import BackendError, PermissionDeniedError
from pipeval.metrics.jobs import VIEW, JobsWindow, jobs_queries, jobs_window
from pipeval.permissions import JOBS_PERMISSION, describe_grant, role_for
from pipeval.query import Context, Query
from pipeval.results import CheckResult
from pipeval.sqlkit import info_schema


def stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%MZ")


def missing_permission(err: PermissionDeniedError, view: str) -> str:
    permission = err.permission or JOBS_PERMISSION
    role = describe_grant(err.role or role_for(permission))
    return (
        f"permission {permission} is missing to read {view}: grant the role {role} on the "
        "project to the account pipeval runs as (it reads job metadata, not table data)"
    )


class QuotaCheck(Check):
    """Reads the shared jobs window; a missing permission becomes ERROR naming the grant."""

    category = "quota"

    def queries(self, ctx: Context) -> list[Query]:
        return jobs_queries(ctx.profile, ctx.as_of)

    def run(self, ctx: Context) -> CheckResult:
        view = ", ".join(str(info_schema(r, VIEW)) for r in ctx.profile.warehouse.regions)
        try:
            window = jobs_window(ctx)
        except PermissionDeniedError as err:
            return CheckResult.error(self.id, missing_permission(err, view))
        except BackendError as err:
            reason = " ".join(str(err).split())
            return CheckResult.error(self.id, f"cannot read job metadata ({view}): {reason}")
        return self.evaluate(ctx, window)

    @abstractmethod
    def evaluate(self, ctx: Context, window: JobsWindow) -> CheckResult: ...

    @staticmethod
    def period(window: JobsWindow) -> str:
        return f"the {window.window_hours} h before {stamp(window.as_of)}"
