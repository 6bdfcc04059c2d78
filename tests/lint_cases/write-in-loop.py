# Cases of the lint rule `write-in-loop`, run by tests/test_lint_cases.py (one loader for every rule).
# Each case starts at a `# case: <name>` line and is linted on its own, as a file of its own.
# A line ending in `# hit` must give exactly one WARN finding of this rule, `# hit FAIL` one
# FAIL, `# hit INFO` one INFO; every other line none. A case without marks is a clean case.
# Written for pipeval in its own words; the shapes follow the seeds and the real pipeline.

# case: streaming insert in a while loop
while queue:
    client.insert_rows_json(t, queue.pop())  # hit

# case: insert in a list comprehension
[client.insert_rows_json(t, [r]) for r in rows]  # hit

# case: insert in a generator expression
errors = any(client.insert_rows_json(t, [r]) for r in rows)  # hit

# case: seed 002: MERGE per player
def write_predictions(client, players, job_config):
    for player in players:
        client.query(  # hit
            "MERGE nba_predictions.player_prop_predictions T USING (SELECT 1) S ON FALSE "
            "WHEN NOT MATCHED THEN INSERT ROW",
            job_config=job_config,
        ).result()

# case: DML through a local variable
def deactivate(client, ids, cfg):
    sql = "UPDATE nba_predictions.predictions SET is_active = FALSE WHERE id = @id"
    for pid in ids:
        client.query(sql, job_config=cfg(pid)).result()  # hit

# case: seed 001: one event write per event
def log_events(events):
    for event in events:
        insert_bigquery_rows([event])  # hit

# case: aliased write in a loop
def flush(client, rows, t):
    write = client.load_table_from_json
    for row in rows:
        write(row, t)  # hit

# case: nested loops report the write once
for day in days:
    for game in games[day]:
        client.load_table_from_json(game.rows, t)  # hit

# case: async for
async def consume(client, stream, t):
    async for rows in stream:
        client.insert_rows_json(t, rows)  # hit

# case: copy job per partition
for day in days:
    client.copy_table(source, f"{destination}${day:%Y%m%d}")  # hit

# case: DELETE via query_and_wait in a dict comprehension
DELETE_DAY = "DELETE FROM nba_analytics.player_game_summary WHERE game_date = @d"
done = {d: client.query_and_wait(DELETE_DAY, job_config=cfg(d)) for d in days}  # hit

# case: one load job per chunk of 500 rows is the batching the rule asks for
for batch in chunks(rows, 500):
    client.load_table_from_json(batch, t)

# case: collect in the loop, write once after it
rows = []
for game in games:
    rows.append(game.to_row())
client.load_table_from_json(rows, t).result()

# case: SELECT in the iterable runs once
for row in client.query("SELECT player_lookup FROM nba_reference.nba_players_registry"):
    print(row)

# case: SELECT inside a loop is not DML
for day in days:
    client.query("SELECT COUNT(*) FROM nba_raw.nbac_schedule WHERE game_date = @d")

# case: a function defined in a loop is not the loop
for t in tables:
    def flush(rows, t=t):
        client.load_table_from_json(rows, t)
    register(flush)

# case: a lambda built in a comprehension is not the loop
flushers = [lambda rows, t=t: client.insert_rows_json(t, rows) for t in tables]

# case: the for loop's else branch runs once
for row in rows:
    validate(row)
else:
    client.load_table_from_json(rows, t)

# case: suppressed
for batch in chunks(rows, 500):
    client.load_table_from_json(batch, t)  # pipeval: ignore[write-in-loop]

# case: query with SQL we cannot see is not assumed DML
def run_all(client, statements):
    for sql in statements:
        client.query(sql)

# case: a write in a helper called from a loop (syntactic rule)
def flush(rows):
    client.load_table_from_json(rows, t)

for batch in batches:
    flush(batch)

# case: pandas DataFrame.query in a loop
for team in teams:
    subset = frame.query("team_abbr == @team")

# case: DML only in a comment inside the loop
for pid in ids:
    # client.query("DELETE FROM t WHERE id = @id")
    pass

# case: the buffer's add in a loop
for record in records:
    writer.add_record(record)
writer.flush()

# case: issue 13: DELETE statements collected in a list, then run one by one
def purge(client, dates):
    statements = []
    for d in dates:
        statements.append(f"DELETE FROM nba_raw.bdl_player_boxscores WHERE game_date = '{d}'")
    for sql in statements:
        client.query(sql).result()  # hit

# case: statements in a list literal, run in a loop
def reset(client):
    steps = [
        "DELETE FROM nba_analytics.player_game_summary WHERE game_date = @d",
        "UPDATE nba_predictions.player_prop_predictions SET is_active = FALSE WHERE game_date = @d",
    ]
    for step in steps:
        client.query(step)  # hit

# case: issue 13: DML through a project wrapper of query(), in a loop
class Repairer:
    def _run(self, sql):
        return self.client.query(sql).result()

    def repair(self, dates):
        for d in dates:
            self._run(f"UPDATE nba_analytics.team_offense SET ok = TRUE WHERE game_date = '{d}'")  # hit

# case: DML through two levels of wrappers, passed by keyword
def execute_statement(statement, timeout=60):
    return bq.query(statement).result(timeout=timeout)


def run_sql(text):
    return execute_statement(statement=text.strip())


for game in games:
    run_sql("DELETE FROM nba_raw.nbac_gamebook WHERE game_id = @g")  # hit

# case: a retry loop around one write is not a loop of writes
import time


def save(client, rows, table_id):
    for attempt in range(3):
        try:
            client.load_table_from_json(rows, table_id).result()
            break
        except Exception:
            time.sleep(2**attempt)

# case: a while-True retry that returns once the insert succeeded
def save(client, rows, table_id):
    while True:
        try:
            errors = client.insert_rows_json(table_id, rows)
            return errors
        except ConnectionError:
            continue

# case: flush when the buffer is full
def stream(client, events, table_id):
    pending = []
    for event in events:
        pending.append(event)
        if len(pending) >= 500:
            client.load_table_from_json(pending, table_id).result()
            pending = []
    if pending:
        client.load_table_from_json(pending, table_id).result()

# case: flush every N records by counter
def stream(client, events, table_id, size):
    buffer = []
    for count, event in enumerate(events, start=1):
        buffer.append(event)
        if count % size == 0:
            client.insert_rows_json(table_id, buffer)
            buffer.clear()

# case: chunked slices of N rows
def save_all(client, rows, table_id):
    for start in range(0, len(rows), 1000):
        client.insert_rows_json(table_id, rows[start : start + 1000])

# case: text that looks like DML given to a function that is not a sink
for d in dates:
    logger.info(f"DELETE for {d} skipped")

# case: "any rows?" is not "is the batch full?": one UPDATE per result row
def invalidate(client, results):
    for row in results:
        changed = count_changes(row)
        if changed > 0:
            client.query("UPDATE nba_predictions.player_prop_predictions SET ok = FALSE WHERE game_id = @g")  # hit
