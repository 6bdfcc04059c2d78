"""Hardening, round 2 (issue #19), the cases that are not a row of the bad-input catalogue:
outputs written through devices and FIFOs with the user's modes, DuckDB's extension settings,
one connection budget per run, NULL keys and hostile state documents as findings, the function
allow-list, redaction of glued tokens, the historical heatmap name, and the sample guard.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from pipeval.adapters.bigquery_warehouse import BigQueryWarehouse
from pipeval.adapters.dir_store import DirStore
from pipeval.adapters.duckdb_warehouse import DuckDBWarehouse
from pipeval.errors import BackendError, ConfigError
from pipeval.files import read_bytes, read_regular
from pipeval.query import Context
from pipeval.redact import redact_text
from pipeval.results import Severity, Status
from pipeval.sqlkit import parse_expression
from pipeval.suites.historical import run_historical
from tests.builders import build_warehouse, season_rows, write_state
from tests.test_coverage import judge, names, world

DAY = date(2026, 1, 20)
AS_OF = "2026-01-21T18:00:00Z"


@pytest.fixture
def warehouse_url(tmp_path: Path) -> str:
    return f"duckdb://{build_warehouse(tmp_path / 'w.duckdb', season_rows([DAY]))}"


def daily(warehouse_url: str, *extra: str) -> list[str]:
    return ["daily", "--warehouse", warehouse_url, "--as-of", AS_OF, "--checks", "quota", *extra]


# --- outputs: devices and FIFOs are written through, modes follow the user -------------------


def test_a_character_device_is_written_through_never_replaced(
    run_cli, warehouse_url, tmp_path: Path
) -> None:
    # A private null device (the tests run as root): if a regression replaced it, the
    # machine's /dev/null would survive.
    device = tmp_path / "null"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    code, _, err = run_cli(*daily(warehouse_url, "--output", str(device)))
    assert (code, err) == (0, "")
    assert stat.S_ISCHR(os.stat(device).st_mode)  # still the device, not a regular file


def test_a_fifo_with_a_reader_gets_the_report(run_cli, warehouse_url, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    # The read end is open (non-blocking) before pipeval writes; a small report fits the
    # pipe's buffer, so reading it afterwards needs no second thread.
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        code, _, err = run_cli(*daily(warehouse_url, "--output", str(fifo)))
        received = b""
        while chunk := os.read(reader, 65536):
            received += chunk
    finally:
        os.close(reader)
    assert (code, err) == (0, "")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # still a FIFO, never replaced
    assert b"quota.table_operations" in received


def test_new_outputs_follow_the_umask_and_replaced_ones_keep_their_mode(
    run_cli, warehouse_url, tmp_path: Path
) -> None:
    fresh, kept = tmp_path / "fresh.md", tmp_path / "kept.md"
    kept.write_text("old report\n")
    kept.chmod(0o604)
    old = os.umask(0o027)
    try:
        assert run_cli(*daily(warehouse_url, "--output", str(fresh)))[0] == 0
        assert run_cli(*daily(warehouse_url, "--output", str(kept)))[0] == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o640
    assert stat.S_IMODE(kept.stat().st_mode) == 0o604
    assert "quota.table_operations" in kept.read_text()


def test_historical_output_named_svg_keeps_report_and_heatmap_apart(
    run_cli, warehouse_url, tmp_path: Path
) -> None:
    report, state = tmp_path / "x.svg", tmp_path / "state"
    state.mkdir()
    code, _, err = run_cli(
        "historical",
        "--warehouse",
        warehouse_url,
        "--state",
        f"dir://{state}",
        "--as-of",
        AS_OF,
        "--start",
        str(DAY),
        "--end",
        str(DAY),
        "--output",
        str(report),
    )
    assert (code, err) == (2, "")  # no completion documents in the empty state dir: FAIL
    heatmap = tmp_path / "x.heatmap.svg"
    assert report.read_text().startswith("# ")  # the Markdown report
    assert heatmap.read_text().lstrip().startswith("<svg")
    assert "x.heatmap.svg" in report.read_text()


# --- DuckDB: no extension is installed or loaded behind the user's back ------------------------


def test_duckdb_is_opened_with_extension_autoinstall_and_autoload_off(tmp_path: Path) -> None:
    warehouse = DuckDBWarehouse(build_warehouse(tmp_path / "w.duckdb", season_rows([DAY])))
    settings = warehouse._con.execute(
        "SELECT current_setting('autoinstall_known_extensions'), "
        "current_setting('autoload_known_extensions')"
    ).fetchone()
    assert settings == (False, False)


def test_a_sqlite_warehouse_is_refused_without_touching_home(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    sqlite3.connect(tmp_path / "db.sqlite").execute("CREATE TABLE t (a)").connection.close()
    code, _, err = run_cli("daily", "--warehouse", f"duckdb://{tmp_path}/db.sqlite")
    assert code == 3 and "not a DuckDB database file" in err
    assert list((tmp_path / "home").iterdir()) == []  # no ~/.duckdb/extensions


# --- BigQuery: one budget per run for a refused connection -------------------------------------


@pytest.fixture
def hanging_up() -> Iterator[tuple[str, list[int]]]:
    """A TCP endpoint that accepts each connection and closes it at once, counting them."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted = [0]
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.05)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            accepted[0] += 1
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", accepted
    stop.set()
    thread.join()
    server.close()


