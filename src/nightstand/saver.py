"""Saving the reading position off the UI thread, coalesced.

A page turn must never wait on the disk, and a reader flicking through twenty pages needs
only the last of them written. :class:`PositionSaver` keeps the newest request and one
thread writes it; :meth:`PositionSaver.flush` writes what is pending before exit, on
SIGTERM or SIGHUP.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from pathlib import Path

    from nightstand.state.records import PartialPlace
    from nightstand.story import Story


class PositionSink(Protocol):
    """What the saver writes to: the state store's ``save_position``."""

    def save_position(
        self,
        key: str,
        path: Path,
        story: Story,
        offset: int,
        percent: float | None = None,
        partial: PartialPlace | None = None,
    ) -> None:
        """Write one position (and the percent the reader saw) in one transaction."""


@dataclass(frozen=True, slots=True)
class _Request:
    key: str
    path: Path
    story: Story
    offset: int
    percent: float | None
    partial: PartialPlace | None = None


class PositionSaver:
    """Writes the latest requested position on a background thread."""

    DELAY = 0.1
    """Seconds between a request and its write (flush and close write at once)."""

    def __init__(self, sink: PositionSink) -> None:
        self._sink = sink
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._wake = threading.Event()
        # The newest request per story: a turn in one story never drops another's last place.
        self._pending: dict[str, _Request] = {}
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="nightstand-saver", daemon=True)
        self._thread.start()

    def submit(
        self,
        key: str,
        path: Path,
        story: Story,
        offset: int,
        percent: float | None = None,
        partial: PartialPlace | None = None,
    ) -> None:
        """Ask for a position to be saved; a newer request replaces an unwritten one.

        ``partial``: ``story`` is only part of the book (see ``StateStore.save_position``).
        """
        with self._lock:
            self._pending.pop(key, None)
            self._pending[key] = _Request(key, path, story, offset, percent, partial)
        self._wake.set()

    def flush(self) -> None:
        """Write the pending request now, on the calling thread (exit, signals)."""
        self._write_pending()

    def close(self) -> None:
        """Flush and stop the thread."""
        self._closed = True
        self._stop.set()
        self._wake.set()
        self._write_pending()
        self._thread.join(timeout=2)

    def _write_pending(self) -> None:
        with self._write_lock:
            with self._lock:
                requests, self._pending = list(self._pending.values()), {}
            for request in requests:
                self._sink.save_position(
                    request.key,
                    request.path,
                    request.story,
                    request.offset,
                    request.percent,
                    request.partial,
                )

    def _run(self) -> None:
        while not self._closed:
            self._wake.wait()
            # A page turn asks for a save before its page is drawn: waiting a moment keeps
            # this thread (SQLite, and Python holding the GIL) off the turn's way to the
            # screen, and a reader flicking pages has only the last one written.
            self._stop.wait(self.DELAY)
            self._wake.clear()
            self._write_pending()
