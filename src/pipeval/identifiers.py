"""Identifier validation: the only way a name from a profile or the command line reaches SQL."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeval.errors import BackendError, ConfigError

# ASCII only on purpose: unicode look-alikes (e.g. Cyrillic "а") must never pass.
IDENTIFIER_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
# Cloud Run service names: lower-case letters, digits and hyphens, starting with a letter.
SERVICE_NAME_RE = re.compile(r"[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")
# Google Cloud regions (us-west2, europe-west1, northamerica-northeast1).
REGION_RE = re.compile(r"[a-z]+(?:-[a-z]+)+[0-9]+\Z")
# Label keys: lower-case letters, digits, _ and -, starting with a letter.
LABEL_KEY_RE = re.compile(r"[a-z][a-z0-9_-]{0,62}\Z")
# A state document id (dates, names): never a path that could leave its collection (DirStore's
# folder) or address a sub-collection (Firestore's `/`).
DOCUMENT_ID_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")
# A source path inside a repository: relative, plain characters, no `..`, no pathspec magic.
REPO_PATH_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_][A-Za-z0-9_.-]*)*\Z")


def is_identifier(value: object) -> bool:
    return isinstance(value, str) and bool(IDENTIFIER_RE.match(value))


def check_identifier(value: object, what: str = "identifier") -> str:
    if not is_identifier(value):
        raise ConfigError(f"{what} {value!r} is not a plain name (letters, digits, _ or -)")
    assert isinstance(value, str)
    return value


def check_document_id(document: str) -> None:
    """Refuse a state document id that is not a plain name (both state stores)."""
    if not DOCUMENT_ID_RE.match(document) or ".." in document:
        raise BackendError(f"document id {document!r} is not a plain name")


@dataclass(frozen=True, order=True)
class TableName:
    """A `dataset.table` reference whose parts are validated identifiers."""

    dataset: str
    table: str

    @classmethod
    def parse(cls, value: object, what: str = "table") -> TableName:
        if not isinstance(value, str) or value.count(".") != 1:
            raise ConfigError(f"{what} {value!r} must be written dataset.table")
        dataset, table = value.split(".")
        return cls(check_identifier(dataset, f"{what} dataset"), check_identifier(table, what))

    def __str__(self) -> str:
        return f"{self.dataset}.{self.table}"
