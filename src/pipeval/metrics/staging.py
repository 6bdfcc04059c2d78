"""Staging tables from the TABLES metadata view (no data is read): name prefix and age."""

from __future__ import annotations

from datetime import datetime

from pipeval.profile.model import Profile
from pipeval.query import Query
from pipeval.sqlcache import cached_sql
from pipeval.sqlkit import info_schema, render

STAGING_SQL = """
SELECT table_schema AS dataset_id, table_name AS table_id, creation_time
FROM _t_tables
WHERE STARTS_WITH(table_name, @prefix) AND creation_time <= @as_of
"""


def staging_query(profile: Profile, as_of: datetime) -> Query:
    prefix = profile.thresholds.hygiene.staging_prefix
    sql = _staging_sql(profile.warehouse.region)
    return Query.of(sql, label="hygiene:staging_tables", prefix=prefix, as_of=as_of)


@cached_sql
def _staging_sql(region: str) -> str:
    return render(STAGING_SQL, {"tables": info_schema(region, "TABLES")})
