"""Atomic outputs: reports and handoffs go to a temp file beside the target and are renamed
into place, so an interrupted run never leaves a partial report, and (short of SIGKILL) no
temp file either. Interruptions are real: KeyboardInterrupt or a full disk raised by the OS
calls the writer makes, and SIGTERM / SIGKILL sent to a `pipeval` process that is provably
between writing its temp file and renaming it.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from tests.builders import build_warehouse, season_rows

DAY = date(2026, 1, 20)
AS_OF = "2026-01-21T18:00:00Z"


@pytest.fixture
def warehouse(tmp_path: Path) -> str:
    days = [date(2026, 1, 18), date(2026, 1, 19), DAY]
    return f"duckdb://{build_warehouse(tmp_path / 'w.duckdb', season_rows(days))}"


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "reports"
    folder.mkdir()
    return folder


def ctrl_c() -> None:
    """A real Ctrl-C: SIGINT to this process, handled by whatever handler pipeval installed."""
    os.kill(os.getpid(), signal.SIGINT)


def disk_full() -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def interrupt_on(
    monkeypatch: pytest.MonkeyPatch, name: str, event: Callable[[], None], nth: int = 1
) -> list:
    """Make `event` happen at the `nth` call of `os.<name>`, before the call does anything."""
    real: Callable = getattr(os, name)
    calls = []

    def failing(*args, **kwargs):
        calls.append(args)
        if len(calls) == nth:
            event()
        return real(*args, **kwargs)

    monkeypatch.setattr(os, name, failing)
    return calls


def daily_args(warehouse: str, output: Path) -> list[str]:
    return ["daily", "--warehouse", warehouse, "--as-of", AS_OF, "--checks", "completeness",
            "--output", str(output)]  # fmt: skip


def daily(run_cli, warehouse: str, output: Path):
    return run_cli(*daily_args(warehouse, output))


def test_ctrl_c_before_the_rename_leaves_no_report_and_no_temp_file(
    run_cli, warehouse: str, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = interrupt_on(monkeypatch, "replace", ctrl_c)
    code, out, err = daily(run_cli, warehouse, out_dir / "report.md")
    assert calls, "the report was not written through a rename"
    assert (code, out, err) == (130, "", "pipeval: error: interrupted\n")
    assert list(out_dir.iterdir()) == []


def test_an_interrupted_rewrite_keeps_the_previous_report_whole(
    run_cli, warehouse: str, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = out_dir / "report.md"
    report.write_text("yesterday's complete report\n", "utf-8")
    interrupt_on(monkeypatch, "fsync", ctrl_c)  # the new text is in the temp file, not synced
    code, _, _ = daily(run_cli, warehouse, report)
    assert code == 130
    assert report.read_text("utf-8") == "yesterday's complete report\n"
    assert [path.name for path in out_dir.iterdir()] == ["report.md"]


def test_a_full_disk_is_one_line_exit_3_and_nothing_left(
    run_cli, warehouse: str, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    interrupt_on(monkeypatch, "fsync", disk_full)
    code, out, err = daily(run_cli, warehouse, out_dir / "report.md")
    assert code == 3 and out == ""
    assert err == f"pipeval: error: cannot write {out_dir / 'report.md'}: No space left on device\n"
    assert list(out_dir.iterdir()) == []


def test_a_failure_while_rendering_writes_nothing(
    run_cli, warehouse: str, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeval.report.render import environment

    def broken_filter(value: object) -> str:
        ctrl_c()  # halfway through the template
        return ""

    monkeypatch.setitem(environment().filters, "icon", broken_filter)
    code, _, err = daily(run_cli, warehouse, out_dir / "report.md")
    assert (code, err) == (130, "pipeval: error: interrupted\n")
    assert list(out_dir.iterdir()) == []


def test_historical_writes_its_report_and_heatmap_both_or_neither(
    run_cli, warehouse: str, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = ["historical", "--warehouse", warehouse, "--as-of", AS_OF, "--start"]
    history += ["2026-01-18", "--end", str(DAY), "--output", str(out_dir / "history.md")]
    calls = interrupt_on(monkeypatch, "replace", ctrl_c, nth=2)  # the .md, after the .svg
    code, _, _ = run_cli(*history)
    assert code == 130 and len(calls) == 2
    assert list(out_dir.iterdir()) == []
    monkeypatch.undo()
    code, _, _ = run_cli(*history)
    assert code == 3  # no --state: the orchestration checks could not run, the report stands
    assert sorted(path.name for path in out_dir.iterdir()) == ["history.md", "history.svg"]


def test_an_interrupted_handoff_leaves_no_file(
    run_cli, warehouse: str, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(out_dir.parent)
    # A handoff never overwrites: it is hard-linked into place, which fails if the file exists.
    calls = interrupt_on(monkeypatch, "link", ctrl_c)
    code, out, err = run_cli(
        "handoff",
        "--warehouse",
        warehouse,
        "--as-of",
        AS_OF,
        "--date",
        str(DAY),
        "--output",
        str(out_dir / "handoff.md"),
    )
    assert calls and (code, out, err) == (130, "", "pipeval: error: interrupted\n")
    assert list(out_dir.iterdir()) == []


# --- a real process, stopped between writing the temp file and renaming it --------------------

DRIVER = """
import os, sys, time
real_fsync = os.fsync

def stalled_fsync(fd):
    real_fsync(fd)
    sys.stderr.write("TEMP WRITTEN\\n")
    sys.stderr.flush()
    time.sleep(120)

os.fsync = stalled_fsync
from pipeval.cli.main import main
main(sys.argv[1:])
"""


def stop_mid_write(warehouse: str, output: Path, sig: int) -> subprocess.CompletedProcess:
    process = subprocess.Popen(
        [sys.executable, "-c", DRIVER, *daily_args(warehouse, output)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    line = process.stderr.readline()  # blocks until the temp file is on disk
    assert line == "TEMP WRITTEN\n", line
    assert [p.name for p in output.parent.iterdir() if p.name.endswith(".tmp")]
    process.send_signal(sig)
    out, err = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def test_sigterm_mid_write_cleans_up_the_temp_file(warehouse: str, out_dir: Path) -> None:
    done = stop_mid_write(warehouse, out_dir / "report.md", signal.SIGTERM)
    assert done.returncode == 128 + signal.SIGTERM
    assert done.stderr == "pipeval: error: terminated\n"
    assert list(out_dir.iterdir()) == []


def test_sigkill_mid_write_never_leaves_a_partial_report(warehouse: str, out_dir: Path) -> None:
    done = stop_mid_write(warehouse, out_dir / "report.md", signal.SIGKILL)
    assert done.returncode == -signal.SIGKILL
    assert not (out_dir / "report.md").exists()
    # Nothing runs after SIGKILL: only the hidden temp file can remain, never the report.
    leftovers = [path.name for path in out_dir.iterdir()]
    assert len(leftovers) == 1 and leftovers[0].startswith(".report.md.")
    assert leftovers[0].endswith(".tmp")
