"""The embedded state store: `<root>/<collection>/<document-id>.json`, read-only."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from pipeval.errors import BackendError, PipevalError
from pipeval.files import LIMITS, read_bytes, read_regular
from pipeval.identifiers import check_document_id, check_identifier

# Completion documents are a map of maps; far deeper is no document pipeval can judge, and
# numbers beyond 64 bits are no count or timestamp (printing one can exceed Python's limit).
MAX_DEPTH = 32
MAX_INT = 2**63


class _HugeNumber(ValueError):
    pass


def _bounded_int(text: str) -> int:
    # Checked on the digits, before int() (which refuses past 4,300 digits with a long hint).
    if len(text.lstrip("-")) > 19:
        raise _HugeNumber(text[:20])
    value = int(text)
    if abs(value) >= MAX_INT:
        raise _HugeNumber(text[:20])
    return value


# One decoder for every document: json.loads builds one per call when given `parse_int`.
_DECODER = json.JSONDecoder(parse_int=_bounded_int)


def _loads(text: str) -> Any:
    """`json.loads(text, parse_int=_bounded_int)`, on the one decoder."""
    if text.startswith("\ufeff"):  # json.loads refuses a BOM before decoding: so does this
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    return _DECODER.decode(text)


def shape_problem(data: Any) -> str | None:
    """Why a decoded document is too deep or holds an absurd number, else None (no recursion)."""
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_DEPTH:
            return f"nested deeper than {MAX_DEPTH} levels"
        if isinstance(value, dict):
            pending.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= MAX_INT:
            return "holds an integer beyond 64 bits"
    return None


class DirStore:
    def __init__(self, root: str | Path, url: str | None = None) -> None:
        self.root = Path(root)
        self.url = url or f"dir:///{self.root}"
        if not self.root.exists():
            raise BackendError(f"state directory not found: {self.root}")
        if not self.root.is_dir():
            raise BackendError(f"state path {self.root} is not a directory")
        # Resolved once: a run reads hundreds of documents, each checked against the root.
        self._real_root = os.path.join(os.path.realpath(self.root), "")
        self._real_folders: dict[str, str] = {}
        self._folders: dict[str, Path] = {}

    def _real_folder(self, collection: str) -> str:
        found = self._real_folders.get(collection)
        if found is None:
            found = os.path.realpath(self._collection(collection), strict=True)
            self._real_folders[collection] = found
        return found

    def _collection(self, collection: str) -> Path:
        # Checked and joined once per collection: a run reads hundreds of its documents.
        folder = self._folders.get(collection)
        if folder is None:
            folder = self.root / check_identifier(collection, "collection")
            self._folders[collection] = folder
        return folder

    def get(self, collection: str, document: str) -> dict[str, Any] | None:
        check_document_id(document)
        # Plain strings, not Path objects: joined once per document (a run reads hundreds).
        name = f"{document}.json"
        path = os.path.join(self._collection(collection), name)
        try:
            mode = os.lstat(path).st_mode
        except (OSError, ValueError):  # what os.path.lexists reads as absent
            return None
        try:
            # Symlinks are followed only within the root: a link must not read other files.
            # A document that is no link lies where its folder really is: the folder is
            # resolved once per collection, not once per document (a run reads hundreds).
            if stat.S_ISLNK(mode):
                real = os.path.realpath(path, strict=True)
            else:
                real = os.path.join(self._real_folder(collection), name)
            inside = real.startswith(self._real_root)
        except (OSError, RuntimeError) as err:
            reason = getattr(err, "strerror", None) or "a symlink loop"
            raise BackendError(f"state document {path} is unreadable ({reason})") from None
        if not inside:
            raise BackendError(f"state document {path} points outside the state directory")
        try:
            raw = self._read(path, mode)
        except BackendError as err:
            reason = str(err).rpartition(": ")[2]
            raise BackendError(f"state document {path} is unreadable ({reason})") from None
        try:
            data = _loads(raw.decode("utf-8"))
        except _HugeNumber:
            raise BackendError(f"state document {path}: holds an integer beyond 64 bits") from None
        except RecursionError:
            raise BackendError(f"state document {path} is nested too deeply") from None
        except (UnicodeDecodeError, ValueError) as err:
            # ValueError also covers an integer over Python's digit limit.
            raise BackendError(f"state document {path} is not valid JSON: {err}") from None
        if not isinstance(data, dict):
            raise BackendError(f"state document {path} must hold a JSON object")
        # Integers were bounded while parsing; depth needs a walk only when the text has more
        # opening brackets than the limit (a completion document has a handful).
        deep = raw.count(b"{") + raw.count(b"[") > MAX_DEPTH
        problem = shape_problem(data) if deep else None
        if problem:
            raise BackendError(f"state document {path}: {problem}")
        return data

    def get_many(
        self, collection: str, documents: list[str]
    ) -> dict[str, dict[str, Any] | PipevalError | None]:
        """`get` for each id, in order: the same checks on every file (local reads gain nothing
        from a batch); a document `get` refuses maps to that error, so it fails only itself."""
        self._collection(collection)  # a refused collection: no document can be read
        found: dict[str, dict[str, Any] | PipevalError | None] = {}
        for document in documents:
            try:
                found[document] = self.get(collection, document)
            except PipevalError as err:
                found[document] = err
        return found

    def _read(self, path: str, mode: int) -> bytes:
        if stat.S_ISREG(mode):
            # The lstat saw a regular file, no link: not stat'ed again (a run reads hundreds).
            # O_NOFOLLOW and the type checked on the open file refuse a swap since.
            return read_regular(
                path, "state document", BackendError, LIMITS["state"], os.O_NOFOLLOW
            )
        return read_bytes(path, "state document", BackendError, LIMITS["state"])

    def list(self, collection: str) -> list[str]:
        folder = self._collection(collection)
        if not folder.is_dir():
            return []
        return sorted(path.stem for path in folder.glob("*.json"))
