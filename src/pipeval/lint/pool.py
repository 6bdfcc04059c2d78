"""Batches of work shared by this process and forked copies of it, for `pipeval lint`.

`concurrent.futures`' process pool cost a lint run ~8 ms of imports (multiprocessing, its
queues, sockets, temp files) and two threads in this process, and left this process idle
while the workers linted. Here `processes - 1` workers are forked and this process lints too:
every batch's number is written to one pipe before anyone reads, and each process takes the
next number (a 4-byte read, which the kernel serves whole under the pipe's lock) until the pipe
is empty, so a batch goes to exactly one process and the fastest ones take the most. A worker
pickles each batch's results as it finishes it and sends them all at the end; a worker that
fails or dies sends nothing, and its batches are done here. Fork only where it is safe (Linux):
elsewhere `run` returns None and the caller uses its own pool.
"""

from __future__ import annotations

import contextlib
import copyreg
import io
import os
import pickle
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

Batch = TypeVar("Batch")
Result = TypeVar("Result")

TOKEN = 4  # bytes of a batch number in the pipe
# A pipe holds 64 KiB before a writer blocks, and every number is written before any is read.
MAX_BATCHES = 4096
# macOS frameworks may crash a forked child; Windows has no fork.
FORKS = hasattr(os, "fork") and sys.platform.startswith("linux")


def run(
    batches: Sequence[Batch],
    work: Callable[[Batch], Result],
    processes: int,
    reducers: dict[type, Callable[[Any], Any]] | None = None,
) -> list[Result] | None:
    """`work(batch)` for every batch, in order, over this process and `processes - 1` forked
    ones; None where this platform does not fork (nothing was done). `reducers`: pickling of
    result types a worker sends back (copyreg's, per type), cheaper than their default."""
    if not FORKS or processes < 2 or not batches or len(batches) > MAX_BATCHES:
        return None
    queue, feed = os.pipe()
    try:
        os.write(feed, b"".join(n.to_bytes(TOKEN, "little") for n in range(len(batches))))
    finally:
        os.close(feed)
    workers: dict[int, int] = {}  # pid -> the read end of its results pipe
    done: dict[int, Result] = {}
    try:
        for _ in range(min(processes, len(batches)) - 1):
            reader, writer = os.pipe()
            try:
                pid = os.fork()
            except OSError:  # no more processes: fewer workers
                os.close(reader)
                os.close(writer)
                break
            if pid == 0:
                _worker(queue, writer, [reader, *workers.values()], batches, work, reducers)
            os.close(writer)
            workers[pid] = reader
        done.update((number, work(batches[number])) for number in _taken(queue))
        for pid in list(workers):
            done.update(_collect(workers.pop(pid), pid))
    finally:
        os.close(queue)
        for pid, reader in workers.items():  # left early (an exception, a signal): stop them
            os.close(reader)
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
    # A worker that failed sent nothing: its batches are done here.
    return [done[n] if n in done else work(batches[n]) for n in range(len(batches))]


def _taken(queue: int) -> Iterator[int]:
    while chunk := os.read(queue, TOKEN):
        yield int.from_bytes(chunk, "little")


def _worker(
    queue: int,
    writer: int,
    inherited: list[int],
    batches: Sequence[Batch],
    work: Callable[[Batch], Result],
    reducers: dict[type, Callable[[Any], Any]] | None,
) -> None:
    """A forked worker's life: never returns, never runs the parent's exit handlers or flushes
    its buffers (`os._exit`)."""
    code = 1
    try:
        for fd in inherited:  # results pipes of this and earlier workers: not ours to read
            os.close(fd)
        table = {**copyreg.dispatch_table, **(reducers or {})}
        buffer = io.BytesIO()
        for number in _taken(queue):
            # Pickled batch by batch, so that the last batch is the only one the parent waits
            # for; sent at the end, so that a full pipe never stops the work.
            pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
            pickler.dispatch_table = table
            pickler.dump((number, work(batches[number])))
        with os.fdopen(writer, "wb") as stream:
            stream.write(buffer.getbuffer())
        code = 0
    except BaseException:  # a failure or Ctrl-C ends this copy: the parent redoes its batches
        code = 1
    finally:
        os._exit(code)


def _collect(reader: int, pid: int) -> dict[int, Any]:
    """A worker's results, or none when it failed (its batches are then done by the caller)."""
    chunks = []
    try:
        while chunk := os.read(reader, 1 << 20):
            chunks.append(chunk)
    finally:
        os.close(reader)
        _, status = os.waitpid(pid, 0)
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        return {}
    data = b"".join(chunks)
    stream = io.BytesIO(data)
    found: dict[int, Any] = {}
    try:
        while stream.tell() < len(data):
            number, result = pickle.load(stream)
            found[number] = result
    except Exception:  # a truncated message: the worker's batches are done again
        return {}
    return found
