"""`StateStore.get_many`: a range's documents in one read, each as `get` returns it.

DirStore on real files (every refusal is `get`'s own line); FirestoreStore through the official
client against the emulator, where the BatchGetDocuments RPCs the client sends are counted by a
spy on the client library's own gRPC stub that calls through.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pipeval.adapters import firestore_store
from pipeval.adapters.dir_store import DirStore
from pipeval.adapters.firestore_store import FirestoreStore
from pipeval.errors import PipevalError
from tests.builders import write_state
from tests.conftest import FIRESTORE_TEST_PROJECT
from tests.firestore_emulator import FirestoreEmulator

COLLECTION = "phase3_completion"
STAMP = datetime(2026, 1, 26, 11, 30, tzinfo=UTC)


def _error(call: Callable[[], Any]) -> str:
    with pytest.raises(PipevalError) as err:
        call()
    return _line(err.value)


def _line(err: PipevalError) -> str:
    return f"{type(err).__name__}: {err}"


def _refused(store: Any, collection: str, document: str) -> str:
    """What `get_many` says of a refused id among a readable one: a refused collection fails
    the whole read; a refused document maps to its own error, the readable one still read."""
    if collection != COLLECTION:
        return _error(lambda: store.get_many(collection, ["2026-01-25", document]))
    found = store.get_many(collection, ["2026-01-25", document])
    assert not isinstance(found["2026-01-25"], PipevalError)
    assert isinstance(found[document], PipevalError), found
    return _line(found[document])


# --- DirStore --------------------------------------------------------------------------------


def test_dir_get_many_is_get_for_each_id(tmp_path: Path) -> None:
    write_state(tmp_path, COLLECTION, "2026-01-25", {"_triggered": True, "_mode": "overnight"})
    write_state(tmp_path, COLLECTION, "2026-01-27", {"_triggered": False})
    store = DirStore(tmp_path)
    ids = ["2026-01-27", "2026-01-25", "2026-01-26"]
    found = store.get_many(COLLECTION, ids)
    assert found == {day: store.get(COLLECTION, day) for day in ids}
    assert found["2026-01-26"] is None  # missing: None, as `get` says
    assert found["2026-01-25"] == {"_triggered": True, "_mode": "overnight"}
    assert list(found) == ids
    assert store.get_many(COLLECTION, []) == {}
    assert store.get_many("phase4_completion", ["2026-01-25"]) == {"2026-01-25": None}


def _outside_link(root: Path) -> None:
    outside = root.parent / "secret.json"
    outside.write_text(json.dumps({"_triggered": True}))
    (root / COLLECTION / "2026-01-26.json").symlink_to(outside)


def _loop(root: Path) -> None:
    link = root / COLLECTION / "2026-01-26.json"
    link.symlink_to(link)


@pytest.mark.parametrize(
    ("collection", "document", "prepare"),
    [
        (COLLECTION, "../x", None),
        (COLLECTION, "a/b", None),
        (COLLECTION, "", None),
        ("../elsewhere", "2026-01-26", None),
        ("bad collection", "2026-01-26", None),
        (COLLECTION, "2026-01-26", lambda root: write_state(root, COLLECTION, "2026-01-26", [])),
        (
            COLLECTION,
            "2026-01-26",
            lambda root: (root / COLLECTION / "2026-01-26.json").write_text("{"),
        ),
        (
            COLLECTION,
            "2026-01-26",
            lambda root: (root / COLLECTION / "2026-01-26.json").write_text(
                '{"n": 1' + "0" * 30 + "}"
            ),
        ),
        (COLLECTION, "2026-01-26", _outside_link),
        (COLLECTION, "2026-01-26", _loop),
    ],
)
def test_dir_get_many_refuses_with_the_line_get_gives(
    tmp_path: Path, collection: str, document: str, prepare: Callable[[Path], Any] | None
) -> None:
    root = tmp_path / "state"
    write_state(root, COLLECTION, "2026-01-25", {"_triggered": True})
    if prepare is not None:
        prepare(root)
    store = DirStore(root)
    expected = _error(lambda: store.get(collection, document))
    # The refused id among readable ones: the same line, naming the same document.
    assert _refused(store, collection, document) == expected
    assert "\n" not in expected


# --- FirestoreStore against the emulator ------------------------------------------------------


def _seed(documents: dict[str, dict[str, Any]], collection: str = COLLECTION) -> None:
    from google.cloud import firestore as gcf

    client = gcf.Client(project=FIRESTORE_TEST_PROJECT)
    for name, document in documents.items():
        client.collection(collection).document(name).set(document)


def count_batch_gets(store: FirestoreStore, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of documents of each BatchGetDocuments RPC the store's client sends: the
    client library's gRPC stub (what `get_all` and `DocumentReference.get` both call), wrapped
    by a spy that calls through to the emulator."""
    api = store.client._firestore_api
    real = api.batch_get_documents
    sent: list[int] = []

    def spy(*args: Any, **kwargs: Any) -> Any:
        request = kwargs.get("request", args[0] if args else None)
        sent.append(len(request["documents"]))
        return real(*args, **kwargs)

    monkeypatch.setattr(api, "batch_get_documents", spy)
    return sent


