"""Lint rules, data-driven (sqlfluff style): per rule a table of snippets and expected hits.

A line marked `# hit` must produce exactly one finding of the rule under test (WARN), a line
marked `# hit FAIL` one FAIL finding; every other line none. Snippets are real Python parsed by
the real engine, including the exact shapes of the seeds, aliases, loops and suppressions.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from pipeval.lint.engine import lint_text
from pipeval.lint.rule import Hit, Rule, Settings
from pipeval.lint.rules import RULES
from pipeval.lint.source import SourceFile

HOT = Settings(
    frozenset({"nba_reference.processor_run_history", "nba_predictions.player_prop_predictions"})
)
MARK = re.compile(r"#\s*hit(?:\s+(FAIL))?\s*$")


@dataclass(frozen=True)
class Case:
    name: str
    code: str

    @property
    def source(self) -> str:
        return textwrap.dedent(self.code).lstrip("\n")

    @property
    def expected(self) -> list[tuple[int, str]]:
        found = []
        for number, line in enumerate(self.source.splitlines(), start=1):
            match = MARK.search(line)
            if match:
                found.append((number, match.group(1) or "WARN"))
        return found


def hits(rule: str, source: str) -> list[tuple[int, str]]:
    found = lint_text(source, HOT).hits
    return sorted((hit.line, hit.severity.value) for hit in found if hit.rule == rule)


SINGLE_ROW_WRITE = [
    Case(
        "seed 004: streaming insert of one record",
        """
        class AnalyticsBase:
            def log_quality_issue(self, table_id, record):
                self.bq_client.insert_rows_json(table_id, [record])  # hit
        """,
    ),
    Case(
        "seed 004: one-record load job, multi-line call",
        """
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
        """,
    ),
    Case(
        "seed 000: hot table as a literal",
        """
        def record_run(client, row):
            client.load_table_from_json(  # hit FAIL
                [row], "nba-props-platform.nba_reference.processor_run_history"
            ).result()
        """,
    ),
    Case(
        "seed 000: hot table through a module constant f-string",
        """
        PROJECT = "nba-props-platform"
        RUN_HISTORY = f"{PROJECT}.nba_reference.processor_run_history"

        class RunHistoryMixin:
            def _write(self, record):
                self.bq_client.load_table_from_json([record], RUN_HISTORY).result()  # hit FAIL
        """,
    ),
    Case(
        "hot table through a local variable, keyword arguments",
        """
        def save(client, prediction):
            table_id = "`nba_predictions.player_prop_predictions`"
            client.load_table_from_json(json_rows=[prediction], destination=table_id)  # hit FAIL
        """,
    ),
    Case(
        "seed 001: write helper called with one row",
        """
        def log_pipeline_event(event_type, processor, payload):
            single_row = {"event_type": event_type, "processor": processor, **payload}
            insert_bigquery_rows([single_row])  # hit
        """,
    ),
    Case(
        "seed 003: load_table_from_json([single_record])",
        """
        def write(bq, table, single_record):
            return bq.load_table_from_json([single_record], table)  # hit
        """,
    ),
    Case(
        "alias of the method",
        """
        def flush(client, row, t):
            write = client.load_table_from_json
            write([row], t)  # hit
        """,
    ),
    Case(
        "alias of the rows",
        """
        def flush(client, record, t):
            rows = [record]
            client.insert_rows_json(t, rows)  # hit
        """,
    ),
    Case(
        "one-row DataFrame built inline",
        """
        import pandas as pd

        def save(client, row, t):
            client.load_table_from_dataframe(pd.DataFrame([row]), t)  # hit
        """,
    ),
    Case(
        "one-row DataFrame of scalar columns, through a local, to a hot table",
        """
        import pandas as pd

        def save(client, pid, line):
            frame = pd.DataFrame({"prediction_id": [pid], "current_points_line": [line]})
            table = "nba_predictions.player_prop_predictions"
            client.load_table_from_dataframe(frame, table)  # hit FAIL
        """,
    ),
    Case(
        "insert_rows with a one-tuple, table from get_table of a hot table",
        """
        def mark(client, row):
            table = client.get_table("nba_reference.processor_run_history")
            client.insert_rows(table, (row,))  # hit FAIL
        """,
    ),
    Case(
        "helper imported under another name",
        """
        from shared.utils.bigquery_utils import insert_bigquery_rows as log_event

        def on_done(event):
            log_event("nba_orchestration.pipeline_event_log", [event])  # hit
        """,
    ),
    Case(
        "a class attribute is not a name the method can see (so the table is unresolved)",
        """
        class Writer:
            TABLE = "nba_reference.processor_run_history"

            def write(self, client, row):
                client.insert_rows_json(TABLE, [row])  # hit
        """,
    ),
    Case(
        "a suppression for another rule does not suppress this one",
        """
        def f(client, t, r):
            client.insert_rows_json(t, [r])  # pipeval: ignore[write-in-loop]  # hit
        """,
    ),
]

SINGLE_ROW_WRITE_CLEAN = [
    Case(
        "batch of rows from a parameter",
        """
        def flush(client, rows, t):
            client.load_table_from_json(rows, t).result()
        """,
    ),
    Case("two rows", "client.insert_rows_json(t, [first, second])\n"),
    Case("unpacked rows", "client.insert_rows_json(t, [*pending])\n"),
    Case("comprehension of rows", "client.load_table_from_json([r.to_dict() for r in runs], t)\n"),
    Case(
        "rows alias that grows before the write",
        """
        def flush(client, first, second, t):
            rows = [first]
            rows.append(second)
            client.insert_rows_json(t, rows)
        """,
    ),
    Case(
        "rows alias rebound to a batch",
        """
        def flush(client, record, t):
            rows = [record]
            rows = load_pending()
            client.insert_rows_json(t, rows)
        """,
    ),
    Case(
        "suppressed on the line",
        "client.insert_rows_json(t, [r])  # pipeval: ignore[single-row-write]\n",
    ),
    Case(
        "suppressed on the last line of a multi-line call",
        """
        client.load_table_from_json(
            [record], RUN_HISTORY
        )  # pipeval: ignore[single-row-write, write-in-loop]
        """,
    ),
    Case(
        "seed 000's fix: the batch writer buffers one record",
        """
        def record_run(self, record):
            self.batch_writer.add_record(record)
        """,
    ),
    Case("list.insert is not a write", "items.insert(0, [x])\n"),
    Case(
        "frame of many rows",
        """
        import pandas as pd

        def save(client, rows, t):
            client.load_table_from_dataframe(pd.DataFrame(rows), t)
        """,
    ),
    Case(
        "the helper's own definition",
        """
        def insert_bigquery_rows(table_id, rows):
            client.insert_rows_json(table_id, rows)
        """,
    ),
    Case(
        "the pattern only in a docstring and a comment",
        '''
        def f():
            """Never call load_table_from_json([record], table_id)."""
            # client.insert_rows_json(table_id, [record])
        ''',
    ),
    Case("load from a file", "client.load_table_from_file(handle, t)\n"),
]

WRITE_IN_LOOP = [
    Case(
        "load job per chunk in a for loop",
        """
        for batch in chunks(rows, 500):
            client.load_table_from_json(batch, t)  # hit
        """,
    ),
    Case(
        "streaming insert in a while loop",
        """
        while queue:
            client.insert_rows_json(t, queue.pop())  # hit
        """,
    ),
    Case(
        "insert in a list comprehension",
        "[client.insert_rows_json(t, [r]) for r in rows]  # hit\n",
    ),
    Case(
        "insert in a generator expression",
        "errors = any(client.insert_rows_json(t, [r]) for r in rows)  # hit\n",
    ),
    Case(
        "seed 002: MERGE per player",
        """
        def write_predictions(client, players, job_config):
            for player in players:
                client.query(  # hit
                    "MERGE nba_predictions.player_prop_predictions T USING (SELECT 1) S ON FALSE "
                    "WHEN NOT MATCHED THEN INSERT ROW",
                    job_config=job_config,
                ).result()
        """,
    ),
    Case(
        "DML through a local variable",
        """
        def deactivate(client, ids, cfg):
            sql = "UPDATE nba_predictions.predictions SET is_active = FALSE WHERE id = @id"
            for pid in ids:
                client.query(sql, job_config=cfg(pid)).result()  # hit
        """,
    ),
    Case(
        "seed 001: one event write per event",
        """
        def log_events(events):
            for event in events:
                insert_bigquery_rows([event])  # hit
        """,
    ),
    Case(
        "aliased write in a loop",
        """
        def flush(client, rows, t):
            write = client.load_table_from_json
            for row in rows:
                write(row, t)  # hit
        """,
    ),
    Case(
        "nested loops report the write once",
        """
        for day in days:
            for game in games[day]:
                client.load_table_from_json(game.rows, t)  # hit
        """,
    ),
    Case(
        "async for",
        """
        async def consume(client, stream, t):
            async for rows in stream:
                client.insert_rows_json(t, rows)  # hit
        """,
    ),
    Case(
        "copy job per partition",
        """
        for day in days:
            client.copy_table(source, f"{destination}${day:%Y%m%d}")  # hit
        """,
    ),
    Case(
        "DELETE via query_and_wait in a dict comprehension",
        """
        DELETE_DAY = "DELETE FROM nba_analytics.player_game_summary WHERE game_date = @d"
        done = {d: client.query_and_wait(DELETE_DAY, job_config=cfg(d)) for d in days}  # hit
        """,
    ),
]

WRITE_IN_LOOP_CLEAN = [
    Case(
        "collect in the loop, write once after it",
        """
        rows = []
        for game in games:
            rows.append(game.to_row())
        client.load_table_from_json(rows, t).result()
        """,
    ),
    Case(
        "SELECT in the iterable runs once",
        """
        for row in client.query("SELECT player_lookup FROM nba_reference.nba_players_registry"):
            print(row)
        """,
    ),
    Case(
        "SELECT inside a loop is not DML",
        """
        for day in days:
            client.query("SELECT COUNT(*) FROM nba_raw.nbac_schedule WHERE game_date = @d")
        """,
    ),
    Case(
        "a function defined in a loop is not the loop",
        """
        for t in tables:
            def flush(rows, t=t):
                client.load_table_from_json(rows, t)
            register(flush)
        """,
    ),
    Case(
        "a lambda built in a comprehension is not the loop",
        "flushers = [lambda rows, t=t: client.insert_rows_json(t, rows) for t in tables]\n",
    ),
    Case(
        "the for loop's else branch runs once",
        """
        for row in rows:
            validate(row)
        else:
            client.load_table_from_json(rows, t)
        """,
    ),
    Case(
        "suppressed",
        """
        for batch in chunks(rows, 500):
            client.load_table_from_json(batch, t)  # pipeval: ignore[write-in-loop]
        """,
    ),
    Case(
        "query with SQL we cannot see is not assumed DML",
        """
        def run_all(client, statements):
            for sql in statements:
                client.query(sql)
        """,
    ),
    Case(
        "a write in a helper called from a loop (syntactic rule)",
        """
        def flush(rows):
            client.load_table_from_json(rows, t)

        for batch in batches:
            flush(batch)
        """,
    ),
    Case(
        "pandas DataFrame.query in a loop",
        """
        for team in teams:
            subset = frame.query("team_abbr == @team")
        """,
    ),
    Case(
        "DML only in a comment inside the loop",
        """
        for pid in ids:
            # client.query("DELETE FROM t WHERE id = @id")
            pass
        """,
    ),
    Case(
        "the buffer's add in a loop",
        """
        for record in records:
            writer.add_record(record)
        writer.flush()
        """,
    ),
]

SQL_STRING_BUILDING = [
    Case(
        "seed 001: retry queue UPDATE with the error message between quotes",
        '''
        def mark_failed(self, table, error_message, existing_id):
            query = f"""
        UPDATE `{table}`
        SET status = 'failed',
        error_message = '{(error_message[:4000] if error_message else "").replace("'", "''")}'
        WHERE id = '{existing_id}'
        """
            self.bq_client.query(query).result()  # hit
        ''',
    ),
    Case(
        "f-string passed directly",
        """
        client.query(f"SELECT * FROM nba_raw.t WHERE player_lookup = '{player}'")  # hit
        """,
    ),
    Case(
        ".format() value",
        """
        sql = "SELECT * FROM nba_raw.nbac_schedule WHERE game_date = '{}'".format(day)
        client.query(sql)  # hit
        """,
    ),
    Case(
        "% value",
        """
        client.query("DELETE FROM nba_raw.nbac_schedule WHERE game_id = %s" % game_id)  # hit
        """,
    ),
    Case(
        "+ concatenation",
        """
        client.query("SELECT * FROM ds.t WHERE id = '" + pid + "'")  # hit
        """,
    ),
    Case(
        "built up with += through a local",
        """
        def players(client, team):
            sql = "SELECT player_lookup FROM nba_reference.nba_players_registry WHERE TRUE"
            sql += f" AND team_abbr = '{team}'"
            return client.query(sql).result()  # hit
        """,
    ),
    Case(
        "% with a mapping",
        """
        sql = "UPDATE ds.t SET note = '%(note)s' WHERE id = 1" % {"note": note}
        client.query(sql)  # hit
        """,
    ),
    Case(
        "unquoted value",
        """
        client.query(f"SELECT * FROM nba_raw.nbac_schedule LIMIT {limit}")  # hit
        """,
    ),
    Case(
        "IN list spliced",
        """
        ids = ", ".join(f"'{p}'" for p in players)
        client.query(f"SELECT * FROM nba_predictions.t WHERE player_lookup IN ({ids})")  # hit
        """,
    ),
    Case(
        "either branch may build it",
        """
        def fetch(client, day=None):
            if day:
                sql = f"SELECT * FROM nba_raw.nbac_schedule WHERE game_date = '{day}'"
            else:
                sql = "SELECT * FROM nba_raw.nbac_schedule"
            return client.query(sql)  # hit
        """,
    ),
    Case(
        "query_and_wait with query= keyword",
        """
        client.query_and_wait(query=f"DELETE FROM ds.t WHERE game_date = '{d}'")  # hit
        """,
    ),
    Case(
        "template constant formatted through a local",
        """
        TEMPLATE = "SELECT * FROM ds.t WHERE processor_name = '{name}'"

        def runs(client, name):
            sql = TEMPLATE.format(name=name)
            return client.query(sql)  # hit
        """,
    ),
    Case(
        "dedented f-string",
        '''
        import textwrap

        sql = textwrap.dedent(f"""
            SELECT * FROM ds.t WHERE status = '{status}'
        """).strip()
        client.query(sql)  # hit
        ''',
    ),
]

SQL_STRING_BUILDING_CLEAN = [
    Case(
        "seed 001's fix: bound parameters",
        '''
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
        ''',
    ),
    Case(
        "table name in backticks",
        """
        client.query(f"SELECT * FROM `{project}.{dataset}.player_game_summary` WHERE d = @d")
        """,
    ),
    Case(
        "table name after FROM",
        """
        client.query(f"SELECT COUNT(*) FROM {table} WHERE game_date = @day")
        """,
    ),
    Case(
        "module constant between quotes",
        """
        STATUS = "success"

        def ok(client):
            return client.query(f"SELECT * FROM ds.runs WHERE status = '{STATUS}'")
        """,
    ),
    Case("literals only", 'client.query("SELECT * " + "FROM nba_raw.nbac_schedule")\n'),
    Case("pandas DataFrame.query", 'frame.query(f"points > {threshold}")\n'),
    Case(
        "f-string SQL that never reaches query()",
        'logger.info(f"UPDATE skipped for {player}")\n',
    ),
    Case(
        "suppressed",
        """
        client.query(f"SELECT * FROM t WHERE id = '{pid}'")  # pipeval: ignore[sql-string-building]
        """,
    ),
    Case(
        "format() of an identifier",
        """
        sql = "DELETE FROM {table} WHERE game_date = @d".format(table=TABLE)
        client.query(sql, job_config=cfg)
        """,
    ),
    Case(
        "SQL from a builder we cannot see",
        """
        def run(client, day):
            sql = build_sql(day)
            return client.query(sql)
        """,
    ),
    Case(
        "INSERT INTO a templated table with VALUES parameters",
        """
        client.query(f"INSERT INTO `{table_id}` (a, b) VALUES (@a, @b)", job_config=cfg)
        """,
    ),
    Case(
        "MERGE between templated tables",
        """
        client.query(
            f"MERGE {target} T USING {staging} S ON T.prediction_id = S.prediction_id "
            "WHEN MATCHED THEN UPDATE SET is_active = S.is_active"
        )
        """,
    ),
    Case(
        "interpolation inside a SQL comment",
        '''
        client.query(f"""
            -- run for {day}
            SELECT * FROM nba_raw.nbac_schedule WHERE game_date = @d
        """)
        ''',
    ),
]

TABLES = {
    "single-row-write": (SINGLE_ROW_WRITE, SINGLE_ROW_WRITE_CLEAN),
    "write-in-loop": (WRITE_IN_LOOP, WRITE_IN_LOOP_CLEAN),
    "sql-string-building": (SQL_STRING_BUILDING, SQL_STRING_BUILDING_CLEAN),
}


def _params(side: int) -> list:
    return [
        pytest.param(rule, case, id=f"{rule}: {case.name}")
        for rule, cases in TABLES.items()
        for case in cases[side]
    ]


@pytest.mark.parametrize(("rule", "case"), _params(0))
def test_failing_case_is_found_on_the_marked_lines(rule: str, case: Case) -> None:
    assert case.expected, "a failing case marks at least one line"
    assert hits(rule, case.source) == case.expected


@pytest.mark.parametrize(("rule", "case"), _params(1))
def test_clean_case_has_no_finding(rule: str, case: Case) -> None:
    assert not case.expected
    assert hits(rule, case.source) == []


def test_every_write_rule_has_ten_cases_each_way() -> None:
    write_rules = {rule.id for rule in RULES} - {"parse-error"}
    assert set(TABLES) == write_rules
    for rule, (failing, clean) in TABLES.items():
        assert len(failing) >= 10, rule
        assert len(clean) >= 10, rule


def test_rules_declare_their_metadata() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    for rule in RULES:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.id)
        assert rule.description and rule.why and rule.fix
        assert rule.severity.value == "WARN"  # FAIL only by escalation (hot tables)


def test_suppressions_are_counted_per_rule() -> None:
    source = textwrap.dedent(
        """
        for r in rows:
            client.insert_rows_json(t, [r])  # pipeval: ignore[single-row-write]
        """
    )
    result = lint_text(source, HOT)
    assert [hit.rule for hit in result.hits] == ["write-in-loop"]
    assert result.suppressed == {"single-row-write": 1}


def test_a_suppression_inside_a_string_is_not_a_comment() -> None:
    source = 'client.insert_rows_json(t, [r], note="# pipeval: ignore[single-row-write]")\n'
    assert hits("single-row-write", source) == [(1, "WARN")]


def test_hot_tables_come_from_the_settings() -> None:
    source = 'client.load_table_from_json([row], "nba_reference.processor_run_history")\n'
    cold = lint_text(source, Settings(frozenset())).hits
    hot = lint_text(source, HOT).hits
    assert [h.severity.value for h in cold] == ["WARN"]
    assert [h.severity.value for h in hot] == ["FAIL"]
    assert hot[0].extra["table"] == "nba_reference.processor_run_history"


def test_a_similar_table_name_is_not_hot() -> None:
    source = 'client.load_table_from_json([row], "nba_reference.processor_run_history_v2")\n'
    assert hits("single-row-write", source) == [(1, "WARN")]


def test_finding_carries_call_text_and_places_of_spliced_values() -> None:
    source = textwrap.dedent(SQL_STRING_BUILDING[0].code).lstrip("\n")
    (hit,) = [h for h in lint_text(source, HOT).hits if h.rule == "sql-string-building"]
    assert hit.call == "self.bq_client.query(query)"
    assert hit.extra["built_line"] == 2
    places = {value["place"] for value in hit.extra["values"]}
    assert places == {"inside a SQL string literal"}  # `{table}` in backticks is not listed
    assert "error_message" in hit.message


class Crashing(Rule):
    id = "crashing"
    description = why = fix = "a rule with a bug"

    def check(self, source: SourceFile, settings: Settings) -> Iterator[Hit]:
        yield from ()
        raise RuntimeError("boom")


def test_a_crashing_rule_does_not_hide_the_others() -> None:
    source = "client.insert_rows_json(t, [r])\n"
    result = lint_text(source, HOT, rules=(Crashing(), *RULES))
    assert result.crashes == {"crashing": "RuntimeError: boom"}
    assert [hit.rule for hit in result.hits] == ["single-row-write"]
