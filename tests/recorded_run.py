"""A loopback HTTP server that speaks the Cloud Run Admin API v2 `services.get` over REST.

The real `google.cloud.run_v2.ServicesClient` (REST transport) talks real HTTP to it: the server
answers `GET /v2/projects/P/locations/R/services/S` with the Service resource it holds for that
name (the same JSON `DirDeployments` reads), the API's 404 body when it holds none, a 403 body
for names it is told to refuse, and queued answers (e.g. 503s) before the normal one. It records
every request path, so tests can assert what the client asked and how often it retried.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any

from pipeval.adapters.cloud_run_deployments import CloudRunDeployments
from tests.local_servers import JsonLoopbackServer

PROJECT = "nba-props-platform"
_GET = re.compile(
    r"/v2/(?P<name>projects/[^/]+/locations/(?P<region>[^/]+)/services/(?P<service>[^/?]+))"
)


def api_error(code: int, status: str, message: str) -> dict[str, Any]:
    """The error body Google APIs send over REST."""
    return {"error": {"code": code, "message": message, "status": status}}


def not_found(name: str) -> dict[str, Any]:
    region, service = name.split("/")[3], name.split("/")[5]
    return api_error(
        404,
        "NOT_FOUND",
        f"Resource '{service}' of kind 'SERVICE' in region '{region}' in project "
        f"'{name.split('/')[1]}' does not exist.",
    )


def denied(name: str) -> dict[str, Any]:
    return api_error(
        403,
        "PERMISSION_DENIED",
        f"Permission 'run.services.get' denied on resource '{name}' (or resource may not exist).",
    )


UNAVAILABLE = (503, api_error(503, "UNAVAILABLE", "The service is currently unavailable."))


class CloudRunServer(JsonLoopbackServer):
    def __init__(self, resources: dict[str, dict[str, Any]] | None = None) -> None:
        # Full resource name -> Service resource JSON.
        self.resources: dict[str, dict[str, Any]] = dict(resources or {})
        self.forbidden: set[str] = set()
        self.queued: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        self.paths: list[str] = []
        super().__init__()

    def add(self, resource: dict[str, Any]) -> None:
        self.resources[resource["name"]] = resource

    def requests_for(self, service: str) -> list[str]:
        with self._lock:
            return [path for path in self.paths if path.endswith(f"/services/{service}")]

    def answer(self, method: str, path: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.paths.append(path)
        found = _GET.fullmatch(path)
        if method != "GET" or found is None:
            return 404, api_error(404, "NOT_FOUND", f"no route {method} {path}")
        name = found.group("name")
        with self._lock:
            queue = self.queued.get(name, [])
            if queue:
                return queue.pop(0)
        if name in self.forbidden:
            return 403, denied(name)
        if name not in self.resources:
            return 404, not_found(name)
        return 200, self.resources[name]

    def respond(self, request: BaseHTTPRequestHandler) -> tuple[int, dict[str, Any]]:
        return self.answer(request.command, request.path.split("?", 1)[0])

    def deployments(self, **options: Any) -> CloudRunDeployments:
        """The production adapter with its real client, pointed here; millisecond backoff."""
        settings = {"retry_initial_s": 0.001, "retry_maximum_s": 0.004, **options}
        return CloudRunDeployments(PROJECT, endpoint=self.endpoint, **settings)


@contextmanager
def cloud_run(resources: dict[str, dict[str, Any]] | None = None) -> Iterator[CloudRunServer]:
    with CloudRunServer(resources) as server:
        yield server