def test_a_refused_endpoint_is_retried_within_one_budget_per_run(hanging_up) -> None:
    endpoint, accepted = hanging_up
    warehouse = BigQueryWarehouse(
        "nba-props-platform",
        endpoint=endpoint,
        query_timeout_s=0.5,
        retry_initial_s=0.01,
        retry_maximum_s=0.02,
    )
    with pytest.raises(BackendError):
        warehouse.query("SELECT 1 AS x")
    first = accepted[0]
    assert first > 1  # retried while the budget lasted
    for _ in range(3):
        with pytest.raises(BackendError, match=r"BigQuery request failed|kept failing"):
            warehouse.query("SELECT 2 AS x")
    # The budget is spent: each later query tried once, instead of waiting its own timeout.
    assert accepted[0] - first == 3


# --- data that used to crash a check: findings or one line -------------------------------------


def test_a_null_schedule_key_is_counted_as_a_finding(profile, make_warehouse) -> None:
    rows = season_rows([DAY])
    rows["nba_raw.nbac_schedule"][0]["home_team_tricode"] = None
    ctx = Context(
        profile=profile,
        as_of=datetime(2026, 1, 21, 18, tzinfo=UTC),
        start=DAY,
        end=DAY,
        warehouse=make_warehouse(rows),
    )
    from pipeval.checks.completeness import checks_for
    from pipeval.suites.runner import run_check

    results = [run_check(check, ctx) for check in checks_for(profile)]
    assert all(result.status is not Status.ERROR for result in results)
    notes = [f for r in results for f in r.findings if f.data.get("null_keys")]
    assert notes and all(f.data["null_keys"] == 1 for f in notes)
    assert notes[0].severity is Severity.WARN
    assert "1 schedule rows on 2026-01-20 have a NULL game key" in notes[0].message
    # historical runs the date too: a NULL key is no settled (skipped) date
    assert all(DAY not in check.settled(ctx, [DAY]) for check in checks_for(profile))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"a": ' * 40 + "1" + "}" * 40, "nested deeper than 32 levels"),
        ('{"a": ' * 5000 + "1" + "}" * 5000, "nested too deeply"),
        ('{"big": ' + "9" * 5000 + "}", "holds an integer beyond 64 bits"),
        ('{"big": 9223372036854775808}', "holds an integer beyond 64 bits"),
        ("\ufeff{}", "is not valid JSON: Unexpected UTF-8 BOM"),  # json.loads's own words
    ],
)
def test_hostile_state_documents_are_one_line(tmp_path: Path, text: str, problem: str) -> None:
    folder = tmp_path / "phase3_completion"
    folder.mkdir()
    (folder / f"{DAY}.json").write_text(text)
    with pytest.raises(BackendError, match=problem):
        DirStore(tmp_path).get("phase3_completion", str(DAY))


def test_a_read_stops_at_the_cap_not_at_the_size_the_file_claims(tmp_path: Path) -> None:
    # read_bytes sizes its read by the file: a file at the cap is read, one byte over is refused,
    # and a file claiming size 0 (a /proc file) is still read to its end.
    at_cap = tmp_path / "at_cap.json"
    at_cap.write_bytes(b"x" * 64)
    assert read_bytes(at_cap, "state document", BackendError, 64) == b"x" * 64
    over = tmp_path / "over.json"
    over.write_bytes(b"x" * 65)
    with pytest.raises(BackendError, match="larger than"):
        read_bytes(over, "state document", BackendError, 64)
    claims_empty = Path("/proc/self/cmdline")
    assert os.stat(claims_empty).st_size == 0
    assert read_bytes(claims_empty, "file") == claims_empty.read_bytes() != b""


