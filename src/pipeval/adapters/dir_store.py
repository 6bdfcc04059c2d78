"""The embedded state store: `<root>/<collection>/<document-id>.json`, read-only."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pipeval.errors import BackendError
from pipeval.identifiers import check_identifier

# Document ids are dates and names; never a path that could leave the root.
_DOC_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")


class DirStore:
    def __init__(self, root: str | Path, url: str | None = None) -> None:
        self.root = Path(root)
        self.url = url or f"dir:///{self.root}"
        if not self.root.exists():
            raise BackendError(f"state directory not found: {self.root}")
        if not self.root.is_dir():
            raise BackendError(f"state path {self.root} is not a directory")

    def _collection(self, collection: str) -> Path:
        return self.root / check_identifier(collection, "collection")

    def get(self, collection: str, document: str) -> dict[str, Any] | None:
        if not _DOC_ID.match(document) or ".." in document:
            raise BackendError(f"document id {document!r} is not a plain name")
        path = self._collection(collection) / f"{document}.json"
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise BackendError(f"state document {path} is not valid JSON: {err}") from None
        if not isinstance(data, dict):
            raise BackendError(f"state document {path} must hold a JSON object")
        return data

    def list(self, collection: str) -> list[str]:
        folder = self._collection(collection)
        if not folder.is_dir():
            return []
        return sorted(path.stem for path in folder.glob("*.json"))
