"""The production deployments: Cloud Run Admin API v2 through `google-cloud-run`, read-only.

`run://PROJECT`. A gen2 Cloud Function is a Cloud Run service of the same name, so one call,
`services.get`, describes both. The client uses the REST transport; `PIPEVAL_RUN_ENDPOINT`
(e.g. `http://127.0.0.1:8080`) points it at another endpoint, as `BIGQUERY_EMULATOR_HOST`
does for BigQuery: a plain-http endpoint is a local server and gets anonymous credentials, so
no token ever travels unencrypted. `google.cloud.run_v2` is imported here only, when a run://
URL is opened.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pipeval.adapters.service_resource import parse_service
from pipeval.errors import BackendError, PermissionDeniedError, first_line
from pipeval.identifiers import SERVICE_NAME_RE, check_identifier
from pipeval.permissions import describe_grant, role_for
from pipeval.ports import DeployedService

ENDPOINT_ENV = "PIPEVAL_RUN_ENDPOINT"
READ_PERMISSION = "run.services.get"
DEFAULT_TIMEOUT_S = 30.0


class CloudRunDeployments:
    def __init__(
        self,
        project: str,
        url: str | None = None,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        credentials: Any = None,
        credentials_file: str | Path | None = None,
        endpoint: str | None = None,
        retry_initial_s: float = 1.0,
        retry_maximum_s: float = 10.0,
        client: Any = None,
    ) -> None:
        self.project = check_identifier(project, "Cloud Run project")
        self.url = url or f"run://{project}"
        self.timeout_s = float(timeout_s)
        self.retry_initial_s = retry_initial_s
        self.retry_maximum_s = retry_maximum_s
        self.client = client or self._make_client(credentials, credentials_file, endpoint)

    def _make_client(
        self, credentials: Any, credentials_file: str | Path | None, endpoint: str | None
    ) -> Any:
        from google.api_core.client_options import ClientOptions
        from google.auth import exceptions as auth_errors
        from google.cloud import run_v2

        api_endpoint = endpoint or os.environ.get(ENDPOINT_ENV) or None
        if credentials is None and credentials_file:
            from pipeval.adapters.google_credentials import load_credentials

            credentials = load_credentials(credentials_file)
        if credentials is None and api_endpoint and api_endpoint.startswith("http://"):
            from google.auth.credentials import AnonymousCredentials

            credentials = AnonymousCredentials()
        options = ClientOptions(api_endpoint=api_endpoint) if api_endpoint else None
        try:
            return run_v2.ServicesClient(
                credentials=credentials, client_options=options, transport="rest"
            )
        except auth_errors.DefaultCredentialsError:
            raise BackendError(
                "no Google credentials for Cloud Run: run `gcloud auth application-default "
                "login` or set GOOGLE_APPLICATION_CREDENTIALS"
            ) from None

    def _retry(self) -> Any:
        from google.api_core import exceptions as api_errors
        from google.api_core import retry

        # 503 and 429 are transient; a 403 or 404 is an answer.
        return retry.Retry(
            predicate=retry.if_exception_type(
                api_errors.ServiceUnavailable, api_errors.TooManyRequests
            ),
            initial=self.retry_initial_s,
            maximum=self.retry_maximum_s,
            timeout=self.timeout_s,
        )

    def describe(self, service: str, region: str) -> DeployedService | None:
        from google.api_core import exceptions as api_errors
        from google.cloud import run_v2

        if not SERVICE_NAME_RE.match(service):
            raise BackendError(f"service name {service!r} is not a Cloud Run service name")
        check_identifier(region, "Cloud Run region")
        name = f"projects/{self.project}/locations/{region}/services/{service}"
        try:
            resource = self.client.get_service(
                name=name, retry=self._retry(), timeout=self.timeout_s
            )
        except api_errors.NotFound:
            return None
        except (api_errors.PermissionDenied, api_errors.Forbidden) as err:
            # REST answers 403 (Forbidden); gRPC would say PERMISSION_DENIED.
            role = role_for(READ_PERMISSION)
            raise PermissionDeniedError(
                f"permission denied reading Cloud Run service {service} in {region}: needs "
                f"{READ_PERMISSION}; grant {describe_grant(role)} on project {self.project} "
                f"({_message(err)})",
                permission=READ_PERMISSION,
                role=role,
            ) from None
        except api_errors.RetryError as err:
            cause = _message(err.cause) if err.cause is not None else "no answer"
            raise BackendError(
                f"Cloud Run kept failing for service {service} after retries: {cause}"
            ) from None
        except api_errors.GoogleAPICallError as err:
            raise BackendError(f"Cloud Run refused service {service}: {_message(err)}") from None
        except Exception as err:  # transport errors: refused connections, TLS, DNS
            raise BackendError(
                f"Cloud Run unreachable for service {service}: {first_line(err)}"
            ) from None
        return parse_service(json.loads(run_v2.Service.to_json(resource)), name)


def _message(err: BaseException) -> str:
    text = getattr(err, "message", None) or str(err)
    # REST errors start with the request ("GET http://...: "): the API's message is the news.
    return first_line(str(text).split(": ", 1)[-1] if str(text).startswith("GET ") else text)
