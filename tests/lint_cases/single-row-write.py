# Cases of the lint rule `single-row-write`, run by tests/test_lint_cases.py (one loader for every rule).
# Each case starts at a `# case: <name>` line and is linted on its own, as a file of its own.
# A line ending in `# hit` must give exactly one WARN finding of this rule, `# hit FAIL` one
# FAIL, `# hit INFO` one INFO; every other line none. A case without marks is a clean case.
# Written for pipeval in its own words; the shapes follow the seeds and the real pipeline.

# case: seed 004: streaming insert of one record
class AnalyticsBase:
    def log_quality_issue(self, table_id, record):
        self.bq_client.insert_rows_json(table_id, [record])  # hit

# case: seed 004: one-record load job, multi-line call
from google.cloud import bigquery

def log_processing_run(self, table_id, record):
    job_config = bigquery.LoadJobConfig(
        write_disposition=bigquery.WriteDisposition.WRITE_APPEND, autodetect=True
    )
    load_job = self.bq_client.load_table_from_json(  # hit
        [record],
        table_id,
        job_config=job_config,
    )
    load_job.result()

# case: seed 000: hot table as a literal
def record_run(client, row):
    client.load_table_from_json(  # hit FAIL
        [row], "nba-props-platform.nba_reference.processor_run_history"
    ).result()

# case: seed 000: hot table through a module constant f-string
PROJECT = "nba-props-platform"
RUN_HISTORY = f"{PROJECT}.nba_reference.processor_run_history"

class RunHistoryMixin:
    def _write(self, record):
        self.bq_client.load_table_from_json([record], RUN_HISTORY).result()  # hit FAIL

# case: hot table through a local variable, keyword arguments
def save(client, prediction):
    table_id = "`nba_predictions.player_prop_predictions`"
    client.load_table_from_json(json_rows=[prediction], destination=table_id)  # hit FAIL

# case: seed 001: write helper called with one row
def log_pipeline_event(event_type, processor, payload):
    single_row = {"event_type": event_type, "processor": processor, **payload}
    insert_bigquery_rows([single_row])  # hit

# case: seed 003: load_table_from_json([single_record])
def write(bq, table, single_record):
    return bq.load_table_from_json([single_record], table)  # hit

# case: alias of the method
def flush(client, row, t):
    write = client.load_table_from_json
    write([row], t)  # hit

# case: alias of the rows
def flush(client, record, t):
    rows = [record]
    client.insert_rows_json(t, rows)  # hit

# case: one-row DataFrame built inline
import pandas as pd

def save(client, row, t):
    client.load_table_from_dataframe(pd.DataFrame([row]), t)  # hit

# case: one-row DataFrame of scalar columns, through a local, to a hot table
import pandas as pd

def save(client, pid, line):
    frame = pd.DataFrame({"prediction_id": [pid], "current_points_line": [line]})
    table = "nba_predictions.player_prop_predictions"
    client.load_table_from_dataframe(frame, table)  # hit FAIL

# case: insert_rows with a one-tuple, table from get_table of a hot table
def mark(client, row):
    table = client.get_table("nba_reference.processor_run_history")
    client.insert_rows(table, (row,))  # hit FAIL

# case: helper imported under another name
from shared.utils.bigquery_utils import insert_bigquery_rows as log_event

def on_done(event):
    log_event("nba_orchestration.pipeline_event_log", [event])  # hit

# case: a class attribute is not a name the method can see (so the table is unresolved)
class Writer:
    TABLE = "nba_reference.processor_run_history"

    def write(self, client, row):
        client.insert_rows_json(TABLE, [row])  # hit

# case: a suppression for another rule does not suppress this one
def f(client, t, r):
    client.insert_rows_json(t, [r])  # pipeval: ignore[write-in-loop]  # hit

# case: batch of rows from a parameter
def flush(client, rows, t):
    client.load_table_from_json(rows, t).result()

# case: two rows
client.insert_rows_json(t, [first, second])

# case: unpacked rows
client.insert_rows_json(t, [*pending])

# case: comprehension of rows
client.load_table_from_json([r.to_dict() for r in runs], t)

# case: rows alias that grows before the write
def flush(client, first, second, t):
    rows = [first]
    rows.append(second)
    client.insert_rows_json(t, rows)

# case: rows alias rebound to a batch
def flush(client, record, t):
    rows = [record]
    rows = load_pending()
    client.insert_rows_json(t, rows)

# case: suppressed on the line
client.insert_rows_json(t, [r])  # pipeval: ignore[single-row-write]

# case: suppressed on the last line of a multi-line call
client.load_table_from_json(
    [record], RUN_HISTORY
)  # pipeval: ignore[single-row-write, write-in-loop]

# case: seed 000's fix: the batch writer buffers one record
def record_run(self, record):
    self.batch_writer.add_record(record)

# case: list.insert is not a write
items.insert(0, [x])

# case: frame of many rows
import pandas as pd

def save(client, rows, t):
    client.load_table_from_dataframe(pd.DataFrame(rows), t)

# case: the helper's own definition
def insert_bigquery_rows(table_id, rows):
    client.insert_rows_json(table_id, rows)

# case: the pattern only in a docstring and a comment
def f():
    """Never call load_table_from_json([record], table_id)."""
    # client.insert_rows_json(table_id, [record])

# case: load from a file
client.load_table_from_file(handle, t)

# case: issue 13: mixin table from a class attribute, project prefix unresolved
from google.cloud import bigquery


class RunLedgerMixin:
    LEDGER_TABLE: str = "nba_reference.processor_run_history"

    def _save_run(self, entry):
        project = getattr(self, "project_id", None) or self.bq_client.project
        table_id = f"{project}.{self.LEDGER_TABLE}"
        kept = {k: v for k, v in entry.items() if v is not None}
        config = bigquery.LoadJobConfig(write_disposition="WRITE_APPEND")
        job = self.bq_client.load_table_from_json([kept], table_id, job_config=config)  # hit FAIL
        job.result()

# case: class attribute read through cls in a classmethod
class Ledger:
    TABLE = "nba_reference.processor_run_history"

    @classmethod
    def save(cls, client, row):
        client.insert_rows_json(cls.TABLE, [row])  # hit FAIL

# case: class attribute read through the class name, from a module function
PROJECT = "props-project"


class Tables:
    PREDICTIONS = f"{PROJECT}.nba_predictions.player_prop_predictions"


def save_one(client, prediction):
    client.load_table_from_json([prediction], Tables.PREDICTIONS)  # hit FAIL

# case: instance attribute set once in __init__ from a module constant
DATASET = "nba_reference"


class Recorder:
    def __init__(self, client, project):
        self.client = client
        self.table_id = f"{project}.{DATASET}.processor_run_history"

    def record(self, row):
        self.client.insert_rows_json(self.table_id, [row])  # hit FAIL

# case: table attribute inherited from a base class in the same file
class BaseWriter:
    TARGET = "nba_reference.processor_run_history"


class RunWriter(BaseWriter):
    def write(self, client, row):
        client.load_table_from_json([row], self.TARGET).result()  # hit FAIL

# case: class attribute naming a cold table stays WARN
class Audit:
    TABLE = "nba_orchestration.audit_log"

    def write(self, client, row):
        client.insert_rows_json(self.TABLE, [row])  # hit

# case: an instance attribute assigned twice is not a constant (WARN, not FAIL)
class Switcher:
    def __init__(self):
        self.table = "nba_reference.processor_run_history"

    def use_other(self):
        self.table = "nba_orchestration.audit_log"

    def write(self, client, row):
        client.insert_rows_json(self.table, [row])  # hit
