"""Property-based hardening: identifiers, bound parameters and Markdown escaping.

Every property runs with `derandomize=True` (the examples are a fixed function of the test, so
CI sees the same ones on every run), a bounded `max_examples`, and no example database.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import re
import shlex
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token
from pydantic import TypeAdapter

from pipeval.adapters.dir_store import DirStore
from pipeval.adapters.duckdb_warehouse import DuckDBWarehouse
from pipeval.clock import parse_date
from pipeval.errors import ConfigError, InputError
from pipeval.identifiers import TableName, check_identifier, is_identifier
from pipeval.profile import Profile, load_profile
from pipeval.profile.validation import validate
from pipeval.query import Context
from pipeval.report.markdown import code, code_spans, escape
from pipeval.report.render import render
from pipeval.suites.daily import run_daily
from tests.builders import (
    PHASE_TABLES_FINAL,
    PHASE_TABLES_SCHEDULED,
    build_warehouse,
    season_rows,
    write_state,
)
from tests.conftest import file_digest

GRAMMAR = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def fixed(max_examples: int, **kwargs: Any) -> settings:
    return settings(
        derandomize=True, max_examples=max_examples, database=None, deadline=None, **kwargs
    )


# --- identifiers ---------------------------------------------------------------------------------

# Unicode look-alikes of letters the grammar admits: Cyrillic, Greek, full-width, dotless i.
LOOKALIKES = "\u0430\u0435\u043e\u0440\u0441\u0445\u03bf\u0391\uff41\u0131\u212a\u2010"
HOSTILE_PIECES = [
    "'",
    '"',
    "`",
    "\\",
    ";",
    " ",
    "\t",
    "\n",
    "\r",
    ".",
    "--",
    "/*",
    "*/",
    "@p",
    "$1",
    "%s",
    "{0}",
    "; DROP TABLE y",
    "' OR '1'='1",
    "\x00",
    "\u200b",
    "\ufeff",
    *LOOKALIKES,
]
hostile_piece = st.sampled_from(HOSTILE_PIECES)
near_identifiers = st.builds(
    lambda head, piece, tail: head + piece + tail,
    st.from_regex(GRAMMAR, fullmatch=True),
    hostile_piece,
    st.from_regex(r"[A-Za-z0-9_-]*", fullmatch=True),
)
candidate_names = st.one_of(
    st.text(), st.from_regex(GRAMMAR, fullmatch=True), near_identifiers, hostile_piece
)


@fixed(400)
@given(candidate_names)
def test_identifier_validation_admits_exactly_the_ascii_grammar(value: str) -> None:
    admitted = is_identifier(value)
    assert admitted == bool(GRAMMAR.fullmatch(value))
    if admitted:
        assert value.isascii() and check_identifier(value) == value
    else:
        with pytest.raises(ConfigError) as refused:
            check_identifier(value, "column")
        assert "\n" not in str(refused.value)  # one line, whatever the value holds


@fixed(300)
@given(candidate_names, candidate_names)
def test_table_names_are_two_plain_names_or_refused(dataset: str, table: str) -> None:
    text = f"{dataset}.{table}"
    try:
        name = TableName.parse(text)
    except ConfigError as err:
        assert not (GRAMMAR.fullmatch(dataset) and GRAMMAR.fullmatch(table))
        assert "\n" not in str(err)
        return
    assert GRAMMAR.fullmatch(name.dataset) and GRAMMAR.fullmatch(name.table)
    assert str(name) == text


@pytest.fixture(scope="module")
def shipped() -> dict[str, Any]:
    return TypeAdapter(Profile).dump_python(load_profile("nba-props"), by_alias=True)


@fixed(120, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(candidate_names, st.sampled_from(["table", "date_column", "status_column"]))
def test_profile_identifiers_never_load_outside_the_grammar(
    shipped: dict[str, Any], value: str, key: str
) -> None:
    data = json.loads(json.dumps(shipped))
    data["schedule"][key] = f"nba_raw.{value}" if key == "table" else value
    try:
        loaded = validate(Profile, data)
    except ValueError:  # pydantic's ValidationError: the loader turns it into one ConfigError
        assert not GRAMMAR.fullmatch(value)
        return
    assert GRAMMAR.fullmatch(value)
    assert getattr(loaded.schedule, key).split(".")[-1] == value


# --- values reach SQL only as bound parameters ---------------------------------------------------

DAY = date(2026, 1, 20)
AS_OF = datetime(2026, 1, 21, 18, 0, tzinfo=UTC)
# Hostile strings that cannot occur in any check's SQL text by accident: each carries a marker.
hostile = st.builds(
    lambda piece, text: f"Zq{piece}{text}",
    hostile_piece.filter(lambda piece: piece != "\x00"),
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12),
)
PHASE_TABLES = PHASE_TABLES_FINAL + PHASE_TABLES_SCHEDULED


def hostile_world(values: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """A clean day whose every data value pipeval reads back is one of the hostile strings."""
    rows = season_rows([DAY], games_per_day=1)
    team, player = values["team"], values["player"]
    rows["nba_raw.nbac_schedule"][0]["away_team_tricode"] = team
    key = f"{DAY:%Y%m%d}_{team}_BOS"
    for table in PHASE_TABLES:
        for row in rows[table]:
            row["game_id"] = key
            row["player_lookup"] = player if row["player_lookup"] != "bosplayer" else "bosplayer"
            if table == "nba_predictions.player_prop_predictions":
                row["system_id"] = values["system"]
    old = (AS_OF - timedelta(days=2)).replace(tzinfo=None)
    recent = (AS_OF - timedelta(hours=2)).replace(tzinfo=None)
    rows["bq_meta.jobs_by_project"] = [
        {
            "job_id": values["job"],
            "creation_time": recent,
            "job_type": "LOAD",
            "statement_type": None,
            "state": "DONE",
            "destination_table": {
                "project_id": "p",
                "dataset_id": "nba_raw",
                "table_id": values["table"],
            },
            "error_result": {"reason": "quotaExceeded", "location": None, "message": values["msg"]},
            "total_modified_partitions": 1,
            "total_bytes_processed": 0,
        }
    ]
    rows["bq_meta.tables"] = [
        {"dataset_id": "nba_raw", "table_id": "_staging_" + values["staging"], "creation_time": old}
    ]
    rows["nba_reference.nba_players_registry"] = [
        {"player_lookup": player, "universal_player_id": values["uid"], "team_abbr": team},
        {"player_lookup": "bosplayer", "universal_player_id": "bos_001", "team_abbr": "BOS"},
    ]
    rows["nba_reference.player_aliases"] = [
        {"alias_lookup": values["alias"], "nba_canonical_lookup": player, "alias_type": "x"}
    ]
    return rows


def hostile_state(root: Path, values: dict[str, str]) -> Path:
    for collection, names, mode in (
        ("phase3_completion", ["player_game_summary", "upcoming_player_game_context"], "same_day"),
        ("phase4_completion", ["ml_feature_store"], "default"),
    ):
        document: dict[str, Any] = {
            name: {
                "status": "success",
                "completed_at": "2026-01-21T10:00:00Z",
                "record_count": 1,
                "error_message": values["msg"],
            }
            for name in names
        }
        document[values["processor"]] = {"status": "failed", "error_message": values["msg"]}
        document.update({"_triggered": True, "_mode": mode, "_note": values["note"]})
        write_state(root, collection, str(DAY), document)
    return root


ROLES = (
    "team",
    "player",
    "system",
    "job",
    "table",
    "msg",
    "staging",
    "uid",
    "alias",
    "note",
    "processor",
)


def strings(value: Any) -> list[str]:
    """Every string inside a result document."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.items() for part in item for text in strings(part)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in strings(item)]
    return []


