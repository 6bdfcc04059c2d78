"""The demo day as an on-call engineer and an agent read it: the report leads with the diagnosis,
stays within its budget, names every failing subject, and every command it prints runs.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipeval.checks import FAMILIES, checks_for
from pipeval.diagnosis.playbook import entry_for, slug
from pipeval.profile import Profile

REPO = Path(__file__).resolve().parents[1]
SKILL = REPO / "skills" / "validate-daily"
DEMO = ("--date", "2026-01-26", "--as-of", "2026-01-27T20:00:00Z")  # what `pipeval demo` runs
REPORT_TOKENS = 1500
CHARS_PER_TOKEN = 4
READING_BUDGET = 12_000
SPAN = re.compile(r"`([^`\n]+)`")
Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture(scope="module")
def demo_args(sample_dir: Path, sample_urls: list[str]) -> list[str]:
    """What `pipeval demo` runs: the sample with its deployments and pipeline clone."""
    deploy = ["--deploy", f"dir://{sample_dir / 'deploy'}", "--repo", str(sample_dir / "pipeline")]
    return [*DEMO, *sample_urls, *deploy]


@pytest.fixture(scope="module")
def demo_json(demo_args: list[str]) -> dict[str, Any]:
    # Module-scoped: run once through the real entry point, reading the JSON it prints.
    import contextlib
    import io

    from pipeval.cli.main import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        main(["daily", *demo_args, "--format", "json"])
    return json.loads(out.getvalue())


def demo_markdown(run_cli: Cli, demo_args: list[str]) -> str:
    code, out, _ = run_cli("daily", *demo_args)
    assert code == 2
    return out


def test_the_demo_day_is_one_incident_rooted_in_the_run_log_quota(demo_json) -> None:
    incidents = demo_json["diagnosis"]["incidents"]
    first = incidents[0]
    assert first["root"] == {
        "check": "quota.table_operations",
        "subject": "nba_reference.processor_run_history",
    }
    assert {
        "completeness.phase3",
        "completeness.phase4",
        "completeness.phase5",
        "orchestration.phase3",
        "orchestration.phase4",
        "coverage.predictions",
    } <= set(first["consequences"])
    assert [i["root"]["check"] for i in incidents[1:]] == ["deploy.drift", "hygiene.staging_tables"]
    steps = [(s["action"], s["command"]) for s in first["plan"]]
    assert len(steps) == len(set(steps))


def test_coverage_blames_the_phases_that_never_ran(demo_json) -> None:
    coverage = next(c for c in demo_json["checks"] if c["id"] == "coverage.predictions")
    assert set(coverage["metrics"]["missing_by_reason"]) == {"phase_missing"}
    message = next(f["message"] for f in coverage["findings"] if "missing on" in f["message"])
    assert "their game is missing from phase3, phase4, phase5" in message
    assert "lost writes" not in json.dumps(coverage)


def test_the_report_leads_with_the_diagnosis_within_its_budget(
    run_cli: Cli, demo_args: list[str], demo_json
) -> None:
    text = demo_markdown(run_cli, demo_args)
    assert text.index("## Diagnosis") < text.index("## Checks")
    assert len(text) <= REPORT_TOKENS * CHARS_PER_TOKEN, len(text)
    subjects = {
        finding["subject"]
        for check in demo_json["checks"]
        for finding in check["findings"]
        if finding["severity"] != "INFO" and finding["subject"]
    }
    assert subjects, "the demo day has failing subjects"
    for subject in subjects:
        assert subject in text, subject


def _pipeval_commands(texts: list[str]) -> list[str]:
    found = []
    for text in texts:
        for span in [text, *SPAN.findall(text)]:
            if span.startswith("pipeval "):
                found.append(span)
    return list(dict.fromkeys(found))


def test_every_printed_pipeval_command_runs(
    run_cli: Cli, sample_urls: list[str], demo_args: list[str], demo_json, tmp_path: Path
) -> None:
    texts = [
        step["command"] or "" for i in demo_json["diagnosis"]["incidents"] for step in i["plan"]
    ]
    texts += [step for check in demo_json["checks"] for step in check["remediation"]]
    texts.append(demo_markdown(run_cli, demo_args))
    # a handoff's verification commands and a historical plan's verify steps
    handoff = tmp_path / "handoff.json"
    run_cli("handoff", *DEMO, *sample_urls, "--format", "json", "--output", str(handoff))
    texts += json.loads(handoff.read_text(encoding="utf-8"))["verification"]
    _, out, _ = run_cli(
        "historical",
        "--start",
        "2025-12-27",
        "--end",
        "2026-01-26",
        *DEMO[2:],
        *sample_urls,
        "--format",
        "json",
    )
    history = json.loads(out)
    texts += [c for step in history["historical"]["plan"] for c in step["command"]]
    texts += [step for check in history["checks"] for step in check["remediation"]]
    commands = _pipeval_commands(texts)
    assert len(commands) >= 5, commands
    for command in commands:
        words = shlex.split(command)
        assert "--warehouse" in words and "--as-of" in words, command
        code, _, err = run_cli(*words[1:])
        assert code != 3, f"{command}: {err}"


def _headings(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    return {slug(h) for h in re.findall(r"^#{1,6} (.+?)\s*$", text, re.MULTILINE)}


def _resolve(link: str) -> Path:
    path, _, anchor = link.partition("#")
    target = SKILL / path
    assert target.is_file(), link
    assert anchor in _headings(target), link
    return target


def test_every_playbook_link_resolves(profile: Profile, demo_json) -> None:
    links = [i["playbook"] for i in demo_json["diagnosis"]["incidents"]]
    families = [f for f in FAMILIES if f != "lint"]
    links += [entry_for(c.id) for f in families for c in checks_for(profile, f)]
    assert None not in links
    for link in links:
        _resolve(link)


def entry_text(link: str) -> str:
    """The playbook entry a link points to: its heading to the next heading of that level."""
    target = _resolve(link)
    anchor = link.partition("#")[2]
    lines = target.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(
        i for i, line in enumerate(lines) if line.startswith("## ") and slug(line[3:]) == anchor
    )
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return "".join(lines[start:end])


def test_the_agent_reads_under_its_budget_on_the_demo_day(
    run_cli: Cli, demo_args: list[str], demo_json
) -> None:
    skill = (SKILL / "SKILL.md").read_text(encoding="utf-8")
    report = demo_markdown(run_cli, demo_args)
    entry = entry_text(demo_json["diagnosis"]["incidents"][0]["playbook"])
    total = len(skill) + len(report) + len(entry)
    assert total <= READING_BUDGET, {
        "skill": len(skill),
        "report": len(report),
        "entry": len(entry),
    }