def test_a_path_seen_as_a_regular_file_is_checked_again_once_open(tmp_path: Path) -> None:
    # DirStore skips the second stat of a document its lstat saw as a regular file: the read
    # itself must still refuse what the path may have become since, a FIFO (without blocking)
    # or a link (O_NOFOLLOW), and read a file larger than one read chunk whole.
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    with pytest.raises(BackendError, match=r"fifo\.json: is not a regular file"):
        read_regular(fifo, "state document", BackendError, 64, os.O_NOFOLLOW)
    real = tmp_path / "real.json"
    real.write_bytes(b"{}")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    with pytest.raises(BackendError, match=r"link\.json: cannot read"):
        read_regular(link, "state document", BackendError, 64, os.O_NOFOLLOW)
    assert read_regular(link, "file") == b"{}"
    big = tmp_path / "big.json"
    big.write_bytes(b"x" * 300_000)
    assert read_regular(big, "file", limit=300_000) == big.read_bytes()
    with pytest.raises(ConfigError, match="larger than"):
        read_regular(big, "file", limit=299_999)


def test_state_documents_inside_the_root_may_be_symlinks(tmp_path: Path) -> None:
    write_state(tmp_path, "archive", "real", {"_triggered": True})
    (tmp_path / "phase3_completion").mkdir()
    (tmp_path / "phase3_completion" / f"{DAY}.json").symlink_to(tmp_path / "archive/real.json")
    assert DirStore(tmp_path).get("phase3_completion", str(DAY)) == {"_triggered": True}


# --- profile expressions: an allow-list of pure scalar functions -------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "FORMAT_DATE('%Y%m%d', game_date) || '_' || away_team_tricode",
        "IF(is_active, game_id, NULL)",
        "CASE WHEN a THEN 1 ELSE 2 END",
        "COALESCE(a, b)",
        "UPPER(TRIM(REPLACE(a, ' ', '')))",
        "SAFE_CAST(a AS INT64) + ABS(ROUND(b, 2))",
        "DATE_ADD(game_date, INTERVAL 1 DAY) > game_date",
        "SPLIT(game_id, '_')[OFFSET(0)]",
        "LPAD(CAST(n AS STRING), 3, '0')",
        "REGEXP_REPLACE(LOWER(name), r'[^a-z]', '')",
    ],
)
def test_pure_scalar_functions_are_allowed(text: str) -> None:
    assert parse_expression(text, "schedule.game_key").sql()  # vetted, not refused


@pytest.mark.parametrize(
    "text",
    [
        "current_setting('secret_directory') || game_id",
        "version()",
        "read_csv('x')",
        "read_text('x')",
        "getenv('HOME')",
        "EXTERNAL_QUERY('conn', 'SELECT 1')",
        "CURRENT_DATE()",
        "RAND() > 0.5",
        "SESSION_USER()",
        "GENERATE_UUID()",
        "UPPER(getenv('HOME'))",  # nested inside an allowed one
    ],
)
def test_other_functions_are_refused_at_load(text: str) -> None:
    with pytest.raises(ConfigError, match=r"schedule\.game_key: .* calls .*\(\), which is not"):
        parse_expression(text, "schedule.game_key")


# --- redaction: token shapes glued to a word ---------------------------------------------------

GHP = "ghp_" + "a1B2" * 9


@pytest.mark.parametrize(
    "text",
    [
        f"key_{GHP}",
        f"token_{GHP}.txt",
        "untracked_xoxb-1234567890-abcdefghij",
        f"20260125_{GHP}",
        "cfg" + "AIza" + "x" * 35,
        "bearerya29.a0AfB_secret",
        "x_github_pat_" + "A" * 30,
    ],
)
def test_tokens_glued_to_letters_digits_or_underscores_are_masked(text: str) -> None:
    shown = redact_text(f"see {text} here")
    assert "REDACTED" in shown
    for secret in (GHP, "xoxb-1234567890", "AIza", "ya29.", "github_pat_"):
        assert secret not in shown


# --- sample: never builds over a folder it did not make ----------------------------------------


