"""Reading a library's new and changed files: in this process, or several when there are many.

A cold scan reads every story once, and reading is Python code, so threads would only take
turns. With many files to read (a first scan of a big folder) they are shared between this
process and a few worker processes, each sending back only the summary of a story
(:mod:`nightstand.formats.summary`), never the story itself. A worker imports the loaders
and nothing else: this process turns summaries into cache rows and identities.

A worker is a new interpreter running :func:`serve` (not a fork: the scan may run on a
thread of the Textual app, and a fork copies whatever locks other threads hold; and not
multiprocessing's spawn, which runs the caller's main script again in every worker). It
reads length-prefixed pickled lists of files on stdin and answers each on stdout; it ends
when its stdin closes, so it never outlives the scan. A worker that cannot start or dies
leaves its files to this process.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
from collections import deque
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable, Generator

    from nightstand.formats.summary import Outcome
    from nightstand.state import CachedFile, Identity

    FileRead = tuple[CachedFile, Identity | None, int]
    """A file's cache row, its identity (None if it is no story) and its chapter count."""
    ReadOne = Callable[[str, int, int], FileRead]
    Finish = Callable[[Outcome], FileRead]
    Todo = list[tuple[str, int, int]]

POOL_FROM = 48
"""Fewer files than this are read here: starting a worker costs about as much as 50 files."""
CHUNK = 12
"""Files a worker reads per task: few enough that a cancelled scan stops at once."""
MAX_WORKERS = 4


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


_LENGTH = struct.Struct("<I")


def _send(stream: IO[bytes], value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)) + data)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    """The next message, or None at the end of the stream."""
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (size,) = _LENGTH.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        return None
    # Only ever a message from our own worker or parent, on a pipe between the two.
    try:
        return pickle.loads(data)
    except Exception:  # A garbled answer counts as the worker's death: nothing is lost.
        return None


def serve() -> None:
    """A worker's loop: read each list of files sent on stdin, answer on stdout, until EOF."""
    from nightstand.formats.summary import summarize_file

    # Ctrl-C belongs to the command in front; the worker ends when the scan closes its stdin.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while (chunk := _receive(stdin)) is not None:
        _send(stdout, [summarize_file(*item) for item in chunk])


class _Worker:
    """One worker process and the files it is reading."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from nightstand.library_read import serve; serve()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert self.proc.stdout is not None
        self.fd = self.proc.stdout.fileno()
        self.chunk: Todo | None = None

    def give(self, chunk: Todo) -> bool:
        """Send ``chunk`` to read; False if the worker is gone."""
        assert self.proc.stdin is not None
        try:
            _send(self.proc.stdin, chunk)
        except OSError:
            return False
        self.chunk = chunk
        return True

    def take(self) -> list[Outcome] | None:
        """The answer for the chunk given (None if the worker died); the worker is idle."""
        assert self.proc.stdout is not None
        answer: list[Outcome] | None = _receive(self.proc.stdout)
        self.chunk = None
        return answer

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            if self.proc.stdin is not None:
                self.proc.stdin.close()
        if self.proc.poll() is None:
            # Idle, it ends on EOF at once; busy (a cancelled scan), it is not waited for.
            with contextlib.suppress(OSError):
                self.proc.kill()
        self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def read_files(
    todo: Todo,
    read: ReadOne,
    finish: Finish,
    cancel: threading.Event | None = None,
) -> Generator[FileRead, None, None]:
    """What ``read`` gives for each (path, size, mtime_ns) of ``todo``, in no fixed order.

    ``read`` is used in this process. Worker processes summarise files with
    ``summarize_file`` and ``finish`` turns each answer into what ``read`` would give
    (``library.read_file`` is ``finish`` of ``summarize_file``). Stops early once ``cancel``
    is set.
    """
    workers = min(MAX_WORKERS, _cpus() - 1)
    if len(todo) < POOL_FROM or workers < 1:
        for item in todo:
            if cancel is not None and cancel.is_set():
                return
            yield read(*item)
        return
    yield from _pooled(todo, read, finish, cancel, workers)


def _pooled(
    todo: Todo, read: ReadOne, finish: Finish, cancel: threading.Event | None, count: int
) -> Generator[FileRead, None, None]:
    chunks = deque(todo[i : i + CHUNK] for i in range(0, len(todo), CHUNK))
    workers: list[_Worker] = []
    with contextlib.suppress(OSError, ValueError):  # No processes: every file is read here.
        for _ in range(count):
            workers.append(_Worker())
    try:
        for worker in list(workers):
            _hand_on(worker, chunks, workers)
        while chunks or any(w.chunk is not None for w in workers):
            if cancel is not None and cancel.is_set():
                return
            busy = {w.fd: w for w in workers if w.chunk is not None}
            ready = select.select(list(busy), [], [], 0)[0] if busy else []
            for fd in ready:
                worker = busy[fd]
                chunk = worker.chunk
                answer = worker.take()
                if answer is None:  # It died: its files are read here.
                    workers.remove(worker)
                    assert chunk is not None
                    chunks.append(chunk)
                    continue
                _hand_on(worker, chunks, workers)
                for outcome in answer:
                    yield finish(outcome)
            if chunks and not ready:
                # While the workers read from the front, this process reads from the back.
                for item in chunks.pop():
                    yield read(*item)
            elif busy and not ready:
                select.select(list(busy), [], [], 0.5)
    finally:
        for worker in workers:
            worker.stop()


def _hand_on(worker: _Worker, chunks: deque[Todo], workers: list[_Worker]) -> None:
    """Give ``worker`` the next chunk; a worker that cannot take it is dropped."""
    if not chunks:
        return
    chunk = chunks.popleft()
    if not worker.give(chunk):
        chunks.appendleft(chunk)
        workers.remove(worker)
