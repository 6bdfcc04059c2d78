"""One parser for the Cloud Run Admin API v2 Service resource, whoever read it.

`CloudRunDeployments` turns the client's `run_v2.Service` into the API's own JSON (camelCase
field names, RFC 3339 timestamps) and `DirDeployments` reads that same JSON from files, so both
adapters hand the checks exactly the same `DeployedService` for the same resource.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from pipeval.errors import BackendError
from pipeval.ports import DeployedService

# RFC 3339 with up to nanoseconds; Python's fromisoformat takes at most microseconds.
_TIMESTAMP_RE = re.compile(
    r"(?P<base>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(?P<frac>\d{1,9}))?(?P<zone>Z|[+-]\d\d:\d\d)\Z"
)
_LOCATION_RE = re.compile(r"projects/[^/]+/locations/(?P<region>[^/]+)/services/(?P<name>[^/]+)\Z")
# The label Cloud Functions (2nd gen) puts on the Cloud Run service behind a function.
FUNCTION_MANAGER = ("goog-managed-by", "cloudfunctions")


def parse_timestamp(value: object, source: str) -> datetime | None:
    if value in (None, ""):
        return None
    found = _TIMESTAMP_RE.match(value) if isinstance(value, str) else None
    if found is None:
        raise BackendError(f"{source}: updateTime {value!r} is not an RFC 3339 timestamp")
    fraction = (found.group("frac") or "").ljust(6, "0")[:6]
    zone = "+00:00" if found.group("zone") == "Z" else found.group("zone")
    try:
        parsed = datetime.fromisoformat(f"{found.group('base')}.{fraction}{zone}")
    except ValueError:
        raise BackendError(f"{source}: updateTime {value!r} is not a valid instant") from None
    return parsed.astimezone(UTC)


def _labels(data: dict[str, Any], source: str, where: str) -> dict[str, str]:
    labels = data.get("labels")
    if labels is None:
        return {}
    if not isinstance(labels, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in labels.items()
    ):
        raise BackendError(f"{source}: {where} must map label names to strings")
    return labels


def service_region(data: dict[str, Any]) -> str | None:
    """The region in the resource name `projects/P/locations/REGION/services/NAME`, if any."""
    found = _LOCATION_RE.match(str(data.get("name", "")))
    return found.group("region") if found else None


def parse_service(data: object, source: str) -> DeployedService:
    """A Service resource (the API's JSON shape) as a `DeployedService`, or one BackendError."""
    if not isinstance(data, dict):
        raise BackendError(f"{source}: expected a Service resource (a JSON object)")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise BackendError(f"{source}: the Service resource has no name")
    template = data.get("template")
    template = {} if template is None else template
    if not isinstance(template, dict):
        raise BackendError(f"{source}: template must be an object")
    # gcloud writes --update-labels on the service and on its revision template: a label on
    # either one says which commit the running revision was built from.
    labels = {
        **_labels(template, source, "template.labels"),
        **_labels(data, source, "labels"),
    }
    revision = data.get("latestReadyRevision")
    revision = "" if revision is None else revision
    if not isinstance(revision, str):
        raise BackendError(f"{source}: latestReadyRevision must be a string")
    build = data.get("buildConfig")
    is_function = labels.get(FUNCTION_MANAGER[0]) == FUNCTION_MANAGER[1] or bool(
        isinstance(build, dict) and build.get("functionTarget")
    )
    return DeployedService(
        name=name.rsplit("/", 1)[-1],
        labels=labels,
        update_time=parse_timestamp(data.get("updateTime"), source),
        revision=revision.rsplit("/", 1)[-1],
        is_function=is_function,
    )
