"""Adapters behind the ports. Cloud clients are imported only when their URL is used."""

from __future__ import annotations

from urllib.parse import SplitResult, parse_qs, urlsplit

from pipeval.errors import InputError
from pipeval.ports import Deployments, StateStore, Warehouse
from pipeval.redact import redact_url

WAREHOUSE_SCHEMES = ("duckdb:///PATH", "bigquery://PROJECT?location=REGION")
STATE_SCHEMES = ("dir:///PATH", "firestore://PROJECT[/DATABASE]")
DEPLOY_SCHEMES = ("run://PROJECT", "dir:///PATH")


def _path_part(url: str, scheme: str) -> str:
    path = url[len(scheme) + 3 :]
    if not path:
        raise InputError(f"{url!r} names no path: use {scheme}:///PATH")
    return path


def _split(url: str, what: str) -> SplitResult:
    try:
        parts = urlsplit(url)
    except ValueError as err:
        raise InputError(f"{what} URL {redact_url(url)!r} is malformed: {err}") from None
    # A password in a URL ends up in shell history, CI logs and reports: refuse it.
    if "@" in parts.netloc:
        raise InputError(
            f"{what} URL {redact_url(url)!r}: credentials in the URL are not supported; "
            "use --credentials FILE or Application Default Credentials"
        )
    return parts


def open_warehouse(url: str, **options: object) -> Warehouse:
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme == "duckdb":
        from pipeval.adapters.duckdb_warehouse import DuckDBWarehouse

        return DuckDBWarehouse(_path_part(url, scheme), url=url)
    if scheme == "bigquery":
        parts = _split(url, "warehouse")
        if not parts.netloc:
            raise InputError(f"warehouse URL {url!r} names no project: bigquery://PROJECT")
        query = parse_qs(parts.query)
        location = query.get("location", [None])[0]
        from pipeval.adapters.bigquery_warehouse import BigQueryWarehouse

        # The URL is shown in every report: without the values of unknown parameters.
        shown = redact_url(url)
        return BigQueryWarehouse(parts.netloc, location=location, url=shown, **options)
    raise InputError(
        f"warehouse URL {redact_url(url)!r}: expected one of {', '.join(WAREHOUSE_SCHEMES)}"
    )


def open_state(url: str, **options: object) -> StateStore:
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme == "dir":
        from pipeval.adapters.dir_store import DirStore

        return DirStore(_path_part(url, scheme), url=url)
    if scheme == "firestore":
        parts = _split(url, "state")
        if not parts.netloc:
            raise InputError(f"state URL {url!r} names no project: firestore://PROJECT[/DATABASE]")
        database = parts.path.strip("/") or None
        from pipeval.adapters.firestore_store import FirestoreStore

        return FirestoreStore(parts.netloc, database=database, url=redact_url(url), **options)
    raise InputError(f"state URL {redact_url(url)!r}: expected one of {', '.join(STATE_SCHEMES)}")


def open_deployments(url: str, **options: object) -> Deployments:
    if not url.strip():
        raise InputError(f"deploy URL {url!r} is empty: use {' or '.join(DEPLOY_SCHEMES)}")
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme == "dir":
        from pipeval.adapters.dir_deployments import DirDeployments

        return DirDeployments(_path_part(url, scheme), url=url)
    if scheme == "run":
        parts = _split(url, "deploy")
        if not parts.netloc:
            raise InputError(f"deploy URL {redact_url(url)!r} names no project: run://PROJECT")
        if parts.path.strip("/") or parts.query:
            raise InputError(
                f"deploy URL {redact_url(url)!r}: expected run://PROJECT (regions come from "
                "the profile's services)"
            )
        from pipeval.adapters.cloud_run_deployments import CloudRunDeployments

        return CloudRunDeployments(parts.netloc, url=redact_url(url), **options)
    raise InputError(f"deploy URL {redact_url(url)!r}: expected one of {', '.join(DEPLOY_SCHEMES)}")
