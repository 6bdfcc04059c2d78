"""FirestoreStore through google-cloud-firestore against the local Firestore emulator."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from google.cloud import firestore as gcf

from pipeval.adapters import open_state
from pipeval.adapters.firestore_store import FirestoreStore
from pipeval.errors import BackendError
from tests.conftest import FIRESTORE_TEST_PROJECT
from tests.firestore_emulator import FirestoreEmulator
from tests.local_servers import free_port

pytestmark = pytest.mark.emulator

COMPLETED = datetime(2026, 1, 27, 11, 4, 5, 123456, tzinfo=UTC)


def seed(collection: str, doc_id: str, document: dict, database: str | None = None) -> None:
    client = gcf.Client(project=FIRESTORE_TEST_PROJECT, database=database)
    client.collection(collection).document(doc_id).set(document)


def test_get_returns_plain_dicts_with_aware_utc_datetimes(firestore: FirestoreEmulator) -> None:
    eastern = timezone(timedelta(hours=-5))
    seed(
        "phase3_completion",
        "2026-01-26",
        {
            "player_game_summary": {
                "status": "success",
                "completed_at": COMPLETED.astimezone(eastern),
                "record_count": 312,
            },
            "_triggered": False,
            "_mode": "overnight",
            "_tags": ["a", 2, None],
        },
    )
    store = FirestoreStore(FIRESTORE_TEST_PROJECT)
    document = store.get("phase3_completion", "2026-01-26")
    assert document == {
        "player_game_summary": {
            "status": "success",
            "completed_at": COMPLETED,
            "record_count": 312,
        },
        "_triggered": False,
        "_mode": "overnight",
        "_tags": ["a", 2, None],
    }
    stamp = document["player_game_summary"]["completed_at"]
    assert type(stamp) is datetime and stamp.utcoffset() == timedelta(0)
    # Plain values only: the document survives JSON like a DirStore document does.
    assert json.loads(json.dumps(document, default=str))["_mode"] == "overnight"


def test_missing_document_is_none_and_list_is_sorted(firestore: FirestoreEmulator) -> None:
    for doc_id in ("2026-01-25", "2026-01-24", "2026-01-26"):
        seed("phase4_completion", doc_id, {"_mode": "overnight"})
    store = FirestoreStore(FIRESTORE_TEST_PROJECT)
    assert store.get("phase4_completion", "2026-01-27") is None
    assert store.list("phase4_completion") == ["2026-01-24", "2026-01-25", "2026-01-26"]
    assert store.list("phase3_completion") == []


def test_named_database_from_the_url(firestore: FirestoreEmulator) -> None:
    seed("phase3_completion", "2026-01-26", {"_mode": "same_day"}, database="nba-state")
    store = open_state(f"firestore://{FIRESTORE_TEST_PROJECT}/nba-state")
    assert isinstance(store, FirestoreStore)
    assert store.url == f"firestore://{FIRESTORE_TEST_PROJECT}/nba-state"
    assert store.get("phase3_completion", "2026-01-26") == {"_mode": "same_day"}
    default = FirestoreStore(FIRESTORE_TEST_PROJECT)
    assert default.get("phase3_completion", "2026-01-26") is None


@pytest.mark.parametrize("doc_id", ["2026/01/26", "../x", "", "a/b"])
def test_document_ids_that_would_leave_the_collection_are_refused(
    firestore: FirestoreEmulator, doc_id: str
) -> None:
    with pytest.raises(BackendError, match="not a plain name"):
        FirestoreStore(FIRESTORE_TEST_PROJECT).get("phase3_completion", doc_id)


def test_reading_writes_nothing(firestore: FirestoreEmulator) -> None:
    seed("phase3_completion", "2026-01-26", {"_mode": "overnight", "_triggered": True})
    store = FirestoreStore(FIRESTORE_TEST_PROJECT)
    store.get("phase3_completion", "2026-01-26")
    store.get("phase3_completion", "2026-01-27")
    store.list("phase3_completion")
    client = gcf.Client(project=FIRESTORE_TEST_PROJECT)
    ids = sorted(doc.id for doc in client.collection("phase3_completion").stream())
    assert ids == ["2026-01-26"]
    assert not hasattr(store, "set") and not hasattr(store, "delete")


def test_unreachable_firestore_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", f"127.0.0.1:{free_port()}")  # nobody listens
    store = FirestoreStore(FIRESTORE_TEST_PROJECT, timeout_s=1)
    with pytest.raises(BackendError) as err:
        store.get("phase3_completion", "2026-01-26")
    message = str(err.value)
    assert "\n" not in message
    assert "firestore://pipeval-test (phase3_completion/2026-01-26)" in message
    assert "no answer within 1 s" in message


def test_missing_credentials_are_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("FIRESTORE_EMULATOR_HOST", raising=False)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "absent.json"))
    with pytest.raises(BackendError) as err:
        FirestoreStore(FIRESTORE_TEST_PROJECT)
    assert "no Google credentials for Firestore" in str(err.value)


def test_cli_reads_state_from_firestore(
    firestore: FirestoreEmulator, make_warehouse, run_cli
) -> None:
    from tests.test_orchestration import PHASE3, completion, warehouse_rows

    seed("phase3_completion", "2026-01-25", completion(PHASE3[1:], triggered=False))
    warehouse = make_warehouse(warehouse_rows(phase4=False))
    code, out, err = run_cli(
        "daily",
        "--date",
        "2026-01-25",
        "--checks",
        "orchestration.phase3",
        "--warehouse",
        f"duckdb://{warehouse.path}",
        "--state",
        f"firestore://{FIRESTORE_TEST_PROJECT}",
        "--as-of",
        "2026-01-26T16:00:00Z",
        "--format",
        "json",
    )
    assert code == 2, err
    check = json.loads(out)["checks"][0]
    assert check["id"] == "orchestration.phase3" and check["status"] == "FAIL"
    assert check["metrics"]["missing"] == ["player_game_summary"]


def test_api_errors_become_one_line_naming_the_grant(firestore: FirestoreEmulator) -> None:
    # The emulator's client is an owner, so a 403 cannot be provoked there: translate the
    # client library's own exception types instead.
    from google.api_core import exceptions as api_errors

    from pipeval.errors import PermissionDeniedError

    store = FirestoreStore(FIRESTORE_TEST_PROJECT)
    denied = store._translate(
        api_errors.PermissionDenied("Missing or insufficient permissions."), "c/d"
    )
    assert isinstance(denied, PermissionDeniedError)
    assert denied.permission == "datastore.entities.get"
    assert "roles/datastore.viewer" in str(denied)
    missing = store._translate(api_errors.NotFound("The database (x) does not exist."), "c/d")
    assert str(missing) == (
        "Firestore firestore://pipeval-test (c/d): database not found in project pipeval-test"
    )
