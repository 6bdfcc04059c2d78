"""Shared fixtures: tiny real warehouses for unit tests, the sample season for suite tests."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipeval.adapters.duckdb_warehouse import DuckDBWarehouse
from pipeval.profile import Profile, load_profile
from tests.builders import build_warehouse
from tests.firestore_emulator import FirestoreEmulator, start_emulator, stop

if TYPE_CHECKING:
    from tests.bq_emulator import Emulator as BigQueryEmulator


def pytest_configure(config: pytest.Config) -> None:
    """Profiles loaded by tests cache their SQL in a throwaway directory, never the user's."""
    os.environ["PIPEVAL_CACHE_DIR"] = tempfile.mkdtemp(prefix="pipeval-test-cache-")


@pytest.fixture(scope="session")
def profile() -> Profile:
    return load_profile("nba-props")


@pytest.fixture
def make_warehouse(tmp_path: Path) -> Iterator[Callable[..., DuckDBWarehouse]]:
    """Build a contract-shaped DuckDB file from rows and open it read-only."""
    opened: list[DuckDBWarehouse] = []
    counter = iter(range(1000))

    def factory(rows=None, **kwargs) -> DuckDBWarehouse:
        path = build_warehouse(tmp_path / f"wh{next(counter)}.duckdb", rows, **kwargs)
        warehouse = DuckDBWarehouse(path)
        opened.append(warehouse)
        return warehouse

    yield factory
    for warehouse in opened:
        warehouse.close()


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default sample season, built once per test session."""
    from pipeval.sample import build_sample

    path = tmp_path_factory.mktemp("sample")
    build_sample(path)
    return path


@pytest.fixture(scope="session")
def sample_urls(sample_dir: Path) -> list[str]:
    return [
        "--warehouse",
        f"duckdb://{sample_dir / 'warehouse.duckdb'}",
        "--state",
        f"dir://{sample_dir / 'state'}",
    ]


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run `pipeval ARGS` in-process through the real entry point: (exit code, stdout, stderr)."""
    from pipeval.cli.main import main

    def invoke(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        with pytest.raises(SystemExit) as done:
            main(list(args))
        captured = capsys.readouterr()
        code = done.value.code
        return (code if isinstance(code, int) else 0), captured.out, captured.err

    return invoke


@pytest.fixture(scope="session")
def firestore_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FirestoreEmulator]:
    """The Firestore emulator of google-cloud-cli, once per session. Missing: the tests FAIL."""
    try:
        emulator = start_emulator(tmp_path_factory.mktemp("firestore"))
    except RuntimeError as err:
        pytest.fail(f"Firestore emulator unavailable: {err}", pytrace=False)
    yield emulator
    stop(emulator.process)


FIRESTORE_TEST_PROJECT = "pipeval-test"


@pytest.fixture
def firestore(
    firestore_emulator: FirestoreEmulator, monkeypatch: pytest.MonkeyPatch
) -> FirestoreEmulator:
    """An empty emulator for this test; FIRESTORE_EMULATOR_HOST points the clients at it."""
    firestore_emulator.clear(FIRESTORE_TEST_PROJECT)
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", firestore_emulator.host)
    return firestore_emulator


@pytest.fixture(scope="session")
def bigquery_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BigQueryEmulator]:
    """bqemulator (its own venv, `bash .ci/setup-bqemu`), once per session. Missing: FAIL."""
    from tests import bq_emulator  # imports google.cloud.bigquery: only when a test needs it

    try:
        emulator = bq_emulator.start_emulator(tmp_path_factory.mktemp("bqemulator"))
    except RuntimeError as err:
        pytest.fail(
            f"BigQuery emulator unavailable ({bq_emulator.SETUP} installs it): {err}", pytrace=False
        )
    yield emulator
    bq_emulator.stop(emulator.process)
