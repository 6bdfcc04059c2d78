"""The production state store: google-cloud-firestore, read-only.

`firestore://PROJECT[/DATABASE]`; credentials come from Application Default Credentials (or a
key file), and `FIRESTORE_EMULATOR_HOST` points the client at a local emulator, as it does for
every Google client. Only `get`, `get_many` (one BatchGetDocuments call for a range's documents)
and `list` exist: pipeval never writes state. Documents come back
as plain dicts (timestamps as aware UTC datetimes), so checks never see a client type.
`google.cloud.firestore` is imported here only, when a firestore:// URL is opened.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeval.errors import BackendError, PermissionDeniedError, PipevalError, first_line
from pipeval.identifiers import check_document_id, check_identifier
from pipeval.permissions import describe_grant, role_for

if TYPE_CHECKING:
    from google.cloud import firestore

DEFAULT_TIMEOUT_S = 30.0
READ_PERMISSION = "datastore.entities.get"
# Documents per BatchGetDocuments call. Firestore documents no cap on this call; a bound keeps
# each call's answer stream (and its deadline) the size of a season's dates, however long the
# range (a season is ~170 dates per collection: one call).
BATCH_SIZE = 500


class FirestoreStore:
    def __init__(
        self,
        project: str,
        database: str | None = None,
        url: str | None = None,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        credentials: Any = None,
        credentials_file: str | Path | None = None,
        client: firestore.Client | None = None,
    ) -> None:
        self.project = check_identifier(project, "Firestore project")
        self.database = check_identifier(database, "Firestore database") if database else None
        self.url = url or f"firestore://{project}" + (f"/{database}" if database else "")
        self.timeout_s = float(timeout_s)
        self.client = client or self._make_client(credentials, credentials_file)

    def _make_client(self, credentials: Any, credentials_file: str | Path | None) -> Any:
        from google.auth import exceptions as auth_errors
        from google.cloud import firestore

        if credentials is None and credentials_file:
            from pipeval.adapters.google_credentials import load_credentials

            credentials = load_credentials(credentials_file)
        try:
            return firestore.Client(
                project=self.project, database=self.database, credentials=credentials
            )
        except auth_errors.DefaultCredentialsError:
            raise BackendError(
                "no Google credentials for Firestore: run `gcloud auth application-default "
                "login` or set GOOGLE_APPLICATION_CREDENTIALS"
            ) from None

    def get(self, collection: str, document: str) -> dict[str, Any] | None:
        """One document as a plain dict, or None when it does not exist."""
        check_document_id(document)
        path = f"{check_identifier(collection, 'collection')}/{document}"
        reference = self.client.collection(collection).document(document)
        try:
            snapshot = reference.get(retry=self._retry(), timeout=self.timeout_s)
        except Exception as err:
            raise self._translate(err, path) from None
        if not snapshot.exists:
            return None
        return plain(snapshot.to_dict() or {})

    def get_many(
        self, collection: str, documents: list[str]
    ) -> dict[str, dict[str, Any] | PipevalError | None]:
        """Documents of one collection as `get` returns each, in one `get_all` call (one
        BatchGetDocuments round trip per BATCH_SIZE ids) instead of one call per document. An
        id `get` refuses maps to that error and is not sent; a failed call (unreachable, no
        permission) fails the whole read, as it would fail every document."""
        if not documents:
            return {}
        check_identifier(collection, "collection")
        found: dict[str, dict[str, Any] | PipevalError | None] = dict.fromkeys(documents)
        for document in found:  # refused as `get` refuses, before anything is sent
            try:
                check_document_id(document)
            except PipevalError as err:
                found[document] = err
        folder = self.client.collection(collection)
        # The ids once each (the server answers a repeated one once), the refused ones left out.
        names = [name for name, value in found.items() if value is None]
        for start in range(0, len(names), BATCH_SIZE):
            chunk = names[start : start + BATCH_SIZE]
            # Named like `get`'s path for one id; a batch names its first id and how many more.
            path = f"{collection}/{chunk[0]}"
            if len(chunk) > 1:
                path += f" and {len(chunk) - 1} more"
            references = [folder.document(name) for name in chunk]
            try:
                # Snapshots come back in any order, one per id, `exists` false for a missing one.
                for snapshot in self.client.get_all(
                    references, retry=self._retry(), timeout=self.timeout_s
                ):
                    if snapshot.exists:
                        found[snapshot.id] = plain(snapshot.to_dict() or {})
            except Exception as err:
                raise self._translate(err, path) from None
        return found

    def list(self, collection: str) -> list[str]:
        """Document ids of a collection, sorted (names only: no field is read)."""
        query = self.client.collection(check_identifier(collection, "collection")).select([])
        try:
            ids = [
                snapshot.id
                for snapshot in query.stream(retry=self._retry(), timeout=self.timeout_s)
            ]
        except Exception as err:
            raise self._translate(err, collection) from None
        return sorted(ids)

    def close(self) -> None:
        self.client.close()

    def _retry(self) -> Any:
        from google.api_core import retry as api_retry

        # Transient errors are retried, within the same bound as the call itself.
        return api_retry.Retry(
            predicate=api_retry.if_transient_error, timeout=self.timeout_s, initial=0.2
        )

    def _translate(self, err: BaseException, path: str) -> PipevalError:
        from google.api_core import exceptions as api_errors
        from google.auth import exceptions as auth_errors

        where = f"Firestore {self.url} ({path})"
        if isinstance(err, PipevalError):
            return err
        if isinstance(err, api_errors.RetryError | api_errors.DeadlineExceeded | TimeoutError):
            return BackendError(f"{where}: no answer within {self.timeout_s:g} s (unreachable?)")
        if isinstance(err, api_errors.PermissionDenied | api_errors.Forbidden):
            role = role_for(READ_PERMISSION)
            return PermissionDeniedError(
                f"permission denied reading {where}: needs {READ_PERMISSION}; "
                f"grant {describe_grant(role)}",
                permission=READ_PERMISSION,
                role=role,
            )
        if isinstance(err, api_errors.NotFound):
            return BackendError(f"{where}: database not found in project {self.project}")
        if isinstance(err, api_errors.Unauthenticated | auth_errors.GoogleAuthError):
            return BackendError(f"cannot authenticate to {where}: {first_line(err)}")
        if isinstance(err, api_errors.GoogleAPICallError):
            return BackendError(f"{where}: {err.code or ''} {first_line(err)}".replace("  ", " "))
        return BackendError(f"{where}: {type(err).__name__}: {first_line(err)}")


def plain(value: Any) -> Any:
    """Firestore values as plain Python: aware UTC datetimes, dicts, lists, reference paths."""
    if isinstance(value, datetime):
        # DatetimeWithNanoseconds -> datetime; Firestore instants are UTC.
        moment = datetime.combine(value.date(), value.timetz())
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if hasattr(value, "latitude") and hasattr(value, "longitude"):
        return {"latitude": value.latitude, "longitude": value.longitude}
    path = getattr(value, "path", None)
    if isinstance(path, str) and hasattr(value, "parent"):
        return path  # a DocumentReference
    return value
