"""BigQuery error translation: which client errors are worth retrying, and the one clear line
each becomes (a missing permission names the role that grants it; an over-cap query says by how
much). Imported only with the BigQuery adapter."""

from __future__ import annotations

import concurrent.futures
import re
from collections.abc import Mapping

from google.api_core import exceptions as api_errors

from pipeval.errors import BackendError, PermissionDeniedError, PipevalError, first_line
from pipeval.permissions import describe_grant, role_for

# Reasons BigQuery gives for errors that go away when retried later.
TRANSIENT_REASONS = frozenset({"rateLimitExceeded", "backendError", "internalError", "badGateway"})
TRANSIENT_JOB_REASONS = frozenset({"jobBackendError", "jobInternalError", "jobRateLimitExceeded"})
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    api_errors.TooManyRequests,
    api_errors.InternalServerError,
    api_errors.BadGateway,
    api_errors.ServiceUnavailable,
    api_errors.GatewayTimeout,
    ConnectionError,
)

_PERMISSION_RE = re.compile(r"\b(bigquery\.[A-Za-z]+\.[A-Za-z]+)\b")
_JOBS_VIEW_RE = re.compile(r"INFORMATION_SCHEMA\.JOBS", re.IGNORECASE)
_BYTES_CAP_RE = re.compile(r"limit for bytes billed: (\d+)\. (\d+) or higher required")
_REQUEST_PREFIX = re.compile(r"^(?:GET|POST|PUT|PATCH|DELETE) \S+: ")


def is_connection_error(err: BaseException) -> bool:
    """The network refused or dropped the request: no BigQuery answer at all."""
    import requests  # a dependency of google-cloud-bigquery; only its network errors matter

    return isinstance(err, ConnectionError | requests.ConnectionError | requests.Timeout)


def is_transient(err: BaseException) -> bool:
    """Worth retrying: BigQuery's reason decides when it gives one (rateLimitExceeded comes
    as a 403, a failed job's reason as any status), else 429/500/502/503/504 or the network.
    A 400 never is."""
    if isinstance(err, api_errors.BadRequest):
        return False
    if isinstance(err, api_errors.GoogleAPICallError):
        reason = _reason(err)
        return reason in TRANSIENT_REASONS if reason else isinstance(err, TRANSIENT_ERRORS)
    return is_connection_error(err)


def is_transient_job_failure(err: BaseException) -> bool:
    """A job that failed for a reason that may not recur (what BigQuery's client re-runs)."""
    if isinstance(err, api_errors.RetryError):
        return False  # the API retries already used the budget
    if isinstance(err, api_errors.GoogleAPICallError) and _reason(err) in TRANSIENT_JOB_REASONS:
        return True
    return is_transient(err)


def _reason(err: api_errors.GoogleAPICallError) -> str:
    errors = err.errors or []
    first = errors[0] if errors else {}
    return str(first.get("reason", "")) if isinstance(first, Mapping) else ""


def _api_message(err: BaseException) -> str:
    # The client prefixes HTTP errors with the request ("POST https://...: "): not the news.
    return _REQUEST_PREFIX.sub("", first_line(err)) or type(err).__name__


def permission_denied(err: api_errors.GoogleAPICallError, sql: str = "") -> PermissionDeniedError:
    """A 403 accessDenied, naming the missing permission and the role that grants it."""
    message = _api_message(err)
    found = _PERMISSION_RE.search(message)
    if found:
        permission = found.group(1)
    elif _JOBS_VIEW_RE.search(sql):
        # BigQuery names only the view ("User does not have permission to query table ...").
        permission = "bigquery.jobs.listAll"
    else:
        permission = "bigquery.tables.getData"
    role = role_for(permission)
    grant = f"; grant {describe_grant(role)}" if role else ""
    return PermissionDeniedError(
        f"permission denied: needs {permission}{grant} ({message})",
        permission=permission,
        role=role,
    )


def translate(err: BaseException, sql: str = "", label: str = "", cap: int = 0) -> PipevalError:
    """Turn a client exception into one clear PipevalError line."""
    where = f" ({label})" if label else ""
    if isinstance(err, PipevalError):
        return err
    if isinstance(err, api_errors.RetryError) and err.cause is not None:
        cause = _api_message(err.cause)
        return BackendError(f"BigQuery kept failing{where} after retries: {cause}")
    if is_connection_error(err):
        # Retried within the run's budget for the endpoint (by this request or an earlier one).
        return BackendError(f"BigQuery kept failing{where} after retries: {_api_message(err)}")
    if isinstance(err, concurrent.futures.TimeoutError | api_errors.DeadlineExceeded):
        return BackendError(f"query{where} did not finish within the timeout")
    if isinstance(err, api_errors.GoogleAPICallError):
        reason = _reason(err)
        if reason == "accessDenied" or (isinstance(err, api_errors.Forbidden) and not reason):
            return permission_denied(err, sql)
        if reason == "bytesBilledLimitExceeded":
            return _over_cap(err, where, cap)
        code = f"{err.code} " if err.code else ""
        return BackendError(f"query failed{where}: {code}{reason or 'error'}: {_api_message(err)}")
    from google.auth import exceptions as auth_errors

    if isinstance(err, auth_errors.GoogleAuthError):
        return BackendError(f"cannot authenticate to BigQuery: {first_line(str(err))}")
    detail = f"{type(err).__name__}: {_api_message(err)}"
    return BackendError(f"BigQuery request failed{where}: {detail}")


def _over_cap(err: api_errors.GoogleAPICallError, where: str, cap: int) -> BackendError:
    found = _BYTES_CAP_RE.search(_api_message(err))
    limit = int(found.group(1)) if found else cap
    needed = f"at least {int(found.group(2)):,} bytes" if found else "more bytes"
    return BackendError(
        f"query{where} would bill {needed}, over maximum_bytes_billed {limit:,} "
        "(profile warehouse.maximum_bytes_billed): not run"
    )