# Each example builds a warehouse and runs the whole daily suite: few examples, no shrinking
# (a failure reproduces as is, since the examples are derandomized).
@fixed(12, phases=(Phase.explicit, Phase.generate))
@given(st.fixed_dictionaries({role: hostile for role in ROLES}))
def test_hostile_values_never_reach_sql_text_and_every_check_still_runs(
    tmp_path_factory: pytest.TempPathFactory, profile: Profile, values: dict
) -> None:
    assume(len(set(values.values())) == len(values))
    root = tmp_path_factory.mktemp("hostile")
    path = build_warehouse(root / "w.duckdb", hostile_world(values))
    warehouse = DuckDBWarehouse(path)
    state = DirStore(hostile_state(root / "state", values))
    try:
        ctx = Context(profile=profile, as_of=AS_OF, start=DAY, end=DAY, warehouse=warehouse)
        ctx.state = state
        result = run_daily(ctx, DAY)
    finally:
        warehouse.close()
    errors = {check.id: check.summary for check in result.checks if check.status == "ERROR"}
    assert errors == {}
    sent = "\n".join(warehouse.stats.sent)
    assert warehouse.stats.queries > 0
    leaked = [role for role, value in values.items() if value in sent or "Zq" in sent]
    assert leaked == []
    # The values did reach the checks: as data, in the result.
    document = strings(result.to_dict())
    for role in ("table", "staging"):
        assert any(values[role] in text for text in document), role
    # A remediation command built from a hostile table name still runs only `bq rm` on it.
    (hygiene,) = [check for check in result.checks if check.id == "hygiene.staging_tables"]
    # a code span (the command to paste), or plain text when a name cannot sit in one
    spans = code_spans(hygiene.remediation[0])
    command = spans[0] if spans else hygiene.remediation[0].split(": ", 1)[1]
    table = f"{profile.project}:nba_raw._staging_{values['staging']}"
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True  # words split at blanks and `;|&()<>`, as a shell does
    assert list(lexer) == [
        "bq",
        "rm",
        "-f",
        "-t",
        table,
    ]
    # ... and none of them turns into Markdown structure or HTML in the report.
    report = render("daily.md.j2", result.to_dict())
    assert _raw_html(report) <= {"<br>"}