def test_sample_rebuilds_an_earlier_sample_and_needs_force_elsewhere(
    run_cli, tmp_path: Path
) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    with duckdb.connect(str(target / "warehouse.duckdb")) as con:
        con.execute("CREATE TABLE user_table AS SELECT 1 AS x")
    code, _, err = run_cli("sample", "--path", str(target))
    assert code == 3 and "pass --force" in err
    with duckdb.connect(str(target / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT x FROM user_table").fetchall() == [(1,)]  # untouched
    assert run_cli("sample", "--path", str(target), "--force")[0] == 0
    assert (target / ".pipeval-sample").is_file()
    assert run_cli("sample", "--path", str(target))[0] == 0  # an earlier sample: rebuilt


# --- tests the suite lacked: each fails under the mutation it names ----------------------------


def test_a_game_missing_only_from_a_non_critical_table_is_no_gap(profile, make_warehouse) -> None:
    """Mutation: history/matrix.py ignores criticality (any missing table makes a gap)."""
    days = [date(2026, 1, 10), date(2026, 1, 11), date(2026, 1, 12)]
    rows = season_rows(days, drop={("nba_raw.odds_api_player_points_props", days[1]): 1})
    ctx = Context(
        profile=profile,
        as_of=datetime(2026, 1, 13, 15, tzinfo=UTC),
        start=days[0],
        end=days[-1],
        warehouse=make_warehouse(rows),
    )
    document = run_historical(ctx, days[0], days[-1]).to_dict()["historical"]
    phase2 = {cell["date"]: cell for cell in document["matrix"]["phase2"]}
    assert phase2["2026-01-11"]["status"] == "partial"  # seen in the matrix ...
    assert document["gaps"] == []  # ... but no backfill needed


def test_unregistered_and_without_a_line_is_not_in_registry(profile, make_warehouse) -> None:
    """Mutation: the classifier checks lines before the registry (NO_LINE wins)."""
    players = [*names(5), "rookieguy"]
    registry = {p: f"{p}_001" for p in names(5)}
    data = world(players, names(5), lines=names(5), registry=registry)
    result = judge(profile, make_warehouse(data))
    assert result.metrics["missing_by_reason"] == {"not_in_registry": ["rookieguy"]}


def test_a_system_at_exactly_the_parity_percentage_is_not_reported(profile, make_warehouse) -> None:
    """Mutation: `count * 100 <= parity * best` (the edge counted as lagging)."""
    players = names(100)
    parity = int(profile.thresholds.coverage.system_parity_pct)
    predicted = {"best": players, "edge": players[:parity]}
    result = judge(profile, make_warehouse(world(players, predicted)))
    assert [f for f in result.findings if f.data.get("system")] == []
    assert result.status is Status.OK


def test_duckdb_binds_a_non_utc_as_of_as_the_same_instant(tmp_path: Path) -> None:
    """Mutation: to_naive_utc drops the offset instead of converting (10:00-05:00 as 10:00)."""
    job = {"job_type": "LOAD", "state": "DONE", "total_modified_partitions": 1}
    rows = {
        "bq_meta.jobs_by_project": [
            {**job, "job_id": "early", "creation_time": datetime(2026, 1, 26, 14, 0)},
            {**job, "job_id": "late", "creation_time": datetime(2026, 1, 26, 16, 0)},
        ]
    }
    warehouse = DuckDBWarehouse(build_warehouse(tmp_path / "w.duckdb", rows))
    as_of = datetime(2026, 1, 26, 10, 0, tzinfo=ZoneInfo("America/New_York"))  # 15:00Z
    found = warehouse.query(
        "SELECT job_id FROM `region-us-west2`.INFORMATION_SCHEMA.JOBS_BY_PROJECT "
        "WHERE creation_time <= @as_of",
        {"as_of": as_of},
    ).rows
    assert found == [{"job_id": "early"}]


def test_nothing_here_leaks_a_state_document_path_outside_the_root(tmp_path: Path) -> None:
    outside = tmp_path / "secret.json"
    outside.write_text(json.dumps({"_triggered": True}))
    root = tmp_path / "state"
    (root / "phase3_completion").mkdir(parents=True)
    (root / "phase3_completion" / f"{DAY}.json").symlink_to(outside)
    with pytest.raises(BackendError, match="points outside the state directory"):
        DirStore(root).get("phase3_completion", str(DAY))


def test_a_collection_folder_linked_outside_the_root_reads_nothing(tmp_path: Path) -> None:
    # Plain documents are placed by their folder, resolved once per collection: a folder that
    # is a link leaving the root refuses every document in it, as a linked document would.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / f"{DAY}.json").write_text(json.dumps({"_triggered": True}))
    root = tmp_path / "state"
    root.mkdir()
    (root / "phase3_completion").symlink_to(elsewhere)
    inside = root / "kept"
    inside.mkdir()
    (inside / f"{DAY}.json").write_text(json.dumps({"_triggered": True}))
    (root / "phase4_completion").symlink_to(inside)  # a link that stays inside reads
    store = DirStore(root)
    assert store.get("phase4_completion", str(DAY)) == {"_triggered": True}
    for _ in range(2):  # the second read uses the folder resolved by the first
        with pytest.raises(BackendError, match="points outside the state directory"):
            store.get("phase3_completion", str(DAY))
