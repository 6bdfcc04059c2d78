# Cases of the lint rule `sql-string-building`, run by tests/test_lint_cases.py (one loader for every rule).
# Each case starts at a `# case: <name>` line and is linted on its own, as a file of its own.
# A line ending in `# hit` must give exactly one WARN finding of this rule, `# hit FAIL` one
# FAIL, `# hit INFO` one INFO; every other line none. A case without marks is a clean case.
# Written for pipeval in its own words; the shapes follow the seeds and the real pipeline.

# case: seed 001: retry queue UPDATE with the error message between quotes
def mark_failed(self, table, error_message, existing_id):
    query = f"""
UPDATE `{table}`
SET status = 'failed',
error_message = '{(error_message[:4000] if error_message else "").replace("'", "''")}'
WHERE id = '{existing_id}'
"""
    self.bq_client.query(query).result()  # hit

# case: f-string passed directly
client.query(f"SELECT * FROM nba_raw.t WHERE player_lookup = '{player}'")  # hit

# case: .format() of a value named as a date is INFO
sql = "SELECT * FROM nba_raw.nbac_schedule WHERE game_date = '{}'".format(day)
client.query(sql)  # hit INFO

# case: % value
client.query("DELETE FROM nba_raw.nbac_schedule WHERE game_id = %s" % game_id)  # hit

# case: + concatenation
client.query("SELECT * FROM ds.t WHERE id = '" + pid + "'")  # hit

# case: built up with += through a local
def players(client, team):
    sql = "SELECT player_lookup FROM nba_reference.nba_players_registry WHERE TRUE"
    sql += f" AND team_abbr = '{team}'"
    return client.query(sql).result()  # hit

# case: % with a mapping
sql = "UPDATE ds.t SET note = '%(note)s' WHERE id = 1" % {"note": note}
client.query(sql)  # hit

# case: an unquoted value named as a number is INFO
client.query(f"SELECT * FROM nba_raw.nbac_schedule LIMIT {limit}")  # hit INFO

# case: IN list spliced
ids = ", ".join(f"'{p}'" for p in players)
client.query(f"SELECT * FROM nba_predictions.t WHERE player_lookup IN ({ids})")  # hit

# case: either branch may build it (a date-named value: INFO)
def fetch(client, day=None):
    if day:
        sql = f"SELECT * FROM nba_raw.nbac_schedule WHERE game_date = '{day}'"
    else:
        sql = "SELECT * FROM nba_raw.nbac_schedule"
    return client.query(sql)  # hit INFO

# case: query_and_wait with query= keyword
client.query_and_wait(query=f"DELETE FROM ds.t WHERE game_date = '{d}'")  # hit

# case: template constant formatted through a local
TEMPLATE = "SELECT * FROM ds.t WHERE processor_name = '{name}'"

def runs(client, name):
    sql = TEMPLATE.format(name=name)
    return client.query(sql)  # hit

# case: dedented f-string
import textwrap

sql = textwrap.dedent(f"""
    SELECT * FROM ds.t WHERE status = '{status}'
""").strip()
client.query(sql)  # hit

# case: seed 001's fix: bound parameters
from google.cloud import bigquery

def mark_failed(client, error_message, existing_id):
    update_query = """
    UPDATE table SET error_message = @error_message WHERE id = @id
    """
    job_config = bigquery.QueryJobConfig(
        query_parameters=[
            bigquery.ScalarQueryParameter("error_message", "STRING", error_message),
            bigquery.ScalarQueryParameter("id", "STRING", existing_id),
        ]
    )
    client.query(update_query, job_config=job_config).result()

# case: table name in backticks
client.query(f"SELECT * FROM `{project}.{dataset}.player_game_summary` WHERE d = @d")

# case: table name after FROM
client.query(f"SELECT COUNT(*) FROM {table} WHERE game_date BETWEEN @range_start AND @range_end")

# case: module constant between quotes
STATUS = "success"

def ok(client):
    return client.query(f"SELECT * FROM ds.runs WHERE status = '{STATUS}'")

# case: literals only
client.query("SELECT * " + "FROM nba_raw.nbac_schedule")

# case: pandas DataFrame.query
frame.query(f"points > {threshold}")

# case: f-string SQL that never reaches query()
logger.info(f"UPDATE skipped for {player}")

# case: suppressed
client.query(f"SELECT * FROM t WHERE id = '{pid}'")  # pipeval: ignore[sql-string-building]

# case: format() of an identifier
sql = "DELETE FROM {table} WHERE game_date = @d".format(table=TABLE)
client.query(sql, job_config=cfg)

# case: SQL from a builder we cannot see
def run(client, day):
    sql = build_sql(day)
    return client.query(sql)

# case: INSERT INTO a templated table with VALUES parameters
client.query(f"INSERT INTO `{table_id}` (a, b) VALUES (@a, @b)", job_config=cfg)

# case: MERGE between templated tables
client.query(
    f"MERGE {target} T USING {staging} S ON T.prediction_id = S.prediction_id "
    "WHEN MATCHED THEN UPDATE SET is_active = S.is_active"
)

# case: interpolation inside a SQL comment
client.query(f"""
    -- run for {day}
    SELECT * FROM nba_raw.nbac_schedule WHERE game_date = @d
""")

