"""Batches of work shared by this process and forked copies of it, for `pipeval lint`.

`concurrent.futures`' process pool cost a lint run ~8 ms of imports (multiprocessing, its
queues, sockets, temp files) and two threads in this process, and left this process idle
while the workers linted. Here `processes - 1` workers are forked and this process lints too:
every batch's number is written to one pipe before anyone reads, and each process takes the
next number (a 4-byte read, which the kernel serves whole under the pipe's lock) until the pipe
is empty, so a batch goes to exactly one process and the fastest ones take the most.

A worker sends each batch's results as one frame (its length, then a pickle) as soon as the
batch is done, without ever waiting for the pipe (what it cannot take yet waits for the next
batch), and this process reads what has arrived between its own batches: at the end only the
last frames are left to read. Every batch whose frame did not arrive (a worker that failed or
died) is done here. Fork only where it is safe (Linux): elsewhere `run` returns None and the
caller uses its own pool.
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
LENGTH = 4  # bytes of a frame's length
# A pipe holds 64 KiB before a writer blocks, and every number is written before any is read.
MAX_BATCHES = 4096
# macOS frameworks may crash a forked child; Windows has no fork.
FORKS = hasattr(os, "fork") and sys.platform.startswith("linux")


class _Worker:
    """A forked worker as this process sees it: its results pipe and the frames read so far."""

    def __init__(self, pid: int, reader: int) -> None:
        self.pid = pid
        self.reader = reader
        self.unread = bytearray()
        self.found: dict[int, Any] = {}
        self.failed = False
        os.set_blocking(reader, False)

    def read(self, to_the_end: bool = False) -> None:
        """Take what has arrived (`to_the_end`: wait for all of it) and decode whole frames."""
        if to_the_end:
            os.set_blocking(self.reader, True)
        while True:
            try:
                chunk = os.read(self.reader, 1 << 20)
            except BlockingIOError:
                break
            if not chunk:
                break
            self.unread += chunk
        self._decode()

    def _decode(self) -> None:
        start = 0
        view = memoryview(self.unread)
        try:
            while len(view) - start >= LENGTH:
                size = int.from_bytes(view[start : start + LENGTH], "little")
                end = start + LENGTH + size
                if end > len(view):
                    break
                number, result = pickle.loads(view[start + LENGTH : end])
                self.found[number] = result
                start = end
        except Exception:  # a garbled frame: take nothing more from this worker
            self.failed = True
            start = len(view)
        finally:
            view.release()
        del self.unread[:start]

    def finish(self) -> dict[int, Any]:
        """Everything it sent, once it has exited; its batches that never arrived are missing."""
        if not self.failed:
            self.read(to_the_end=True)
        os.close(self.reader)
        os.waitpid(self.pid, 0)
        return self.found

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.reader)
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)


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
    workers: list[_Worker] = []
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
                inherited = [reader, *(worker.reader for worker in workers)]
                _work_here(queue, writer, inherited, batches, work, reducers)
            os.close(writer)
            workers.append(_Worker(pid, reader))
        for number in _taken(queue):
            done[number] = work(batches[number])
            for worker in workers:
                worker.read()
        while workers:
            done.update(workers[-1].finish())
            workers.pop()
    finally:
        os.close(queue)
        for worker in workers:  # left early (an exception, a signal): stop them
            worker.stop()
    # A batch whose results never arrived (its worker failed) is done here.
    return [done[n] if n in done else work(batches[n]) for n in range(len(batches))]


def _taken(queue: int) -> Iterator[int]:
    while chunk := os.read(queue, TOKEN):
        yield int.from_bytes(chunk, "little")


def _work_here(
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
        os.set_blocking(writer, False)
        unsent = bytearray()
        for number in _taken(queue):
            frame = io.BytesIO()
            frame.write(bytes(LENGTH))
            pickler = pickle.Pickler(frame, protocol=pickle.HIGHEST_PROTOCOL)
            pickler.dispatch_table = table
            pickler.dump((number, work(batches[number])))
            data = frame.getbuffer()
            data[:LENGTH] = (len(data) - LENGTH).to_bytes(LENGTH, "little")
            unsent += data
            del data
            unsent = _send(writer, unsent)
        os.set_blocking(writer, True)
        while unsent:
            unsent = _send(writer, unsent)
        code = 0
    except BaseException:  # a failure or Ctrl-C ends this copy: the parent redoes its batches
        code = 1
    finally:
        os._exit(code)


def _send(writer: int, unsent: bytearray) -> bytearray:
    """What the pipe takes now (all of it when blocking); the rest is kept for later."""
    try:
        sent = os.write(writer, unsent)
    except BlockingIOError:
        return unsent
    del unsent[:sent]
    return unsent
