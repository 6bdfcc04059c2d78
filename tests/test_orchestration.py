"""orchestration.<phase>: completion documents vs mode, due time and downstream data.

Every case runs twice: against a JSON state directory (DirStore) and against the Firestore
emulator through the official client (FirestoreStore), with the same documents.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from pipeval.adapters.dir_store import DirStore
from pipeval.checks.completeness import checks_for as completeness_checks
from pipeval.checks.orchestration import checks_for
from pipeval.errors import PipevalError
from pipeval.ports import StateStore
from pipeval.query import Context
from pipeval.results import CheckResult, Severity, Status
from pipeval.suites.runner import run_check
from tests.builders import game_key, schedule_rows, write_state
from tests.conftest import FIRESTORE_TEST_PROJECT

DAY = date(2026, 1, 25)  # EST: phase 3 due 2026-01-26 08:00 = 13:00Z, phase 4 10:00 = 15:00Z
BEFORE_DUE = datetime(2026, 1, 26, 12, 59, tzinfo=UTC)
PHASE3_DUE = datetime(2026, 1, 26, 13, 0, tzinfo=UTC)
BETWEEN = datetime(2026, 1, 26, 14, 0, tzinfo=UTC)  # phase 3 due, phase 4 not yet
AFTER = datetime(2026, 1, 26, 16, 0, tzinfo=UTC)
GAMES = [("LAL", "BOS"), ("NYK", "MIA")]
PHASE3 = [
    "player_game_summary",
    "team_offense_game_summary",
    "team_defense_game_summary",
    "upcoming_player_game_context",
    "upcoming_team_game_context",
]
PHASE4 = [
    "team_defense_zone_analysis",
    "player_shot_zone_analysis",
    "player_composite_factors",
    "player_daily_cache",
    "ml_feature_store",
]
STAMP = datetime(2026, 1, 26, 11, 30, tzinfo=UTC)


def completion(
    processors: list[str],
    mode: str | None = "overnight",
    triggered: Any = True,
    status: dict[str, Any] | None = None,
) -> dict[str, Any]:
    document: dict[str, Any] = {
        name: {
            "status": (status or {}).get(name, "success"),
            "completed_at": STAMP,
            "record_count": 40,
        }
        for name in processors
    }
    document["_triggered"] = triggered
    if triggered is True:
        document["_triggered_at"] = STAMP
    document["_completed_count"] = len(processors)
    if mode is not None:
        document["_mode"] = mode
    return document


def rows(games: list[tuple[str, str]], day: date = DAY) -> list[dict[str, Any]]:
    return [
        {"game_id": game_key(day, away, home), "game_date": day, "player_lookup": "p"}
        for away, home in games
    ]


def warehouse_rows(phase4: bool = True, phase5: bool = True) -> dict[str, list[dict]]:
    schedule = schedule_rows(DAY, [(away, home, 3) for away, home in GAMES])
    data: dict[str, list[dict]] = {"nba_raw.nbac_schedule": schedule}
    if phase4:
        data["nba_predictions.ml_feature_store_v2"] = rows(GAMES)
    if phase5:
        data["nba_predictions.player_prop_predictions"] = [
            {**row, "is_active": True, "system_id": "s1"} for row in rows(GAMES)
        ]
    return data


@dataclass
class Backend:
    kind: str
    write: Callable[[str, str, dict[str, Any]], None]
    open: Callable[[], StateStore]


@pytest.fixture(params=["dir", pytest.param("firestore", marks=pytest.mark.emulator)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "dir":
        root = tmp_path / "state"
        root.mkdir()
        return Backend(
            "dir", lambda c, d, doc: write_state(root, c, d, doc), lambda: DirStore(root)
        )
    request.getfixturevalue("firestore")  # an empty emulator, FIRESTORE_EMULATOR_HOST set
    from google.cloud import firestore

    from pipeval.adapters.firestore_store import FirestoreStore

    client = firestore.Client(project=FIRESTORE_TEST_PROJECT)  # the test's own seeding client

    def write(collection: str, doc_id: str, document: dict[str, Any]) -> None:
        client.collection(collection).document(doc_id).set(document)

    return Backend("firestore", write, lambda: FirestoreStore(FIRESTORE_TEST_PROJECT))


@pytest.fixture
def judge(profile, make_warehouse, backend: Backend) -> Callable[..., CheckResult]:
    def run(
        phase: str = "phase3",
        as_of: datetime = AFTER,
        data: dict[str, list[dict]] | None = None,
        day: date = DAY,
    ) -> CheckResult:
        warehouse = make_warehouse(data if data is not None else warehouse_rows())
        ctx = Context(
            profile=profile,
            as_of=as_of,
            start=day,
            end=day,
            warehouse=warehouse,
            state=backend.open(),
        )
        check = next(c for c in checks_for(profile) if c.id == f"orchestration.{phase}")
        ctx.cache.prefetch(check.queries(ctx))
        result = run_check(check, ctx)
        # Every case also asks `settled`: historical skips `run` on a settled date, so a date
        # may be settled only where `run` calls it OK.
        settled[phase] = day in check.settled(ctx, [day])
        assert result.status is Status.OK or not settled[phase], result.summary
        return result

    settled: dict[str, bool] = {}
    run.settled = settled  # type: ignore[attr-defined]
    return run


def test_complete_documents_with_downstream_data_are_ok(backend: Backend, judge) -> None:
    backend.write("phase3_completion", "2026-01-25", completion(PHASE3))
    backend.write("phase4_completion", "2026-01-25", completion(PHASE4, mode=None))
    phase3, phase4 = judge("phase3"), judge("phase4")
    assert phase3.status is Status.OK, phase3.findings
    assert phase4.status is Status.OK, phase4.findings
    assert "5 of 5 processors succeeded (overnight mode)" in phase3.summary
    assert phase3.metrics["downstream"]["phase"] == "phase4"
    assert phase3.metrics["downstream"]["rows"] == 2
    assert phase3.metrics["triggered_at"] == STAMP


def test_clean_dates_are_settled_and_the_others_left_to_run(backend: Backend, judge) -> None:
    backend.write("phase3_completion", "2026-01-25", completion(PHASE3))
    assert judge("phase3").status is Status.OK and judge.settled["phase3"]
    assert judge("phase3", day=date(2026, 1, 24)).status is Status.OK  # an off-day
    assert judge.settled["phase3"]
    # OK too, but `run` words them (pending document, triggered before the downstream's due)
    assert judge("phase4", as_of=BEFORE_DUE).status is Status.OK
    assert not judge.settled["phase4"]
    result = judge("phase3", as_of=BETWEEN, data=warehouse_rows(phase4=False))
    assert result.status is Status.OK and judge.settled["phase3"]
    backend.write("phase3_completion", "2026-01-25", completion(PHASE3, triggered=False))
    assert judge("phase3").status is Status.WARN and not judge.settled["phase3"]


def test_missing_document_after_due_fails_and_names_it(backend: Backend, judge) -> None:
    result = judge("phase3", as_of=PHASE3_DUE)
    assert result.status is Status.FAIL
    assert "no phase3_completion/2026-01-25 document" in result.summary
    assert "2026-01-26 08:00 America/New_York" in result.summary
    assert any("run_year_phase3.sh --start-date 2026-01-25" in step for step in result.remediation)


def test_missing_document_before_due_is_pending(backend: Backend, judge) -> None:
    result = judge("phase3", as_of=BEFORE_DUE)
    assert result.status is Status.OK
    assert [f.severity for f in result.findings] == [Severity.INFO]
    assert result.summary.startswith("pending: phase3_completion/2026-01-25 is not due before")


def test_missing_document_with_downstream_data_still_fails_but_says_so(
    backend: Backend, judge
) -> None:
    result = judge("phase3")
    assert result.status is Status.FAIL
    assert "phase4 data for 2026-01-25 exists (2 rows)" in result.summary


def test_missing_critical_processor_fails_and_names_it(backend: Backend, judge) -> None:
    backend.write("phase3_completion", "2026-01-25", completion(PHASE3[1:], triggered=False))
    result = judge("phase3", data=warehouse_rows(phase4=False))
    assert result.status is Status.FAIL
    fails = [f for f in result.findings if f.severity is Severity.FAIL]
    assert len(fails) == 1 and "player_game_summary" in fails[0].message
    assert "missing: player_game_summary (critical)" in result.summary
    assert result.metrics["missing"] == ["player_game_summary"]


def test_missing_non_critical_processor_warns(backend: Backend, judge) -> None:
    processors = [p for p in PHASE3 if p != "team_defense_game_summary"]
    backend.write("phase3_completion", "2026-01-25", completion(processors))
    result = judge("phase3")
    assert result.status is Status.WARN
    assert "non-critical processors missing" in result.findings[0].message


def test_missing_processors_before_due_are_pending(backend: Backend, judge) -> None:
    backend.write("phase3_completion", "2026-01-25", completion(PHASE3[3:], triggered=False))
    result = judge("phase3", as_of=BEFORE_DUE, data=warehouse_rows(phase4=False))
    assert result.status is Status.OK
    assert result.findings[0].data["pending"] is True
    assert "3 pending" in result.summary


@pytest.mark.parametrize(
    ("processor", "status", "expected"),
    [
        ("player_game_summary", "failed", Status.FAIL),
        ("team_offense_game_summary", "failed", Status.WARN),
        ("player_game_summary", "partial", Status.WARN),
    ],
)
def test_failed_and_partial_processors(
    backend: Backend, judge, processor: str, status: str, expected: Status
) -> None:
    backend.write("phase3_completion", "2026-01-25", completion(PHASE3, status={processor: status}))
    result = judge("phase3")
    assert result.status is expected
    assert processor in " ".join(f.message for f in result.findings)


def test_expected_processors_depend_on_the_mode(backend: Backend, judge) -> None:
    only_context = completion(["upcoming_player_game_context"], mode="same_day")
    backend.write("phase3_completion", "2026-01-25", only_context)
    assert judge("phase3").status is Status.OK
    backend.write("phase3_completion", "2026-01-25", {**only_context, "_mode": "overnight"})
    result = judge("phase3")
    assert result.status is Status.FAIL
    assert "player_game_summary" in result.summary


def test_unknown_mode_without_default_fails_saying_so(backend: Backend, judge) -> None:
    backend.write("phase3_completion", "2026-01-25", completion(PHASE3, mode="backfill"))
    result = judge("phase3")
    assert result.status is Status.FAIL
    assert "_mode 'backfill'" in result.summary and "no default mode" in result.summary


def test_unknown_mode_uses_the_default_when_there_is_one(backend: Backend, judge) -> None:
    backend.write("phase4_completion", "2026-01-25", completion(PHASE4, mode="backfill"))
    result = judge("phase4")
    assert result.status is Status.OK
    assert result.metrics["expected"] == PHASE4


def test_stale_flag_is_a_warning_said_as_such(backend: Backend, judge) -> None:
    backend.write("phase3_completion", "2026-01-25", completion(PHASE3, triggered=False))
    result = judge("phase3")
    assert result.status is Status.WARN
    assert "stale flag" in result.findings[0].message
    assert "Not a stuck pipeline" in result.findings[0].message
    assert any(step.startswith("No re-run needed") for step in result.remediation)


def test_stale_flag_never_fails_even_before_any_due_time(backend: Backend, judge) -> None:
    backend.write("phase3_completion", "2026-01-25", completion(PHASE3, triggered=False))
    assert judge("phase3", as_of=BEFORE_DUE).status is Status.WARN


def test_triggered_without_downstream_data_after_its_due_fails(backend: Backend, judge) -> None:
    backend.write("phase3_completion", "2026-01-25", completion(PHASE3))
    result = judge("phase3", data=warehouse_rows(phase4=False))
    assert result.status is Status.FAIL
    assert "phase4 was triggered at 2026-01-26 11:30Z" in result.findings[0].message
    assert any("run_phase4_backfill.sh" in step for step in result.remediation)


def test_triggered_without_downstream_data_before_its_due_is_ok(backend: Backend, judge) -> None:
    backend.write("phase3_completion", "2026-01-25", completion(PHASE3))
    result = judge("phase3", as_of=BETWEEN, data=warehouse_rows(phase4=False))
    assert result.status is Status.OK


def test_complete_but_never_triggered_and_no_data_warns(backend: Backend, judge) -> None:
    backend.write("phase3_completion", "2026-01-25", completion(PHASE3, triggered=False))
    result = judge("phase3", data=warehouse_rows(phase4=False))
    assert result.status is Status.WARN
    assert "never triggered" in result.findings[0].message


@pytest.mark.parametrize(
    ("document", "named"),
    [
        ({**completion(PHASE3), "_triggered": "yes"}, "_triggered must be true or false"),
        (
            {**completion(PHASE3), "player_game_summary": "done"},
            "'player_game_summary' must be a map",
        ),
        (
            completion(PHASE3, status={"upcoming_player_game_context": "ok"}),
            "upcoming_player_game_context.status must be one of success, partial, failed",
        ),
        ({**completion(PHASE3), "_completed_count": "5"}, "_completed_count must be an integer"),
    ],
)
def test_wrong_types_are_an_error_naming_document_and_key(
    backend: Backend, judge, document: dict[str, Any], named: str
) -> None:
    backend.write("phase3_completion", "2026-01-25", document)
    result = judge("phase3")
    assert result.status is Status.ERROR
    assert "phase3_completion/2026-01-25" in result.summary and named in result.summary


def test_off_day_is_ok_without_documents(backend: Backend, judge) -> None:
    result = judge("phase3", day=date(2026, 1, 24))
    assert result.status is Status.OK
    assert "off-day" in result.summary


def test_cross_check_reuses_the_completeness_statements(profile) -> None:
    ctx = Context(profile=profile, as_of=AFTER, start=DAY, end=DAY)
    shared = {q for check in completeness_checks(profile) for q in check.queries(ctx)}
    for check in checks_for(profile):
        assert set(check.queries(ctx)) <= shared


# --- a range: each collection's documents read once, for `settled` and `run` alike ------------

EARLIER = date(2026, 1, 23)  # games; 2026-01-24 is an off-day
RANGE = [EARLIER, date(2026, 1, 24), DAY]


def range_rows() -> dict[str, list[dict]]:
    schedule = [
        *schedule_rows(EARLIER, [(away, home, 3) for away, home in GAMES]),
        *schedule_rows(DAY, [(away, home, 3) for away, home in GAMES]),
    ]
    both = rows(GAMES, EARLIER) + rows(GAMES)
    return {
        "nba_raw.nbac_schedule": schedule,
        "nba_predictions.ml_feature_store_v2": both,
        "nba_predictions.player_prop_predictions": [
            {**row, "is_active": True, "system_id": "s1"} for row in both
        ],
    }


def judge_range(profile, warehouse, state: StateStore, days: list[date]) -> dict[date, Any]:
    """As historical does: `settled` over the range, then `run` for every date left."""
    ctx = Context(
        profile=profile, as_of=AFTER, start=days[0], end=days[-1], warehouse=warehouse, state=state
    )
    check = next(c for c in checks_for(profile) if c.id == "orchestration.phase3")
    ctx.cache.prefetch(check.queries(ctx))
    settled = check.settled(ctx, days)
    verdicts: dict[date, Any] = {}
    for day in days:
        ctx.day = day
        result = run_check(check, ctx)
        assert result.status is Status.OK or day not in settled, result.summary
        verdicts[day] = "settled" if day in settled else (result.status, result.summary)
    return verdicts


def test_a_range_reads_the_collection_once_for_settled_and_run(
    backend: Backend, profile, make_warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend.write("phase3_completion", "2026-01-23", completion(PHASE3))
    backend.write("phase3_completion", "2026-01-25", completion(PHASE3[1:]))
    warehouse = make_warehouse(range_rows())
    state = backend.open()
    sent: list[int] = []
    if backend.kind == "firestore":
        from tests.test_state_get_many import count_batch_gets

        sent = count_batch_gets(state, monkeypatch)  # type: ignore[arg-type]
    verdicts = judge_range(profile, warehouse, state, RANGE)
    assert verdicts[EARLIER] == verdicts[RANGE[1]] == "settled"
    status, summary = verdicts[DAY]
    assert status is Status.FAIL and "missing: player_game_summary (critical)" in summary
    # Each date alone (daily's one-date range) judges the same.
    for day in RANGE:
        assert judge_range(profile, warehouse, backend.open(), [day])[day] == verdicts[day]
    if backend.kind == "firestore":
        # One BatchGetDocuments call for the range's two game dates (the off-day is not read),
        # shared by `settled` and by `run` on the unsettled date.
        assert sent == [2]
        one_day = backend.open()
        sent = count_batch_gets(one_day, monkeypatch)  # type: ignore[arg-type]
        judge_range(profile, warehouse, one_day, [DAY])
        assert sent == [1]  # a one-date range (daily) reads just that document


def test_an_unreadable_document_fails_only_its_date_with_gets_line(
    tmp_path: Path, profile, make_warehouse
) -> None:
    root = tmp_path / "state"
    write_state(root, "phase3_completion", "2026-01-23", completion(PHASE3))
    (root / "phase3_completion" / "2026-01-25.json").write_text("{not json")
    store = DirStore(root)
    with pytest.raises(PipevalError) as err:
        store.get("phase3_completion", "2026-01-25")
    verdicts = judge_range(profile, make_warehouse(range_rows()), store, RANGE)
    assert verdicts[EARLIER] == verdicts[RANGE[1]] == "settled"
    assert verdicts[DAY] == (Status.ERROR, f"could not run: {err.value}")


def test_a_store_that_cannot_be_read_fails_every_date_after_one_call(
    profile, make_warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeval.adapters.firestore_store import FirestoreStore
    from tests.local_servers import free_port
    from tests.test_state_get_many import count_batch_gets

    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", f"127.0.0.1:{free_port()}")  # nobody listens
    store = FirestoreStore(FIRESTORE_TEST_PROJECT, timeout_s=1)
    sent = count_batch_gets(store, monkeypatch)
    verdicts = judge_range(profile, make_warehouse(range_rows()), store, RANGE)
    for day in (EARLIER, DAY):
        status, summary = verdicts[day]
        assert status is Status.ERROR and "no answer within 1 s (unreachable?)" in summary
        assert "(phase3_completion/2026-01-23 and 1 more)" in summary
    # One read for the range: its timeout is waited out once, not again for each date.
    assert sent == [2]
