"""A deterministic synthetic slice of the 2025-26 NBA season in pipeval's embedded mode.

`build_sample(path)` writes `path/warehouse.duckdb` (one DuckDB schema per BigQuery dataset, plus
`bq_meta` for job and table metadata) and `path/state/<collection>/<YYYY-MM-DD>.json`
(Firestore-shaped completion documents), with the seeds' incidents on the dates named in
`pipeval.sample.incidents`.
"""

from __future__ import annotations

from pipeval.sample.build import SampleInfo, build_sample

__all__ = ["SampleInfo", "build_sample"]
