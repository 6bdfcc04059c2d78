"""`pipeval handoff`: git facts from a real repository, the template, and the command end to end.

Repositories are made in each test with real `git` commits; the validation runs on the sample.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from pipeval.errors import InputError
from pipeval.handoff.document import build, slug
from pipeval.handoff.git import GitFacts, GitUnavailable, collect
from pipeval.invocation import Invocation
from pipeval.report.render import render
from pipeval.results import CheckResult, Finding, Severity, Status, SuiteResult
from tests.conftest import file_digest

AS_OF = datetime(2026, 1, 27, 15, tzinfo=UTC)
DAY = date(2026, 1, 26)
SAMPLE_ARGS = ("--date", "2026-01-26", "--as-of", "2026-01-27T15:00:00Z")
HOSTILE_SUBJECT = "fix: a | b `rm -rf` <script>x</script> **bold** #1"
HOSTILE_PATH = "dir/we|ird `name`.py"


# --- a real repository -------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def no_parent_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # git must not find a repository above the test's own directory
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Tester", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def commit(repo: Path, message: str, files: dict[str, str | bytes | None]) -> str:
    for name, content in files.items():
        path = repo / name
        if content is None:
            git(repo, "rm", "-q", name)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "pipeline"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    commit(path, "initial import", {"README.md": "pipeline\n", "old.py": "x = 1\ny = 2\n"})
    return path


def session(repo: Path) -> tuple[str, list[str]]:
    """Three commits after a base; returns the base and the session's commit ids."""
    base = git(repo, "rev-parse", "HEAD")
    shas = [
        commit(repo, "Batch run-history writes", {"shared/batch.py": "a\nb\nc\n"}),
        commit(repo, HOSTILE_SUBJECT, {HOSTILE_PATH: "q\n", "logo.png": b"\x89PNG\x00\x01"}),
        commit(repo, "Drop old module", {"old.py": None, "shared/batch.py": "a\nB\nc\nd\n"}),
    ]
    return base, shas


# --- git facts ---------------------------------------------------------------------------------


def test_collect_lists_commits_and_files_since_a_revision(repo: Path) -> None:
    base, shas = session(repo)
    facts = collect(repo, base, AS_OF)
    assert [c.sha for c in facts.commits] == list(reversed(shas))
    assert facts.commits[-1].subject == "Batch run-history writes"
    assert facts.commits[1].subject == HOSTILE_SUBJECT
    changes = {f.path: (f.added, f.deleted) for f in facts.files}
    assert changes == {
        "shared/batch.py": (4, 0),
        HOSTILE_PATH: (1, 0),
        "logo.png": (None, None),  # binary
        "old.py": (0, 2),
    }
    assert facts.branch == "main" and facts.base == base and facts.since == base
    assert facts.lines == (5, 2)
    assert [c.lines for c in facts.commits] == [(2, 3), (1, 0), (3, 0)]


def test_collect_sees_uncommitted_changes(repo: Path) -> None:
    (repo / "README.md").write_text("changed\n", encoding="utf-8")
    (repo / "new file.txt").write_text("n\n", encoding="utf-8")
    facts = collect(repo, "HEAD", AS_OF)
    assert facts.commits == [] and facts.files == []
    assert sorted(facts.uncommitted) == [("??", "new file.txt"), ("M", "README.md")]


def test_earlier_handoffs_are_not_uncommitted_work(repo: Path) -> None:
    (repo / "docs" / "handoffs").mkdir(parents=True)
    (repo / "docs" / "handoffs" / "2026-01-26-session.md").write_text("# h\n", encoding="utf-8")
    (repo / "notes.txt").write_text("n\n", encoding="utf-8")
    facts = collect(repo, "HEAD", AS_OF)
    assert facts.uncommitted == [("??", "notes.txt")]


def test_default_base_is_the_previous_handoff(repo: Path) -> None:
    commit(repo, "before", {"a.txt": "1\n"})
    handoff = commit(repo, "handoff", {"docs/handoffs/2026-01-25-session.md": "# h\n"})
    after = commit(repo, "after the handoff", {"b.txt": "2\n"})
    facts = collect(repo, None, AS_OF)
    assert facts.base == handoff and [c.sha for c in facts.commits] == [after]
    assert "previous handoff" in facts.base_label


