"""The Deployments adapters: CloudRunDeployments through the real `google-cloud-run` client
(REST) against the loopback server of `tests/recorded_run.py`, and DirDeployments on files.

Both parse with `service_resource.parse_service`; the same resource read both ways must give
the same `DeployedService`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from google.cloud import run_v2

from pipeval.adapters import open_deployments
from pipeval.adapters.dir_deployments import DirDeployments
from pipeval.errors import BackendError, InputError, PermissionDeniedError
from pipeval.profile.model import ServiceSpec
from pipeval.sample.deployments import service_resource
from tests.recorded_run import PROJECT, UNAVAILABLE, cloud_run

REGION = "us-west2"
WORKER = ServiceSpec(name="prediction-worker", region=REGION, paths=["predictions/worker"])
FUNCTION = ServiceSpec(
    name="phase3-to-phase4-orchestrator",
    kind="function",
    region=REGION,
    paths=["orchestration/cloud_functions/phase3_to_phase4"],
)


def name_of(service: str, region: str = REGION) -> str:
    return f"projects/{PROJECT}/locations/{region}/services/{service}"


def labeled(spec: ServiceSpec = WORKER, commit: str | None = "3bdfdf7") -> dict:
    return service_resource(
        spec, updated="2026-01-21T10:00:00.123456789Z", commit=commit, revision=16
    )


def test_a_service_with_its_commit_label() -> None:
    with cloud_run({name_of(WORKER.name): labeled()}) as server:
        found = server.deployments().describe(WORKER.name, REGION)
        asked = server.paths
    assert asked == [f"/v2/{name_of(WORKER.name)}"]
    assert found is not None
    assert found.name == "prediction-worker" and found.labels["commit-sha"] == "3bdfdf7"
    assert found.update_time == datetime(2026, 1, 21, 10, 0, 0, 123456, tzinfo=UTC)
    assert found.revision == "prediction-worker-00016" and not found.is_function


def test_a_service_without_labels() -> None:
    resource = labeled(commit=None)
    assert resource["labels"] == {} and resource["template"]["labels"] == {}
    with cloud_run({name_of(WORKER.name): resource}) as server:
        found = server.deployments().describe(WORKER.name, REGION)
    assert found is not None and found.labels == {}
    assert found.update_time == datetime(2026, 1, 21, 10, 0, 0, 123456, tzinfo=UTC)


def test_a_label_only_on_the_revision_template_counts() -> None:
    resource = labeled()
    resource["labels"] = {}
    with cloud_run({name_of(WORKER.name): resource}) as server:
        found = server.deployments().describe(WORKER.name, REGION)
    assert found is not None and found.labels["commit-sha"] == "3bdfdf7"


def test_a_gen2_function_is_a_cloud_run_service() -> None:
    with cloud_run({name_of(FUNCTION.name): labeled(FUNCTION)}) as server:
        found = server.deployments().describe(FUNCTION.name, REGION)
    assert found is not None and found.is_function
    assert found.labels["goog-managed-by"] == "cloudfunctions"
    assert found.labels["commit-sha"] == "3bdfdf7"


def test_404_is_no_such_service() -> None:
    with cloud_run() as server:
        assert server.deployments().describe(WORKER.name, REGION) is None
        assert len(server.paths) == 1  # a 404 is an answer, not retried


def test_the_region_is_part_of_the_name() -> None:
    with cloud_run({name_of(WORKER.name): labeled()}) as server:
        assert server.deployments().describe(WORKER.name, "europe-west1") is None
        assert server.paths == [f"/v2/{name_of(WORKER.name, 'europe-west1')}"]


def test_403_names_the_permission_and_the_role() -> None:
    with cloud_run({name_of(WORKER.name): labeled()}) as server:
        server.forbidden.add(name_of(WORKER.name))
        with pytest.raises(PermissionDeniedError) as denied:
            server.deployments().describe(WORKER.name, REGION)
        assert len(server.paths) == 1
    assert denied.value.role == "roles/run.viewer"
    assert denied.value.permission == "run.services.get"
    assert "roles/run.viewer" in str(denied.value) and "prediction-worker" in str(denied.value)


def test_503_is_retried_until_the_answer() -> None:
    with cloud_run({name_of(WORKER.name): labeled()}) as server:
        server.queued[name_of(WORKER.name)] = [UNAVAILABLE, UNAVAILABLE]
        found = server.deployments().describe(WORKER.name, REGION)
        assert len(server.requests_for(WORKER.name)) == 3
    assert found is not None and found.labels["commit-sha"] == "3bdfdf7"


def test_503_without_end_is_one_backend_error() -> None:
    with cloud_run({name_of(WORKER.name): labeled()}) as server:
        server.queued[name_of(WORKER.name)] = [UNAVAILABLE] * 10_000
        with pytest.raises(BackendError, match="kept failing for service prediction-worker"):
            server.deployments(timeout_s=0.3).describe(WORKER.name, REGION)
        assert len(server.requests_for(WORKER.name)) > 1


def test_both_adapters_read_the_same_resource_the_same_way(tmp_path: Path) -> None:
    resources = {
        WORKER.name: labeled(),
        FUNCTION.name: labeled(FUNCTION, commit=None),
    }
    for service, resource in resources.items():
        (tmp_path / f"{service}.json").write_text(json.dumps(resource), "utf-8")
    local = DirDeployments(tmp_path)
    with cloud_run({r["name"]: r for r in resources.values()}) as server:
        remote = server.deployments()
        for service in resources:
            assert remote.describe(service, REGION) == local.describe(service, REGION)


def test_sample_resources_are_the_api_shape() -> None:
    """What the sample and the tests write parses as a v2 Service, with no unknown field."""
    for spec in (WORKER, FUNCTION):
        parsed = run_v2.Service.from_json(json.dumps(labeled(spec)), ignore_unknown_fields=False)
        assert parsed.name == name_of(spec.name)
        assert parsed.labels["commit-sha"] == "3bdfdf7"


def test_run_endpoint_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    with cloud_run({name_of(WORKER.name): labeled()}) as server:
        monkeypatch.setenv("PIPEVAL_RUN_ENDPOINT", server.endpoint)
        deployments = open_deployments(f"run://{PROJECT}")
        found = deployments.describe(WORKER.name, REGION)
    assert deployments.url == f"run://{PROJECT}"
    assert found is not None and found.revision == "prediction-worker-00016"


# --- DirDeployments ------------------------------------------------------------------------------


def test_dir_missing_file_is_no_such_service(tmp_path: Path) -> None:
    assert DirDeployments(tmp_path).describe("prediction-worker", REGION) is None


def test_dir_service_in_another_region_is_not_this_regions(tmp_path: Path) -> None:
    (tmp_path / "prediction-worker.json").write_text(json.dumps(labeled()), "utf-8")
    assert DirDeployments(tmp_path).describe("prediction-worker", "us-east1") is None
    assert DirDeployments(tmp_path).describe("prediction-worker", REGION) is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{not json", "is not valid JSON"),
        ("[1, 2]", "expected a Service resource"),
        ('{"labels": {}}', "has no name"),
        ('{"name": "x", "labels": {"commit-sha": 7}}', "must map label names to strings"),
        ('{"name": "x", "updateTime": "yesterday"}', "is not an RFC 3339 timestamp"),
        ('{"name": "x", "updateTime": "2026-02-30T00:00:00Z"}', "is not a valid instant"),
        ('{"name": "x", "template": []}', "template must be an object"),
    ],
)
def test_dir_malformed_resources_are_one_backend_error(
    tmp_path: Path, text: str, expected: str
) -> None:
    (tmp_path / "prediction-worker.json").write_text(text, "utf-8")
    with pytest.raises(BackendError, match=expected):
        DirDeployments(tmp_path).describe("prediction-worker", REGION)


def test_dir_refuses_names_that_could_leave_the_directory(tmp_path: Path) -> None:
    with pytest.raises(BackendError, match="is not a Cloud Run service name"):
        DirDeployments(tmp_path).describe("../secrets", REGION)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("run://", "names no project"),
        ("run://nba-props-platform/us-west2", "expected run://PROJECT"),
        ("s3://bucket", "expected one of run://PROJECT, dir:///PATH"),
        ("dir://", "names no path"),
        ("run://user:secret@nba-props-platform", "credentials in the URL are not supported"),
    ],
)
def test_deploy_urls_that_are_bad_input(url: str, expected: str) -> None:
    with pytest.raises(InputError, match=expected):
        open_deployments(url)


def test_dir_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(BackendError, match="deployments directory not found"):
        open_deployments(f"dir://{tmp_path}/none")
