"""The JSON of `daily` and `historical` on the sample is what it was before the last refactoring.

The recorded documents and the comparison rules (additions allowed, nothing recorded may change)
are in tests/results_fixtures.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.results_fixtures import DATA, RUNS, Run, cli_args, differences, normalized


@pytest.fixture(scope="session")
def season_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`pipeval sample --season`, built once per session (a few seconds)."""
    from pipeval.sample import build_sample

    path = tmp_path_factory.mktemp("season")
    build_sample(path, season=True)
    return path


@pytest.mark.parametrize("run", RUNS, ids=[run.name for run in RUNS])
def test_json_reproduces_the_recorded_run(
    run: Run, request: pytest.FixtureRequest, run_cli
) -> None:
    sample: Path = request.getfixturevalue("season_dir" if run.sample == "season" else "sample_dir")
    code, out, err = run_cli(*cli_args(run, sample))
    assert code in (0, 1, 2), err
    recorded = json.loads((DATA / f"{run.name}.json").read_text())
    assert differences(recorded, normalized(out, sample)) == []


def test_comparison_allows_additions_and_nothing_else() -> None:
    recorded = {
        "status": "FAIL",
        "checks": [{"id": "a", "summary": "1 of 2", "findings": [{"message": "x"}]}],
    }
    added = {
        "status": "FAIL",
        "diagnosis": {"incidents": []},
        "checks": [
            {"id": "new.check", "summary": "extra"},
            {"id": "a", "summary": "1 of 2", "findings": [{"message": "x", "data": {}}]},
        ],
    }
    assert differences(recorded, added) == []
    changed = json.loads(json.dumps(added))
    changed["checks"][1]["summary"] = "2 of 2"
    assert differences(recorded, changed) == [
        "$.checks[a].summary: recorded '1 of 2', now '2 of 2'"
    ]
    dropped = {**added, "checks": added["checks"][:1]}
    assert differences(recorded, dropped) == ["$.checks[a]: missing"]
    one_more = json.loads(json.dumps(added))
    one_more["checks"][1]["findings"].append({"message": "y"})
    assert differences(recorded, one_more) == ["$.checks[a].findings: 1 items recorded, 2 now"]
    assert differences({"n": 1}, {"n": 1.0}) == ["$.n: recorded 1, now 1.0"]