def test_default_base_without_handoffs_is_the_last_24_hours(repo: Path) -> None:
    # every commit is newer than as-of minus 24 h, so all of them are listed
    facts = collect(repo, None, datetime(2000, 1, 2, tzinfo=UTC))
    assert facts.base is None and [c.subject for c in facts.commits] == ["initial import"]
    assert facts.base_label == "24 h ago"  # "commits since 24 h ago"
    old = collect(repo, None, datetime.now(UTC).replace(year=datetime.now(UTC).year + 1))
    assert old.commits == [] and old.base == git(repo, "rev-parse", "HEAD")


@pytest.mark.parametrize("rev", ["no-such-branch", "--output=/tmp/x", "", "HEAD~5"])
def test_a_bad_since_is_one_input_error(repo: Path, rev: str) -> None:
    with pytest.raises(InputError, match="--since"):
        collect(repo, rev, AS_OF)


def test_outside_a_repository_git_is_unavailable(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(GitUnavailable, match="not in a git repository"):
        collect(plain, None, AS_OF)


def test_a_repository_without_commits(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q")
    facts = collect(empty, None, AS_OF)
    assert facts.head is None and facts.commits == []
    with pytest.raises(InputError, match="no commits"):
        collect(empty, "HEAD", AS_OF)


# --- the template ------------------------------------------------------------------------------


def suite(*checks: CheckResult) -> SuiteResult:
    return SuiteResult(
        "daily",
        AS_OF,
        {"date": "2026-01-26"},
        "duckdb:///w.duckdb",
        list(checks),
        stats={"queries": 3, "bytes_processed": 0},
    )


def document(result: SuiteResult | None, facts: GitFacts | None, notes: str | None = None) -> dict:
    return build(
        title="Quota | fix",
        day=DAY,
        validation_day=DAY,
        as_of=AS_OF,
        profile="nba-props",
        result=result,
        validation_note=None if result else "no warehouse configured",
        facts=facts,
        git_note=None if facts else "not in a git repository",
        notes=notes,
        invocation=Invocation(warehouse="duckdb:///w dir/w.duckdb"),
    )


def sections(text: str) -> dict[str, str]:
    parts = text.split("\n## ")
    return {part.split("\n", 1)[0]: part.split("\n", 1)[1] for part in parts[1:]}


def tables(text: str) -> list[list[list[str]]]:
    """Every table as rows of cell texts, as a CommonMark + tables renderer reads them."""
    found: list[list[list[str]]] = []
    in_cell = False
    for token in MarkdownIt("commonmark").enable("table").parse(text):
        if token.type == "table_open":
            found.append([])
        elif token.type == "tr_open":
            found[-1].append([])
        elif token.type in ("th_open", "td_open"):
            in_cell = True
        elif token.type == "inline" and in_cell:
            parts = [c.content for c in token.children or [] if c.type in ("text", "code_inline")]
            found[-1][-1].append("".join(parts))
            in_cell = False
    return found


def test_sections_mirror_the_pipelines_handoffs(repo: Path) -> None:
    base, _ = session(repo)
    text = render("handoff.md.j2", document(suite(), collect(repo, base, AS_OF), "my notes"))
    assert list(sections(text)) == [
        "Executive Summary",
        "What Was Done",
        "Current System State",
        "Issues Found",
        "Next Steps",
        "Verification Commands",
        "Notes",
    ]


def test_values_needing_escaping_render_literally(repo: Path) -> None:
    base, _ = session(repo)
    bad = CheckResult.from_findings(
        "coverage.predictions",
        "68 of 158 | players `x`",
        [Finding(Severity.FAIL, "lost\nwrites | *a*", subject="<b>t</b>")],
        remediation=["add alias `garytrentjr` | then re-run"],
    )
    text = render("handoff.md.j2", document(suite(bad), collect(repo, base, AS_OF)))
    every_table = tables(text)
    commits, files, state = every_table
    assert all(len(row) == 6 for row in commits)
    assert all(len(row) == 3 for row in files + state)
    assert HOSTILE_SUBJECT in [row[1] for row in commits]
    assert HOSTILE_PATH in [row[0] for row in files]
    assert ["coverage.predictions", "❌ FAIL", "68 of 158 | players `x`"] in state
    assert "<script>" not in text and "<b>t</b>" not in text
    assert "lost<br>writes \\| \\*a\\*" in text
    # Backticks in a step quote a command: a code span, literal inside; the rest escaped.
    assert "add alias `garytrentjr` \\| then re-run" in text
    # a connection URL with a space is quoted in the copy-paste commands
    assert "--warehouse 'duckdb:///w dir/w.duckdb'" in text


def test_empty_git_history(repo: Path) -> None:
    text = render("handoff.md.j2", document(suite(), collect(repo, "HEAD", AS_OF)))
    done = sections(text)["What Was Done"]
    assert "No commits on `main` since `HEAD`" in done
    assert "| Commit |" not in text
    assert "0 commits on `main`" in sections(text)["Executive Summary"]


def test_no_failures(repo: Path) -> None:
    ok = CheckResult("quota.errors", "quota", Status.OK, "no quota errors")
    text = render("handoff.md.j2", document(suite(ok), collect(repo, "HEAD", AS_OF)))
    assert "**Status**: ✅ OK" in text
    assert sections(text)["Issues Found"].strip() == "No failing checks."
    assert "No remediation needed" in sections(text)["Next Steps"]
    assert "--checks" not in sections(text)["Verification Commands"]


def test_next_steps_put_failures_before_warnings() -> None:
    warn = CheckResult.from_findings(
        "hygiene.staging_tables", "3 orphans", [Finding(Severity.WARN, "w")], remediation=["drop"]
    )
    fail = CheckResult.from_findings(
        "completeness.phase3",
        "2 missing",
        [Finding(Severity.FAIL, "f")],
        remediation=["re-run phase3", "verify"],
    )
    error = CheckResult.error("quota.errors", "permission bigquery.jobs.listAll denied")
    doc = document(suite(warn, fail, error), None)
    assert [s["step"] for s in doc["next_steps"]] == [
        "re-run phase3",
        "verify",
        "Make quota.errors runnable: could not run: permission bigquery.jobs.listAll denied",
        "drop",
    ]
    assert [i["id"] for i in doc["issues"]] == [
        "completeness.phase3",
        "quota.errors",
        "hygiene.staging_tables",
    ]
    text = render("handoff.md.j2", doc)
    assert "pipeval historical --verify-backfill 2026-01-26" in text
    assert "--checks hygiene.staging_tables,completeness.phase3,quota.errors" in text


def test_without_git_and_warehouse_the_sections_say_why() -> None:
    text = render("handoff.md.j2", document(None, None))
    assert "_No git section: not in a git repository_" in sections(text)["What Was Done"]
    assert "_No validation section: no warehouse configured_" in text
    assert "**Status**: not validated" in text
    assert "Notes" not in sections(text)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (None, "session"),
        ("Quota fix & backfill!", "quota-fix-backfill"),
        ("Ärger mit Übergaben", "arger-mit-ubergaben"),
        ("../../etc/passwd", "etc-passwd"),
        ("???", "session"),
    ],
)
def test_slug(title: str | None, expected: str) -> None:
    assert slug(title) == expected


