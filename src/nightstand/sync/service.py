"""Sync for one open story: pull and offer, push debounced, queue and retry.

:class:`SyncSession` never blocks its caller on the network except in :meth:`pull` (called
from a worker) and :meth:`flush` (on the way out, bounded by a hard timeout). Page turns only
call :meth:`note`, which records the newest place and wakes a background thread; that thread
waits until the reader has paused, then pushes. A push that fails is kept in the sync log
and retried with growing pauses; the first failure of a run is reported once through
``on_notice``, never again until a push has worked.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from nightstand.errors import NightstandError
from nightstand.sync.account import SyncLog
from nightstand.sync.client import KosyncClient, RemoteProgress, SyncError
from nightstand.sync.digest import filename_md5, partial_md5

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from nightstand.story import Story
    from nightstand.sync.account import Account
    from nightstand.sync.xpointer import EpubPlaces

DEBOUNCE: Final = 4.0
"""Seconds without a page turn before the place is pushed."""
RETRY: Final = (15.0, 60.0, 300.0)
"""Pauses before retrying a failed push; the last repeats."""
FLUSH_TIMEOUT: Final = 2.0
"""The longest the way out waits for a last push."""


def percentage_of(offset: int, story: Story) -> float:
    """A place as KOReader's percentage: 0..1, rounded down to 4 places."""
    length = max(len(story.text), 1)
    return math.floor(min(max(offset, 0), length) / length * 10_000) / 10_000


def decline_key(remote: RemoteProgress) -> str:
    """What identifies a remote place for "do not ask again until it moves"."""
    return f"{remote.device_id}\x1f{remote.device}\x1f{remote.progress}\x1f{remote.percentage}"


@dataclass(frozen=True, slots=True)
class Pulled:
    """What a pull found: an offer to move, and/or a message for the reader."""

    offer: Offer | None = None
    message: str | None = None
    failed: bool = False


@dataclass(frozen=True, slots=True)
class Offer:
    """Another device's place, resolved in this story, to be offered to the reader."""

    remote: RemoteProgress
    offset: int
    chapter: int | None
    """1-based chapter number at ``offset``, None before the first chapter."""
    exact: bool
    """Whether the XPointer was resolved (else the percentage was used)."""

    def question(self) -> str:
        """``Kobo is at 54 % (chapter 12). Go there?``"""
        where = f"{math.floor(self.remote.percentage * 100)} %"
        if self.chapter is not None:
            where += f" (chapter {self.chapter})"
        return f"{self.remote.device} is at {where}. Go there?"