@pytest.mark.emulator
def test_firestore_get_many_is_one_rpc_answering_as_get(
    firestore: FirestoreEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    days = [f"2026-01-{day:02d}" for day in range(1, 31)]
    present = {day: {"_triggered": True, "_at": STAMP, "n": i} for i, day in enumerate(days[::2])}
    _seed(present)
    store = FirestoreStore(FIRESTORE_TEST_PROJECT)
    sent = count_batch_gets(store, monkeypatch)
    found = store.get_many(COLLECTION, [*reversed(days), days[0]])  # any order, a repeat
    assert sent == [30]  # one round trip for 30 ids
    assert list(found) == list(reversed(days))
    assert {day for day, doc in found.items() if doc is None} == set(days[1::2])
    for day in days[::2]:
        assert found[day] == store.get(COLLECTION, day)  # values as `get` gives them
    assert found[days[0]] == {"_triggered": True, "_at": STAMP, "n": 0}
    assert type(found[days[0]]["_at"]) is datetime
    assert len(sent) == 1 + 15  # the 15 `get`s: one RPC each
    assert store.get_many(COLLECTION, []) == {} and len(sent) == 16  # nothing sent


@pytest.mark.emulator
def test_firestore_get_many_chunks_at_the_batch_size(
    firestore: FirestoreEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed({"2026-01-01": {"a": 1}, "2026-01-05": {"a": 5}})
    monkeypatch.setattr(firestore_store, "BATCH_SIZE", 2)
    store = FirestoreStore(FIRESTORE_TEST_PROJECT)
    sent = count_batch_gets(store, monkeypatch)
    ids = [f"2026-01-0{day}" for day in range(1, 6)]
    found = store.get_many(COLLECTION, ids)
    assert sent == [2, 2, 1]
    assert found == {day: ({"a": int(day[-1])} if day[-1] in "15" else None) for day in ids}


@pytest.mark.emulator
@pytest.mark.parametrize(
    ("collection", "document"),
    [(COLLECTION, "../x"), (COLLECTION, "a/b"), (COLLECTION, ""), ("bad collection", "d")],
)
def test_firestore_get_many_refuses_as_get_without_sending(
    firestore: FirestoreEmulator, monkeypatch: pytest.MonkeyPatch, collection: str, document: str
) -> None:
    store = FirestoreStore(FIRESTORE_TEST_PROJECT)
    sent = count_batch_gets(store, monkeypatch)
    expected = _error(lambda: store.get(collection, document))
    assert _refused(store, collection, document) == expected
    # Only the readable id is sent; a refused collection sends nothing.
    assert sent == ([1] if collection == COLLECTION else [])


def test_firestore_get_many_unreachable_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.local_servers import free_port

    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", f"127.0.0.1:{free_port()}")  # nobody listens
    store = FirestoreStore(FIRESTORE_TEST_PROJECT, timeout_s=1)
    one = _error(lambda: store.get_many(COLLECTION, ["2026-01-26"]))
    assert one == _error(lambda: store.get(COLLECTION, "2026-01-26"))  # one id: `get`'s line
    many = _error(lambda: store.get_many(COLLECTION, ["2026-01-26", "2026-01-27", "2026-01-28"]))
    assert "\n" not in many and "no answer within 1 s" in many
    assert "(phase3_completion/2026-01-26 and 2 more)" in many