# --- the command end to end on the sample ------------------------------------------------------


@pytest.fixture
def sample_repo(repo: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str, list[str]]:
    base, shas = session(repo)
    monkeypatch.chdir(repo)
    return repo, base, shas


def failing_checks(run_cli, sample_urls: list[str]) -> dict[str, str]:
    code, out, _ = run_cli("daily", *SAMPLE_ARGS, *sample_urls, "--format", "json")
    report = json.loads(out)
    assert code == {"OK": 0, "WARN": 1, "FAIL": 2, "ERROR": 3}[report["status"]]
    return {c["id"]: c["status"] for c in report["checks"] if c["status"] != "OK"}


def test_handoff_on_the_sample(run_cli, sample_urls: list[str], sample_repo) -> None:
    repo, base, shas = sample_repo
    code, out, err = run_cli("handoff", *SAMPLE_ARGS, "--since", base, *sample_urls)
    path = repo / "docs" / "handoffs" / "2026-01-26-session.md"
    assert out.strip() == str(path) and err == ""
    assert code == 2  # the validation's exit code: the sample's 2026-01-26 fails
    text = path.read_text("utf-8")
    assert text.startswith("# Session handoff\n")
    done = sections(text)["What Was Done"]
    for sha in shas:
        assert f"`{sha[:7]}" in done
    assert "Batch run-history writes" in done and "Drop old module" in done
    assert "initial import" not in done
    files = {row[0]: row[1:] for row in tables(done)[1][1:]}
    assert files["shared/batch.py"] == ["4", "0"] and files["old.py"] == ["0", "2"]
    assert HOSTILE_PATH in files
    failing = failing_checks(run_cli, sample_urls)
    assert failing, "the sample's incident date must have failing checks"
    issues = sections(text)["Issues Found"]
    for check_id, status in failing.items():
        assert f"{check_id} — {status}" in issues
    state = tables(sections(text)["Current System State"])[0]
    assert {row[0] for row in state[1:] if "OK" not in row[1]} == set(failing)
    assert sections(text)["Next Steps"].lstrip().startswith("1. ")


