"""quota.*: BigQuery per-table quotas over the rolling window that ends at --as-of.

- quota.table_operations (quota_operations.py): load + copy + query-append jobs per destination
  table (failed ones count, DML does not) vs 1,500. WARN >= 80 %, FAIL >= 95 % or when the last
  hour's rate would reach the limit within the window.
- quota.partition_modifications (quota_partitions.py): `total_modified_partitions` of the same
  jobs per table vs 30,000 (column-partitioned) / 11,000 (ingestion-time). Same grading (the
  rolling usage both share: quota_usage.py).
- quota.dml_queue (quota_dml.py): running + pending UPDATE/DELETE/MERGE per table vs 2 running +
  20 queued.
- quota.errors (quota_errors.py): jobs that failed with quotaExceeded / rateLimitExceeded, by
  table. FAIL if any.
- quota.regions (quota_regions.py): the regions read hold the pipeline's jobs.

All read one batched statement per region over the jobs view (metrics/jobs.py). These quotas refill
continuously over 24 h, not at midnight Pacific, so the report says when a table is back under.
"""

from __future__ import annotations

from pipeval.checks.base import Check
from pipeval.checks.quota_dml import DmlQueue
from pipeval.checks.quota_errors import QuotaErrors
from pipeval.checks.quota_operations import TableOperations
from pipeval.checks.quota_partitions import PartitionModifications
from pipeval.checks.quota_regions import JobRegions
from pipeval.profile.model import Profile


def checks_for(profile: Profile) -> list[Check]:
    return [TableOperations(), PartitionModifications(), DmlQueue(), QuotaErrors(), JobRegions()]