# case: issue 13: SQL through a project wrapper of query()
def execute_bigquery(sql, project=None):
    client = bigquery.Client(project=project)
    return list(client.query(sql).result())


def players_named(name):
    return execute_bigquery(f"SELECT * FROM nba_reference.nba_players_registry WHERE player_name = '{name}'")  # hit

# case: wrapper of a wrapper, a method called through self
class Maintenance:
    def _execute_query(self, query):
        return self.bq.query(query).result()

    def run_query(self, sql, label=""):
        return self._execute_query(sql)

    def drop_team(self, team):
        self.run_query(f"SELECT * FROM nba_raw.nbac_schedule WHERE home_team = '{team}'")  # hit

# case: issue 13: statements collected in a list then run in a loop (date values: INFO)
def purge(client, dates):
    statements = []
    for day in dates:
        statements.append(f"DELETE FROM nba_raw.bdl_player_boxscores WHERE game_date = '{day}'")
    for sql in statements:
        client.query(sql)  # hit INFO

# case: a command-line string spliced into DML is FAIL
import argparse

parser = argparse.ArgumentParser()
parser.add_argument("--player")
args = parser.parse_args()
client.query(f"DELETE FROM nba_predictions.player_prop_predictions WHERE player_lookup = '{args.player}'")  # hit FAIL

# case: sys.argv in a SELECT is WARN
import sys

team = sys.argv[1]
client.query(f"SELECT * FROM nba_raw.nbac_schedule WHERE home_team = '{team}'")  # hit

# case: an HTTP request value spliced into an UPDATE is FAIL
from flask import request


def retry_endpoint():
    payload = request.get_json()
    processor = payload.get("processor_name")
    client.query(f"UPDATE nba_orchestration.retry_queue SET status = 'pending' WHERE processor_name = '{processor}'")  # hit FAIL

# case: request.args in a SELECT is WARN
def lookup():
    name = request.args.get("name", "")
    return client.query(f"SELECT * FROM nba_reference.nba_players_registry WHERE player_name = '{name}'")  # hit

# case: a database row value spliced into a DELETE is FAIL
def clean(client):
    for row in client.query("SELECT game_id FROM nba_raw.stale_games").result():
        client.query(f"DELETE FROM nba_raw.nbac_gamebook WHERE game_id = '{row.game_id}'")  # hit FAIL

# case: int(), isoformat() and a validate_ call are INFO
def window(client, days_back, day, season):
    n = int(days_back)
    start = day.isoformat()
    year = validate_season(season)
    client.query(f"SELECT * FROM t WHERE game_date >= '{start}' AND season = {year} LIMIT {n}")  # hit INFO

# case: a parameter typed as a date and a strftime format spec are INFO
from datetime import date


def games_on(client, when: date, other):
    client.query(f"SELECT * FROM nba_raw.nbac_schedule WHERE game_date = '{when}' OR game_date = '{other:%Y-%m-%d}'")  # hit INFO

# case: one untyped string among dates makes it WARN
def games_for(client, game_date, team):
    client.query(f"SELECT * FROM nba_raw.nbac_schedule WHERE game_date = '{game_date}' AND home_team = '{team}'")  # hit

# case: a function that logs its parameter is not a query sink
def note(message):
    logger.info(message)


def skip(player):
    note(f"SELECT skipped for '{player}'")

# case: a wrapper given parameters instead of spliced values
def run_query(sql, params):
    return client.query(sql, job_config=bigquery.QueryJobConfig(query_parameters=params))


run_query("SELECT * FROM nba_raw.nbac_schedule WHERE game_date = @d", [date_param])

# case: a class constant between quotes is a literal
class Runs:
    STATUS = "success"
    TABLE = "nba_reference.processor_run_history"

    def ok(self, client):
        return client.query(f"SELECT * FROM {self.TABLE} WHERE status = '{self.STATUS}'")

# case: a wrapper that rebinds its parameter before the query is not passing it on
def run_fixed(client, sql):
    sql = "SELECT 1"
    return client.query(sql)


run_fixed(client, f"SELECT * FROM t WHERE x = '{value}'")

# case: a script's own parse_args() and a Namespace parameter are command-line values
import argparse


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--team")
    return parser.parse_args()


def report(client, opts: argparse.Namespace):
    client.query(f"SELECT * FROM nba_raw.nbac_schedule WHERE home_team = '{opts.team}'")  # hit


def main(client):
    args = parse_args()
    client.query(f"UPDATE nba_raw.nbac_schedule SET note = 'x' WHERE home_team = '{args.team}'")  # hit FAIL

# case: a loop over a constant list of dataset names is a literal
def columns(client, project):
    for dataset in ["nba_raw", "nba_analytics", "nba_predictions"]:
        client.query(f"SELECT '{dataset}' AS source, table_name FROM `{project}.{dataset}.INFORMATION_SCHEMA.COLUMNS`")

# case: a date under a dict key named as a date is INFO
def replace_day(client, metrics):
    client.query(f"DELETE FROM nba_monitoring.quality WHERE report_date = '{metrics['report_date']}'")  # hit INFO

# case: a leading SQL comment that holds a value does not hide the statement
def affected(client, team):
    query = f"""
    -- players of {team}
    SELECT * FROM nba_reference.nba_players_registry WHERE team_abbr = '{team}'
    """
    return client.query(query).to_dataframe()  # hit