def test_a_second_run_refuses_and_leaves_the_file_untouched(
    run_cli, sample_urls: list[str], sample_repo
) -> None:
    repo, base, _ = sample_repo
    args = ("handoff", *SAMPLE_ARGS, "--since", base, "--title", "Quota fix", *sample_urls)
    first, _, _ = run_cli(*args)
    path = repo / "docs" / "handoffs" / "2026-01-26-quota-fix.md"
    before = file_digest(path)
    commit(repo, "later work", {"later.py": "1\n"})
    code, out, err = run_cli(*args)
    assert code == 3 and out == ""
    assert err.count("\n") == 1 and str(path) in err and "--force" in err
    assert file_digest(path) == before
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temp files left
    code, _, _ = run_cli(*args, "--force")
    assert code == first and "later work" in path.read_text("utf-8")


def test_default_date_is_today_and_validation_is_yesterday(
    run_cli, sample_urls: list[str], sample_repo
) -> None:
    repo, _, _ = sample_repo
    code, out, _ = run_cli("handoff", "--as-of", "2026-01-27T15:00:00Z", *sample_urls)
    assert code in (1, 2)  # 2026-01-26 on the sample is not clean
    path = Path(out.strip())
    assert path == repo / "docs" / "handoffs" / "2026-01-27-session.md"
    assert "daily validation of 2026-01-26" in path.read_text("utf-8")


