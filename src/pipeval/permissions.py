"""Google Cloud permissions pipeval needs and the predefined roles that grant them, once.

Adapters name the role when a request is refused; checks repeat it in their reasons. Both read
these tables, so a role is spelled one way everywhere: `Title (roles/id)`.
"""

from __future__ import annotations

ROLE_TITLES = {
    "roles/bigquery.resourceViewer": "BigQuery Resource Viewer",
    "roles/bigquery.jobUser": "BigQuery Job User",
    "roles/bigquery.dataViewer": "BigQuery Data Viewer",
    "roles/datastore.viewer": "Cloud Datastore Viewer",
    "roles/run.viewer": "Cloud Run Viewer",
}
# A permission a request was refused for -> the predefined role that holds it.
ROLE_FOR_PERMISSION = {
    "bigquery.jobs.listAll": "roles/bigquery.resourceViewer",
    "bigquery.jobs.create": "roles/bigquery.jobUser",
    "bigquery.tables.getData": "roles/bigquery.dataViewer",
    "bigquery.tables.get": "roles/bigquery.dataViewer",
    "bigquery.tables.list": "roles/bigquery.dataViewer",
    "bigquery.datasets.get": "roles/bigquery.dataViewer",
    "datastore.entities.get": "roles/datastore.viewer",
    "datastore.entities.list": "roles/datastore.viewer",
    "run.services.get": "roles/run.viewer",
}
# Reading INFORMATION_SCHEMA.JOBS_BY_PROJECT needs this permission (job metadata only).
JOBS_PERMISSION = "bigquery.jobs.listAll"


def role_for(permission: str) -> str:
    """The role id that grants `permission`, or "" when pipeval knows none."""
    return ROLE_FOR_PERMISSION.get(permission, "")


def describe_grant(role: str) -> str:
    """`BigQuery Resource Viewer (roles/bigquery.resourceViewer)` for a role id."""
    title = ROLE_TITLES.get(role)
    return f"{title} ({role})" if title else role