class SyncSession:
    """The sync of one story opened from one file."""

    def __init__(
        self,
        account: Account,
        path: Path,
        story: Story,
        *,
        on_notice: Callable[[str], None] = lambda _m: None,
        debounce: float = DEBOUNCE,
        retry: tuple[float, ...] = RETRY,
        log: SyncLog | None = None,
        timeout: float | None = None,
    ) -> None:
        self.account = account
        self.path = path
        self.story = story
        self.log = log or SyncLog()
        self._on_notice = on_notice
        self._debounce = debounce
        self._retry = retry
        self._client = KosyncClient(
            account.server, account.user, account.key, **({"timeout": timeout} if timeout else {})
        )
        self.document: str | None = None
        self._places: EpubPlaces | None = None
        self._prepared = threading.Event()
        self._cond = threading.Condition()
        self._wanted: int | None = None
        self._pushed: int | None = None
        self._opened_at: int | None = None
        self._flush_tried: int | None = None
        self._prepare_started = False
        self._noted_at = 0.0
        self._failures = 0
        self._noticed = False
        self._closed = False
        self._push_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    # -- preparing ---------------------------------------------------------------------

    def prepare(self) -> None:
        """Name the document and, for an EPUB, link its XPointers (slow: call in a worker).

        A second caller waits for the first instead of doing the work again.
        """
        with self._cond:
            started, self._prepare_started = self._prepare_started, True
        if started:
            self._prepared.wait()
            return
        try:
            if self.account.digest == "filename":
                self.document = filename_md5(self.path)
            else:
                self.document = partial_md5(self.path)
            if self.story.format == "epub":
                from nightstand.sync.xpointer import EpubPlaces

                self._places = EpubPlaces.from_epub(self.story, self.path.read_bytes())
        except (OSError, NightstandError) as exc:
            self._notice(f"Sync: cannot read the file ({exc})")
        finally:
            self._prepared.set()

    @property
    def ready(self) -> bool:
        """Whether :meth:`prepare` has finished."""
        return self._prepared.is_set()

    def progress_of(self, offset: int) -> str:
        """The ``progress`` sent for a place: an XPointer for an EPUB, else the percentage."""
        if self._places is not None:
            pointer = self._places.xpointer_at(offset)
            if pointer is not None:
                return pointer
        return f"{percentage_of(offset, self.story)}"

    def offset_of(self, remote: RemoteProgress) -> tuple[int, bool]:
        """Where a remote place is in this story, and whether its XPointer was resolved."""
        if self._places is not None and remote.progress:
            offset = self._places.offset_of(remote.progress)
            if offset is not None:
                return offset, True
        return min(round(remote.percentage * len(self.story.text)), len(self.story.text)), False

    # -- pulling -----------------------------------------------------------------------

    def pull(self, here: tuple[int, int], *, interactive: bool = False) -> Pulled:
        """Ask the server where other devices are; an offer if it is off this page.

        ``here`` is the story range on screen. The message says what happened, for when
        the reader asked (``S``) or sync failed. A place the reader declined is not offered
        again until it moves, unless the reader asks.
        """
        self._prepared.wait()
        if self.document is None:
            return Pulled(message="Sync: this file cannot be read", failed=True)
        try:
            remote = self._client.get_progress(self.document)
        except SyncError as exc:
            return Pulled(message=f"Sync: {exc}", failed=True)
        self.log.update(None, last_pull=time.time())
        if remote is None:
            return Pulled(message="Sync: no device has stored a place in this story yet")
        if remote.device_id == self.account.device_id:
            return Pulled(message="Sync: the latest place is this device's own")
        self.log.update(
            self.document,
            remote={
                "percentage": remote.percentage,
                "device": remote.device,
                "timestamp": remote.timestamp,
            },
        )
        declined = self.log.document(self.document).get("declined")
        if not interactive and declined == decline_key(remote):
            return Pulled()
        offset, exact = self.offset_of(remote)
        if here[0] <= offset < max(here[1], here[0] + 1):
            return Pulled(message=f"Sync: already at {remote.device}'s place")
        chapter = self.story.chapter_index_at(offset)
        return Pulled(Offer(remote, offset, chapter + 1 if chapter >= 0 else None, exact))

    def decline(self, offer: Offer) -> None:
        """Keep the local place; do not offer this remote place again."""
        if self.document is not None:
            self.log.update(self.document, declined=decline_key(offer.remote))

    # -- pushing -----------------------------------------------------------------------

    def note(self, offset: int) -> None:
        """The reader is at ``offset``: push it once they pause. Never blocks.

        The first place noted is where the story opened; it is not pushed until the reader
        moves, so merely opening a book never sends an older place over a newer one.
        """
        with self._cond:
            if self._closed:
                return
            if self._opened_at is None:
                self._opened_at = offset
            if self._wanted is None and offset == self._opened_at:
                return
            self._wanted = offset
            self._noted_at = time.monotonic()
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="nightstand-sync", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._closed and (self._wanted is None or self._wanted == self._pushed):
                    self._cond.wait()
                if self._closed:
                    return
                wait = self._noted_at + self._debounce - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                offset = self._wanted
            assert offset is not None
            if self._push(offset):
                continue
            pause = self._retry[min(self._failures - 1, len(self._retry) - 1)]
            with self._cond:
                if not self._closed:
                    self._cond.wait(pause)

    def _push(self, offset: int) -> bool:
        """Push one place now; on failure keep it pending in the log. Whether it worked."""
        self._prepared.wait()
        document = self.document
        if document is None:
            return True
        with self._push_lock:
            if self._pushed == offset:
                return True
            progress = self.progress_of(offset)
            percentage = percentage_of(offset, self.story)
            record = {"progress": progress, "percentage": percentage, "at": time.time()}
            try:
                self._client.put_progress(
                    document, progress, percentage, self.account.device, self.account.device_id
                )
            except SyncError as exc:
                self._failures += 1
                self.log.update(document, pending=record)
                if not self._noticed:
                    self._noticed = True
                    self._notice(f"Sync: {exc}; will retry")
                return False
            self._pushed = offset
            self._failures = 0
            self._noticed = False
            self.log.update(document, pending=None)
            self.log.update(None, last_push=time.time())
            return True

    def push_now(self, offset: int) -> bool:
        """Push a place at once, on this thread (``S``, sync now). Whether it worked."""
        with self._cond:
            self._wanted = offset
        return self._push(offset)

    def flush(self, timeout: float = FLUSH_TIMEOUT) -> bool:
        """Push the newest place if it has not been, waiting at most ``timeout`` seconds.

        On the way out (quit, SIGTERM, SIGHUP): the push runs on a daemon thread, so a
        server that hangs cannot hold the exit; what did not get through stays pending in
        the log and goes at the next start.
        """
        with self._cond:
            offset = self._wanted
        if offset is None or offset == self._pushed:
            return True
        if offset == self._flush_tried:
            return False  # Already tried on this way out (SIGTERM, then exit): do not wait twice.
        self._flush_tried = offset
        self._noticed = True  # No notice on the way out: the UI thread is waiting here.
        done = threading.Event()
        result: list[bool] = []

        def push() -> None:
            result.append(self._push(offset))
            done.set()

        threading.Thread(target=push, name="nightstand-sync-flush", daemon=True).start()
        if not done.wait(timeout) or not result[0]:
            if self.document is not None:
                record = {
                    "progress": self.progress_of(offset) if self.ready else "",
                    "percentage": percentage_of(offset, self.story),
                    "at": time.time(),
                }
                if record["progress"]:
                    self.log.update(self.document, pending=record)
            return False
        return True

    def close(self) -> None:
        """Stop the background thread (pending pushes stay in the log)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _notice(self, message: str) -> None:
        # A notice that cannot be shown must not stop sync.
        with contextlib.suppress(Exception):
            self._on_notice(message)


def retry_pending(account: Account, log: SyncLog | None = None, *, timeout: float = 3.0) -> int:
    """Push what earlier sessions could not (from the sync log); how many went through.

    A pending place older than what the server holds now (another device read on since)
    is dropped, not pushed over it.
    """
    log = log or SyncLog()
    client = KosyncClient(account.server, account.user, account.key, timeout=timeout)
    sent = 0
    for document, record in log.pending().items():
        progress, percentage = record.get("progress"), record.get("percentage")
        if not isinstance(progress, str) or not isinstance(percentage, int | float):
            log.update(document, pending=None)
            continue
        at = record.get("at")
        try:
            remote = client.get_progress(document)
            newer = (
                remote is not None
                and remote.timestamp is not None
                and isinstance(at, int | float)
                and remote.timestamp > at
            )
            if not newer:
                client.put_progress(
                    document, progress, percentage, account.device, account.device_id
                )
        except SyncError:
            return sent
        log.update(document, pending=None)
        if not newer:
            log.update(None, last_push=time.time())
            sent += 1
    return sent
