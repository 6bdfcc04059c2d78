"""`pipeval.lint.pool`: forked workers and this process share the batches; each batch is done
exactly once, results come back in order, and a worker that fails costs only time."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from pipeval.lint import engine, pool
from pipeval.lint.engine import LintTarget
from pipeval.lint.rule import Settings
from pipeval.lint.sinks import Pass, Sink


class Log:
    """Which process did which batch: one appended line each (O_APPEND lines do not mix)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.write_text("", encoding="utf-8")

    def add(self, number: int) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, f"{os.getpid()} {number}\n".encode())
        finally:
            os.close(fd)

    def rows(self) -> list[tuple[int, int]]:
        lines = self.path.read_text(encoding="utf-8").split()
        return [
            (int(pid), int(number)) for pid, number in zip(lines[::2], lines[1::2], strict=True)
        ]

    def wait_for_processes(self, count: int) -> None:
        """Hold this batch until `count` processes have each started one: then every process
        surely takes part, however the scheduler runs them."""
        deadline = time.monotonic() + 30
        while len({pid for pid, _ in self.rows()}) < count and time.monotonic() < deadline:
            time.sleep(0.005)


def test_each_batch_once_in_order_shared_with_the_workers(tmp_path: Path) -> None:
    log = Log(tmp_path / "log")

    def work(number: int) -> tuple[int, int]:
        log.add(number)
        log.wait_for_processes(3)
        return number, number * number

    results = pool.run(list(range(40)), work, processes=3)
    assert results == [(n, n * n) for n in range(40)]
    rows = log.rows()
    assert sorted(number for _, number in rows) == list(range(40))  # each batch exactly once
    pids = {pid for pid, _ in rows}
    assert len(pids) == 3 and os.getpid() in pids  # this process linted too


@pytest.mark.parametrize("failure", ["raises", "exits", "killed"])
def test_a_failing_worker_costs_only_time(tmp_path: Path, failure: str) -> None:
    log = Log(tmp_path / "log")
    parent = os.getpid()

    def work(number: int) -> int:
        log.add(number)
        log.wait_for_processes(2)
        if os.getpid() != parent:  # the worker fails on the first batch it takes
            if failure == "raises":
                raise RuntimeError("a worker's bug")
            if failure == "exits":
                os._exit(0)  # gone without a word: its results never arrive
            os.kill(os.getpid(), 9)
        return -number

    assert pool.run(list(range(20)), work, processes=2) == [-n for n in range(20)]
    worker = {pid for pid, _ in log.rows()} - {parent}
    assert len(worker) == 1
    with pytest.raises(ProcessLookupError):  # reaped, not left a zombie
        os.kill(worker.pop(), 0)


def test_a_failure_here_stops_the_workers_and_is_raised(tmp_path: Path) -> None:
    log = Log(tmp_path / "log")
    parent = os.getpid()

    def work(number: int) -> int:
        log.add(number)
        log.wait_for_processes(2)
        if os.getpid() == parent:
            raise ValueError("this process's own bug")
        time.sleep(0.01)
        return number

    with pytest.raises(ValueError, match="own bug"):
        pool.run(list(range(200)), work, processes=2)
    (worker,) = {pid for pid, _ in log.rows()} - {parent}
    with pytest.raises(ProcessLookupError):  # stopped and reaped before the error went up
        os.kill(worker, 0)


def test_reducers_send_named_tuples_back_as_themselves(tmp_path: Path) -> None:
    made = Pass(Sink("run_sql", 1, ""), Sink("query", 0, "sql"))
    parent = os.getpid()
    log = Log(tmp_path / "log")

    def work(number: int) -> list[object]:
        log.add(number)
        log.wait_for_processes(2)
        return [made, os.getpid() != parent]

    results = pool.run(list(range(8)), work, processes=2, reducers=engine.REDUCERS)
    assert results is not None
    assert any(sent for _, sent in results)  # some came from the worker, through a pipe
    for got, _ in results:
        assert got == made and type(got) is Pass and type(got.source) is Sink


def test_without_fork_nothing_is_done_and_the_executor_gives_the_same_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for index in range(12):
        (tmp_path / f"m{index}.py").write_text(
            "def f(client, rows):\n"
            + "".join(f"    client.insert_rows_json('t', [rows[{n}]])\n" for n in range(index)),
            encoding="utf-8",
        )
    files = engine.discover(LintTarget(paths=(tmp_path,)))
    settings = Settings(frozenset({"t"}))
    forked = engine._pooled(files, settings, 2)
    monkeypatch.setattr(pool, "FORKS", False)
    assert pool.run([1, 2], lambda n: n, processes=2) is None
    assert engine._pooled(files, settings, 2) == forked == engine._lint_batch(files, settings)


def test_batches_shrink_toward_the_smallest_files(tmp_path: Path) -> None:
    for index in range(300):
        (tmp_path / f"m{index}.py").write_text("x = 1\n" * index, encoding="utf-8")
    files = engine.discover(LintTarget(paths=(tmp_path,)))
    plan = engine.batches(files, 2)
    assert sorted(i for batch in plan for i in batch) == list(range(300))
    sizes = [len(batch) for batch in plan]
    assert sizes[0] == engine.BATCH and sizes[-1] <= engine.MIN_BATCH
    assert sizes == sorted(sizes, reverse=True)
    order = [files[i].file.stat().st_size for batch in plan for i in batch]
    assert order == sorted(order, reverse=True)  # largest files first


def test_what_a_worker_sent_before_it_died_is_kept(tmp_path: Path) -> None:
    """Results travel batch by batch: a worker killed on its third batch has sent its first
    two, and only the batch it died on is done again here."""
    log = Log(tmp_path / "log")
    parent = os.getpid()

    def work(number: int) -> int:
        log.add(number)
        mine = [n for pid, n in log.rows() if pid == os.getpid()]
        if os.getpid() != parent and len(mine) == 3:
            os.kill(os.getpid(), 9)
        if os.getpid() == parent and len(mine) == 1:  # let the worker reach its third batch
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if len([n for pid, n in log.rows() if pid != parent]) >= 3:
                    break
                time.sleep(0.005)
        return -number

    assert pool.run(list(range(40)), work, processes=2) == [-n for n in range(40)]
    rows = log.rows()
    by_worker = [n for pid, n in rows if pid != parent]
    assert len(by_worker) == 3
    assert sorted(n for _, n in rows) == sorted([*range(40), by_worker[2]])