def test_outside_a_repository_there_is_no_git_section(
    run_cli, sample_urls: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    monkeypatch.chdir(plain)
    code, out, _ = run_cli("handoff", *SAMPLE_ARGS, *sample_urls, "--title", "No git")
    text = Path(out.strip()).read_text("utf-8")
    assert Path(out.strip()).parent == plain / "docs" / "handoffs"
    assert "_No git section:" in text and "not in a git repository" in text
    assert "| quota.table_operations |" in text
    code, out, err = run_cli("handoff", *SAMPLE_ARGS, *sample_urls, "--since", "HEAD", "--force")
    assert code == 3 and "--since" in err and out == ""


def test_without_a_warehouse_there_is_no_validation_section(
    run_cli, sample_repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, base, shas = sample_repo
    monkeypatch.delenv("PIPEVAL_WAREHOUSE", raising=False)
    monkeypatch.delenv("PIPEVAL_STATE", raising=False)
    code, out, _ = run_cli("handoff", "--date", "2026-01-26", "--since", base)
    text = Path(out.strip()).read_text("utf-8")
    assert code == 0
    assert "_No validation section: no warehouse configured" in text
    assert "Drop old module" in text and f"`{shas[0][:7]}" in text


def test_notes_output_and_json(run_cli, sample_repo, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("### Decisions\n- batch at 100 rows\n", encoding="utf-8")
    target = tmp_path / "handoff.md"
    code, out, _ = run_cli(
        "handoff", "--date", "2026-01-26", "--notes", str(notes), "--output", str(target)
    )
    assert code == 0 and out.strip() == str(target)
    assert sections(target.read_text("utf-8"))["Notes"].strip().endswith("- batch at 100 rows")
    as_json = tmp_path / "handoff.json"
    run_cli("handoff", "--date", "2026-01-26", "--format", "json", "--output", str(as_json))
    document = json.loads(as_json.read_text("utf-8"))
    assert document["date"] == "2026-01-26" and document["validation"] is None
    assert document["git"]["branch"] == "main"


DEMO_ARGS = ("--date", "2026-01-26", "--as-of", "2026-01-27T20:00:00Z")  # `pipeval demo`'s


def test_next_steps_on_the_demo_day_are_the_diagnosis_plans(
    run_cli, sample_urls: list[str], sample_repo, tmp_path: Path
) -> None:
    target = tmp_path / "handoff.json"
    args = ("handoff", *DEMO_ARGS, *sample_urls, "--format", "json", "--output", str(target))
    code, _, _ = run_cli(*args)
    document = json.loads(target.read_text("utf-8"))
    incidents = document["validation"]["diagnosis"]["incidents"]
    assert code == 2 and incidents[0]["root"]["check"] == "quota.table_operations"
    planned = [(s["action"], s["command"]) for i in incidents for s in i["plan"]]
    steps = [(s["action"], s["command"]) for s in document["next_steps"]]
    # each plan's steps, in its order, each once; no check's own "re-run now"
    assert steps == list(dict.fromkeys(planned)) and len(set(steps)) == len(steps)
    actions = [action for action, _ in steps]
    assert actions[0].startswith("Wait until ~2026-01-28 00:00Z")
    rerun = [a for a in actions if a.startswith("Re-run")]
    assert rerun[:3] == [
        "Re-run phase3 for 2026-01-26",
        "Re-run phase4 for 2026-01-26..2026-01-27",
        "Re-run phase5 for 2026-01-26..2026-01-27",
    ]
    assert not any("re-run what failed" in a or a.startswith("Then verify") for a in actions)
    assert {s["check"] for s in document["next_steps"]} == {i["root"]["check"] for i in incidents}
    # the Markdown says the same, the first step before any re-run
    text_path = tmp_path / "handoff.md"
    run_cli("handoff", *DEMO_ARGS, *sample_urls, "--output", str(text_path))
    next_steps = sections(text_path.read_text("utf-8"))["Next Steps"]
    assert next_steps.lstrip().startswith("1. Wait until \\~2026-01-28 00:00Z")
    assert next_steps.index("Wait until") < next_steps.index("Re-run phase3")
    assert "`pipeval quota --backfill 2026-01-26 2026-01-27 " in next_steps
    assert next_steps.count("Re-run phase3") == 1


@pytest.mark.parametrize(
    "args",
    [
        ("--notes", "missing.md"),
        ("--notes", "."),
        ("--date", "2026-13-01"),
        ("--since", "nope"),
        ("--output", "no/such/dir/h.md"),
    ],
)
def test_bad_input_writes_nothing(run_cli, sample_repo, args: tuple[str, ...]) -> None:
    repo, _, _ = sample_repo
    before = sorted(p.relative_to(repo) for p in repo.rglob("*") if ".git" not in p.parts)
    code, out, err = run_cli("handoff", "--as-of", "2026-01-27T15:00:00Z", *args)
    assert code == 3 and out == "" and err.count("\n") == 1 and "Traceback" not in err
    after = sorted(p.relative_to(repo) for p in repo.rglob("*") if ".git" not in p.parts)
    assert after == before
    assert not os.path.exists(repo / "docs")