def _raw_html(markdown: str) -> set[str]:
    found: set[str] = set()
    for token in GFM.parse(markdown):
        if token.type == "html_block":
            found.add(token.content.strip())
        for child in token.children or []:
            if child.type == "html_inline":
                found.add(child.content)
    return found


@fixed(25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hostile)
def test_a_hostile_staging_prefix_is_bound_not_formatted(
    profile: Profile, make_warehouse, prefix: str
) -> None:
    hygiene = dataclasses.replace(profile.thresholds.hygiene, staging_prefix=prefix)
    thresholds = dataclasses.replace(profile.thresholds, hygiene=hygiene)
    hostile_profile = dataclasses.replace(profile, thresholds=thresholds)
    warehouse = make_warehouse(
        {
            "bq_meta.tables": [
                {
                    "dataset_id": "nba_raw",
                    "table_id": prefix + "batch1",
                    "creation_time": (AS_OF - timedelta(days=3)).replace(tzinfo=None),
                }
            ]
        }
    )
    ctx = Context(profile=hostile_profile, as_of=AS_OF, start=DAY, end=DAY, warehouse=warehouse)
    result = run_daily(ctx, DAY, "hygiene.staging_tables")
    (check,) = result.checks
    assert check.status == "WARN" and check.metrics["orphaned"][0]["table"].endswith("batch1")
    assert all(prefix not in sql and "Zq" not in sql for sql in warehouse.stats.sent)


date_like = st.one_of(
    st.builds(lambda day, piece: day.isoformat() + piece, st.dates(), hostile_piece),
    st.builds(lambda piece, day: piece + day.isoformat(), hostile_piece, st.dates()),
    st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True),
    st.text(max_size=16),
)


@fixed(300)
@given(date_like)
def test_a_date_option_is_a_date_or_one_clear_error(value: str) -> None:
    try:
        parsed = parse_date(value)
    except InputError as err:
        assert str(err).startswith("--date ") and "\n" not in str(err)
        return
    assert isinstance(parsed, date)
    assert date(2000, 1, 1) <= parsed <= date(2999, 12, 31)


@pytest.fixture(scope="module")
def date_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("dates") / "w.duckdb", season_rows([DAY]))


