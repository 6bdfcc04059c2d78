"""The embedded deployments: `<root>/<service>.json`, each the API's Service resource as JSON.

The files are what `gcloud run services describe NAME --format=json` would print in the Admin
API v2 shape, so `service_resource.parse_service` reads them exactly as it reads the client's
answers. A file whose resource name places the service in another region is not that region's
service, as the API would say.
"""

from __future__ import annotations

import json
from pathlib import Path

from pipeval.adapters.service_resource import parse_service, service_region
from pipeval.errors import BackendError
from pipeval.files import MIB, read_text
from pipeval.identifiers import SERVICE_NAME_RE
from pipeval.ports import DeployedService


class DirDeployments:
    def __init__(self, root: str | Path, url: str | None = None) -> None:
        self.root = Path(root)
        self.url = url or f"dir://{self.root}"
        if not self.root.exists():
            raise BackendError(f"deployments directory not found: {self.root}")
        if not self.root.is_dir():
            raise BackendError(f"deployments path {self.root} is not a directory")

    def describe(self, service: str, region: str) -> DeployedService | None:
        if not SERVICE_NAME_RE.match(service):
            raise BackendError(f"service name {service!r} is not a Cloud Run service name")
        path = self.root / f"{service}.json"
        if not path.exists() and not path.is_symlink():
            return None
        text = read_text(path, "deployment", BackendError, kind="JSON file", limit=MIB)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise BackendError(f"deployment {path} is not valid JSON: {err}") from None
        resource = parse_service(data, str(path))
        located = service_region(data)
        if located is not None and located != region:
            return None
        return resource
