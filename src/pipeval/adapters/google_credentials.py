"""Google credentials from a key file, shared by the BigQuery and Firestore adapters.

Errors never echo the file's path or content: a key file pasted in the wrong place must not
end up in a report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeval.errors import BackendError
from pipeval.files import LIMITS, read_bytes, regular_file_problem

SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)


def load_credentials(path: str | Path) -> Any:
    """A service-account key or an authorized-user file (`gcloud auth application-default
    login`). Other kinds go through Application Default Credentials."""
    from google.auth import exceptions as auth_errors
    from google.oauth2 import credentials as user_credentials
    from google.oauth2 import service_account

    loaders = {
        "service_account": service_account.Credentials.from_service_account_info,
        "authorized_user": user_credentials.Credentials.from_authorized_user_info,
    }
    problem = regular_file_problem(Path(path))
    if problem == "file not found":
        raise BackendError("--credentials: no such file")
    if problem is not None:
        # A FIFO or /dev/zero would block or fill memory; the reason, never the path.
        raise BackendError(f"--credentials: {problem}")
    try:
        data = read_bytes(Path(path), "--credentials", BackendError, LIMITS["credentials"])
    except BackendError as err:
        # The reader's line names the path: keep only its reason.
        raise BackendError(f"--credentials: {str(err).rpartition(': ')[2]}") from None
    try:
        info = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BackendError("--credentials: not a readable JSON file") from None
    kind = info.get("type") if isinstance(info, dict) else None
    if kind not in loaders:
        raise BackendError(
            "--credentials: expected a service_account or authorized_user JSON file "
            "(for other kinds set GOOGLE_APPLICATION_CREDENTIALS instead)"
        )
    try:
        return loaders[kind](info, scopes=list(SCOPES))
    except (auth_errors.GoogleAuthError, ValueError, KeyError):
        raise BackendError(f"--credentials: not a valid {kind} credentials file") from None