@fixed(20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(date_like.filter(lambda value: "\x00" not in value))
def test_hostile_dates_through_the_cli_exit_3_or_run(date_warehouse: Path, value: str) -> None:
    from pipeval.cli.main import main

    args = ["historical", "--warehouse", f"duckdb://{date_warehouse}", "--as-of"]
    args += [AS_OF.isoformat(), "--format", "json", "--start", value, "--end", value]
    before = file_digest(date_warehouse)
    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        pytest.raises(SystemExit) as done,
    ):
        main(args)
    assert file_digest(date_warehouse) == before
    if done.value.code == 3:
        assert err.getvalue().startswith("pipeval: error: --")
        assert err.getvalue().count("\n") == 1 and out.getvalue() == ""
        return
    # Accepted: a real date, which the report names.
    document = json.loads(out.getvalue())
    assert done.value.code in (0, 1, 2) and err.getvalue() == ""
    day = parse_date(value).isoformat()
    assert document["target"] == {"start": day, "end": day}


# --- Markdown escaping round-trips --------------------------------------------------------------

GFM = MarkdownIt("commonmark").enable(["table", "strikethrough"])
MARKUP = [
    *"|`*_[]()<>!#&~\\-+=.:;'\"\n\r\t ",
    "<br>",
    "<script>alert(1)</script>",
    "&amp;",
    "&#124;",
    "**",
    "__",
    "~~",
    "```",
    "---",
    "1. ",
    "- ",
    "> ",
    "# ",
    "http://x.y/a_b_",
    "[a](b)",
    "![i](s)",
    "<http://x>",
    "\u00a0",
    "\u2028",
    "\x00",
]
cell_text = st.lists(st.one_of(st.sampled_from(MARKUP), st.text(max_size=4)), max_size=8).map(
    "".join
)


def rendered_text(inline: Token) -> str:
    """The text a reader sees in one cell: `<br>` is a line break, anything else is markup."""
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "text_special"):
            parts.append(child.content)
        elif child.type == "html_inline" and child.content == "<br>":
            parts.append("\n")
        else:
            raise AssertionError(f"markup leaked from a value: {child.type} {child.content!r}")
    return "".join(parts)


def as_read(value: str) -> str:
    """What a value reads as: line endings are line breaks; control characters are U+FFFD
    (CommonMark renders NUL and any control character reference so)."""
    value = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", "\ufffd", value)
    return re.sub(r"\r\n|\r", "\n", value)


def table_cells(markdown: str) -> list[str]:
    tokens = GFM.parse(markdown)
    cells = []
    for index, token in enumerate(tokens):
        if token.type == "td_open":
            cells.append(rendered_text(tokens[index + 1]))
    return cells


@fixed(400)
@given(st.lists(st.lists(cell_text, min_size=3, max_size=3), min_size=1, max_size=3))
def test_escaped_values_round_trip_through_a_gfm_table(rows: list[list[str]]) -> None:
    lines = ["| a | b | c |", "|---|---|---|"]
    lines += ["| " + " | ".join(escape(cell) for cell in row) + " |" for row in rows]
    markdown = "\n".join(lines) + "\n"
    assert table_cells(markdown) == [as_read(cell) for row in rows for cell in row]
    assert markdown.count("\n") == len(rows) + 2  # every value stayed on its row


@fixed(300)
@given(cell_text)
def test_escaped_values_round_trip_inside_a_paragraph(value: str) -> None:
    tokens = GFM.parse(f"Summary: {escape(value)} (end)\n")
    assert [token.type for token in tokens] == ["paragraph_open", "inline", "paragraph_close"]
    assert rendered_text(tokens[1]) == f"Summary: {as_read(value)} (end)"


@fixed(300)
@given(cell_text)
def test_code_spans_hold_the_value_verbatim(value: str) -> None:
    assume(value and "\x00" not in value)
    tokens = GFM.parse(f"Run {code(value)} now\n")
    spans = [child for child in tokens[1].children or [] if child.type == "code_inline"]
    assert len(spans) == 1
    # CommonMark turns line endings inside a code span into spaces; code() does it up front.
    assert spans[0].content == re.sub(r"\r\n|\r|\n", " ", value)


def test_escaping_keeps_raw_reports_readable() -> None:
    # Only characters that would change meaning are escaped: names agents read stay as typed.
    assert escape("nba_analytics.player_game_summary") == "nba_analytics.player_game_summary"
    assert escape("0022500852 v1.2.3 -3") == "0022500852 v1.2.3 -3"
    assert escape("a|b") == "a\\|b" and escape("x\ny") == "x<br>y"
    assert escape(" padded ") == "&#32;padded&#32;"
