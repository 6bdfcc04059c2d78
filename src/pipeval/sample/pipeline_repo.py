"""The sample's pipeline repository: a DDL folder and a writer module beside the warehouse.

It reproduces seed 003: the prediction worker writes eight fields that were added to BigQuery
at runtime with `ALTER TABLE` and never written back to the schema SQL file, so they are in the
code and in the live table but not in the DDL. `profile.yaml` (extends the shipped profile)
points pipeval's `schema:` section at both, with paths relative to itself:

    pipeval schema --profile DIR/pipeline/profile.yaml --warehouse duckdb:///DIR/warehouse.duckdb
"""

from __future__ import annotations

from pathlib import Path

DDL_PATH = "schemas/bigquery/predictions/01_player_prop_predictions.sql"
MIGRATION_PATH = "schemas/bigquery/predictions/migrations/2025_11_04_add_is_active.sql"
WRITER_PATH = "predictions/worker/prediction_writer.py"
WRITER_FUNCTION = "PredictionWriter.build_record"
PROFILE_PATH = "profile.yaml"

# The eight fields of seed 003: written by the worker, live in BigQuery, absent from the DDL.
DRIFT_FIELDS = (
    "feature_importance",
    "filter_reason",
    "is_actionable",
    "line_minutes_before_game",
    "model_version",
    "teammate_opportunity_score",
    "teammate_out_starters",
    "teammate_usage_boost",
)

DDL = """\
-- nba_predictions.player_prop_predictions
-- One row per (player, game, prediction system). Written by predictions/worker.
-- Deploy: bq query --use_legacy_sql=false < this file; then the migrations/ folder in order.

CREATE TABLE IF NOT EXISTS `nba-props-platform.nba_predictions.player_prop_predictions` (
  prediction_id STRING OPTIONS(description = "UUID of this prediction row"),
  game_id STRING OPTIONS(description = "YYYYMMDD_AWAY_HOME"),
  game_date DATE OPTIONS(description = "Game date (partition column)"),
  player_lookup STRING OPTIONS(description = "Normalised player name, e.g. lebronjames"),
  system_id STRING OPTIONS(description = "Prediction system: catboost_v8, ensemble_v1, ..."),
  current_points_line NUMERIC(4,1) OPTIONS(description = "Points line when predicted; NULL = none"),
  /* is_active arrives with the 2025-11-04 migration */
  created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP() OPTIONS(description = "Row creation (UTC)")
)
PARTITION BY game_date
CLUSTER BY system_id, player_lookup
OPTIONS (
  description = "Phase 5 player points predictions",
  require_partition_filter = TRUE
);
"""

MIGRATION = """\
-- Superseded predictions are kept and flagged instead of deleted (DML quota, seed 002).
ALTER TABLE `nba-props-platform.nba_predictions.player_prop_predictions`
  ADD COLUMN IF NOT EXISTS is_active BOOL OPTIONS(description = "FALSE once superseded");
"""

WRITER = '''\
"""Prediction worker: turns one model output into the row written to BigQuery."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

from google.cloud import bigquery

TABLE_ID = "nba-props-platform.nba_predictions.player_prop_predictions"
MODEL_VERSION = "catboost_v8.3"


class PredictionWriter:
    def __init__(self, client: bigquery.Client) -> None:
        self.client = client

    def _identity(self, prediction: dict) -> dict:
        return {
            "prediction_id": str(uuid.uuid4()),
            "game_id": prediction["game_id"],
            "game_date": prediction["game_date"],
            "player_lookup": prediction["player_lookup"],
            "system_id": prediction["system_id"],
        }

    def build_record(self, prediction: dict, line: dict | None, teammates: dict | None) -> dict:
        record = self._identity(prediction)
        record.update(
            current_points_line=line["points"] if line else None,
            is_active=True,
            created_at=datetime.now(timezone.utc).isoformat(),
        )
        importance = {name: round(value, 4) for name, value in prediction["shap"].items()}
        record["feature_importance"] = json.dumps({"model": MODEL_VERSION, "shap": importance})
        record["model_version"] = MODEL_VERSION
        if line is None:
            record["is_actionable"] = False
            record["filter_reason"] = "no_line"
        else:
            record.update({
                "is_actionable": prediction["edge"] >= 1.5,
                "filter_reason": None if prediction["edge"] >= 1.5 else "low_edge",
                "line_minutes_before_game": line["minutes_before_game"],
            })
        if teammates:
            # Added at runtime in January with ALTER TABLE ... ADD COLUMN, never in the .sql file.
            record.update({
                "teammate_out_starters": teammates["out_starters"],
                "teammate_usage_boost": teammates["usage_boost"],
                "teammate_opportunity_score": teammates["opportunity"],
            })
        record["debug"] = None  # placeholder, removed before the write
        record.pop("debug")
        return record

    def write_batch(self, records: list[dict]) -> None:
        job_config = bigquery.LoadJobConfig(
            write_disposition="WRITE_APPEND",
            source_format=bigquery.SourceFormat.NEWLINE_DELIMITED_JSON,
        )
        self.client.load_table_from_json(records, TABLE_ID, job_config=job_config).result()
'''

PROFILE = f"""\
# The sample pipeline's profile: the shipped nba-props contract plus where its schema lives.
# Paths are relative to this file.
extends: nba-props
schema:
  - table: nba_predictions.player_prop_predictions
    ddl: {DDL_PATH}
    migrations:
      - {MIGRATION_PATH}
    writers:
      - {WRITER_PATH}::{WRITER_FUNCTION}
"""


def write_pipeline_repo(root: Path) -> Path:
    """Write the pipeline repository under `root`; returns the path of its profile file."""
    root = Path(root)
    for relative, text in (
        (DDL_PATH, DDL),
        (MIGRATION_PATH, MIGRATION),
        (WRITER_PATH, WRITER),
        (PROFILE_PATH, PROFILE),
    ):
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")
    return root / PROFILE_PATH
