"""The store: positions, spoiler consent, bookmarks and the library cache, kept safe.

Everything lives in one SQLite database, ``state.db``, in the state directory (never a
cache directory, which cleaners wipe). The rules that keep a reader's state safe:

* **Identity by content.** A story is known by a fingerprint of its title, author and
  opening text, with its last known path as a secondary key, so renaming, moving,
  re-downloading or appending chapters keeps its state (see :meth:`StateStore.story_key`).
* **Nothing is deleted on its own.** A missing file keeps its state and shows as missing;
  only :meth:`StateStore.forget` (``nightstand forget``) removes it.
* **One transaction per write**, in WAL mode, so killing the process at any instant loses
  at most the write in flight, and two processes never lose each other's updates.
* **Never a crash for a damaged or unwritable database.** A corrupt one is moved aside as
  ``state.db.corrupt-<time>`` and a fresh one started; a read-only or full directory gives
  one warning and the session goes on in memory, without saving. Only a database written
  by a newer schema is refused (:class:`~nightstand.errors.StateError`), never touched.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self, TypeVar

from nightstand.state.anchoring import chapter_at, percent_at, quote_at, resolve_offset
from nightstand.state.database import (
    DB_NAME,
    CorruptError,
    connect_file,
    copy_to_memory,
    is_busy,
    memory_db,
    migrate,
    move_aside,
    read_only_warning,
    reason,
    stat_or_none,
    state_dir,
)
from nightstand.state.identity import (
    described,
    direct,
    identify,
    indirect,
    insert_story,
    match,
    path_text,
)
from nightstand.state.listing import LibraryRows
from nightstand.state.records import (
    Bookmark,
    SavedPosition,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    from nightstand.state.identity import Identity
    from nightstand.state.records import PartialPlace
    from nightstand.story import Story

T = TypeVar("T")


class StateStore(LibraryRows):
    """The reading state of every story, in one SQLite database.

    Thread-safe: one connection guarded by a lock, so the UI can save from a worker
    thread. Writes never raise: a failure becomes one entry in :attr:`warnings` and, when
    saving is impossible, the store carries on in memory with :attr:`read_only` set.
    """

    def __init__(
        self, conn: sqlite3.Connection, path: Path, warnings: list[str], *, read_only: bool
    ) -> None:
        self._conn = conn
        self.path = path
        """The database file."""
        self.warnings = warnings
        """Reader-facing warnings raised while opening or saving, oldest first."""
        self.read_only = read_only
        """True when nothing can be saved; reading, and the session's own changes, go on."""
        self.on_warning: Callable[[str], None] | None = None
        """Called with each new warning, on whichever thread raised it (the UI listens)."""
        self._lock = threading.RLock()
        self._closed = False
        self._words: dict[str, tuple[int, int, int]] = {}

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, directory: Path | None = None) -> StateStore:
        """Open (or create) the state in ``directory`` (default :func:`state_dir`).

        Never raises for a damaged or unwritable database; raises
        :class:`~nightstand.errors.StateError` only for one written by a newer schema.
        """
        directory = Path(directory) if directory is not None else state_dir()
        path = directory / DB_NAME
        warnings: list[str] = []
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return cls._in_memory(path, warnings, exc.strerror or str(exc))
        for attempt in range(3):
            seen = stat_or_none(path)
            try:
                return cls(connect_file(path), path, warnings, read_only=False)
            except CorruptError as exc:
                if attempt == 2:
                    return cls._in_memory(path, warnings, f"it stays damaged ({exc})")
                try:
                    moved = move_aside(path, seen)
                except OSError as move_exc:
                    return cls._in_memory(path, warnings, move_exc.strerror or str(move_exc))
                if moved is not None:
                    warnings.append(
                        f"the reading state {path} was damaged ({exc}); it was moved aside "
                        f"to {moved.name} and a fresh one started"
                    )
            except sqlite3.Error as exc:
                return cls._in_memory(path, warnings, reason(directory, str(exc)))
            except OSError as exc:
                return cls._in_memory(path, warnings, reason(directory, exc.strerror or str(exc)))
        raise AssertionError("unreachable")  # pragma: no cover

    @classmethod
    def _in_memory(cls, path: Path, warnings: list[str], reason: str) -> StateStore:
        conn = copy_to_memory(path) or memory_db()
        warnings.append(read_only_warning(path, reason))
        return cls(conn, path, warnings, read_only=True)

    def close(self) -> None:
        """Close the database; later calls do nothing and save nothing."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()

    def __enter__(self) -> Self:
        """Use the store in a ``with`` block; it closes at the end."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the store."""
        self.close()

    # -- plumbing ---------------------------------------------------------------------------

    def _warn_once(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)
            if self.on_warning is not None:
                self.on_warning(message)

    def _to_memory(self, reason: str) -> None:
        """Saving failed for good: carry on in a private copy, with one warning."""
        mem: sqlite3.Connection | None = sqlite3.connect(
            ":memory:", isolation_level=None, check_same_thread=False
        )
        assert mem is not None
        try:
            self._conn.backup(mem)
            migrate(mem)
        except sqlite3.Error:
            mem.close()
            mem = None
        with contextlib.suppress(sqlite3.Error):
            self._conn.close()
        self._conn = mem or memory_db()
        self.read_only = True
        self._warn_once(read_only_warning(self.path, reason))

    def _write(self, action: Callable[[sqlite3.Connection], T], default: T) -> T:
        """Run ``action`` in one immediate transaction; on failure warn and return ``default``."""
        with self._lock:
            if self._closed:
                return default
            for _ in range(2):
                try:
                    return self._transaction(action)
                except sqlite3.Error as exc:
                    if is_busy(exc) and not self.read_only:
                        self._warn_once(
                            "the reading state is busy (another nightstand is writing); "
                            "a change was not saved"
                        )
                        return default
                    if self.read_only:
                        self._warn_once(f"the reading state failed in memory: {exc}")
                        return default
                    self._to_memory(str(exc))
            return default

    def _transaction(self, action: Callable[[sqlite3.Connection], T]) -> T:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = action(conn)
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        return result

    def _read(self, action: Callable[[sqlite3.Connection], T], default: T) -> T:
        """Run a query; on failure warn and return ``default``."""
        with self._lock:
            if self._closed:
                return default
            try:
                return action(self._conn)
            except sqlite3.Error as exc:
                self._warn_once(f"cannot read the reading state {self.path}: {exc}")
                return default

    # -- identity ---------------------------------------------------------------------------

    def story_key(self, story: Story, path: Path) -> str:
        """The key of a story's state, creating it the first time the story is seen.

        Found by content first (the fingerprint of title, author and opening text), so a
        renamed, moved or re-downloaded file keeps its state; else by the same path when
        the opening was edited a little; else by the same opening start, when the story
        grew or its title came from another file name. Each way re-links the new path and
        fingerprint, so the next open is a direct hit.
        """
        ident = identify(story, path)
        where = path_text(path)

        def run(conn: sqlite3.Connection) -> str:
            key = match(conn, ident, where)
            if key is None:
                key = ident.fingerprint[:32]
                insert_story(conn, key, ident, story, where)
            else:
                conn.execute(
                    "UPDATE stories SET title=?, content_title=?, author=?, norm_author=?, "
                    "opening=?, head=?, path=CASE WHEN ?='' THEN path ELSE ? END, format=? "
                    "WHERE key=?",
                    (*described(ident, story), where, where, story.format, key),
                )
            conn.execute(
                "INSERT OR IGNORE INTO fingerprints(fingerprint, key) VALUES (?, ?)",
                (ident.fingerprint, key),
            )
            return key

        return self._write(run, ident.fingerprint[:32])

    def find_key(self, story: Story, path: Path, *, link: bool = False) -> str | None:
        """The key of a story's state if there is one; never creates state.

        With ``link``, a story found by its path or opening (rather than its fingerprint)
        gets its new fingerprint recorded, and its path updated if the old one is gone.
        """
        return self.find_identity(identify(story, path), path, link=link)

    def find_identity(self, ident: Identity, path: Path, *, link: bool = False) -> str | None:
        """:meth:`find_key` for a story already identified (the library's scan does that in
        other processes, which send back the identity instead of the whole story)."""
        where = path_text(path)
        key = self._read(lambda conn: direct(conn, ident), None)
        if key is not None:
            return key
        key = self._read(lambda conn: indirect(conn, ident, where), None)
        if key is None or not link:
            return key

        def run(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT OR IGNORE INTO fingerprints(fingerprint, key) VALUES (?, ?)",
                (ident.fingerprint, key),
            )
            row = conn.execute("SELECT path FROM stories WHERE key=?", (key,)).fetchone()
            if row and row[0] != where and not Path(row[0]).exists():
                conn.execute("UPDATE stories SET path=? WHERE key=?", (where, key))

        self._write(run, None)
        return key

    def key_for_path(self, path: Path) -> str | None:
        """The key of the story last opened from ``path`` (for a file that is gone)."""
        where = path_text(path)
        row = self._read(
            lambda conn: conn.execute(
                "SELECT s.key FROM stories s LEFT JOIN positions p USING(key) "
                "WHERE s.path=? ORDER BY p.last_read DESC LIMIT 1",
                (where,),
            ).fetchone(),
            None,
        )
        return str(row[0]) if row else None

    # -- positions --------------------------------------------------------------------------

    def position(self, key: str) -> SavedPosition | None:
        """Where the reader stopped in this story, if anywhere."""
        row = self._read(
            lambda conn: conn.execute(
                "SELECT offset, quote, percent, chapter, last_read, words, part, part_offset "
                "FROM positions WHERE key=?",
                (key,),
            ).fetchone(),
            None,
        )
        if row is None:
            return None
        part = (int(row[6]), int(row[7])) if row[6] is not None and row[7] is not None else None
        return SavedPosition(
            int(row[0]), row[1], float(row[2]), row[3], float(row[4]), row[5], part
        )

    def resolve(self, story: Story, saved: SavedPosition) -> int:
        """The offset to open ``story`` at for a saved position (see :func:`resolve_offset`)."""
        return resolve_offset(story, saved.offset, saved.quote)

    def story_words(self, key: str, story: Story) -> int:
        """The story's word count, counted once per story per session."""
        # Counting a long book's words takes a while: once per story per session.
        with self._lock:
            cached = self._words.get(key)
            if cached and cached[0] == id(story) and cached[1] == len(story.text):
                return cached[2]
        words = story.words()
        with self._lock:
            self._words[key] = (id(story), len(story.text), words)
        return words

    def save_position(
        self,
        key: str,
        path: Path,
        story: Story,
        offset: int,
        percent: float | None = None,
        partial: PartialPlace | None = None,
    ) -> None:
        """Save where the reader is, in one transaction; never raises.

        ``percent`` is what the reader shows (e.g. from the page count); by default the
        share of the text before ``offset``. With ``partial``, ``story`` is only part of
        the book (see ``formats.parts``): the place is saved as its part and the offset
        inside it, with an estimate of the whole book's offset, and the word count saved
        before is kept.
        """
        offset = min(max(offset, 0), len(story.text))
        quote = quote_at(story.text, offset)
        shown = percent_at(story, offset) if percent is None else float(percent)
        chapter = chapter_at(story, offset)
        if partial is None:
            words: int | None = self.story_words(key, story)
            part = story.part_at(offset) if story.parts else None
            saved_offset = offset
        else:
            words, part, saved_offset = None, partial.part, partial.estimate
        where = path_text(path)
        now = time.time()

        def run(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO positions(key, offset, quote, percent, chapter, last_read, words, "
                "part, part_offset) VALUES (?, ?, ?, ?, ?, ?, COALESCE(?, 0), ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET "
                "offset=excluded.offset, quote=excluded.quote, percent=excluded.percent, "
                "chapter=excluded.chapter, last_read=excluded.last_read, "
                "words=COALESCE(?, positions.words), part=excluded.part, "
                "part_offset=excluded.part_offset",
                (
                    key,
                    saved_offset,
                    quote,
                    shown,
                    chapter,
                    now,
                    words,
                    part[0] if part else None,
                    part[1] if part else None,
                    words,
                ),
            )
            # A pipe has no path: a path the story was once read from is kept.
            updated = conn.execute(
                "UPDATE stories SET path=CASE WHEN ?='' THEN path ELSE ? END WHERE key=?",
                (where, where, key),
            )
            if updated.rowcount == 0:
                # A key made while the database was busy: give it its identity now.
                insert_story(conn, key, identify(story, path), story, where)

        self._write(run, None)

    # -- spoilers ---------------------------------------------------------------------------

    def spoiler_consent(self, key: str) -> bool:
        """Whether the reader revealed this story's spoiler headers before.

        The ``ask_spoilers_every_time`` setting is the caller's to apply: with it, ask anyway.
        """
        row = self._read(
            lambda conn: conn.execute(
                "SELECT revealed FROM spoilers WHERE key=?", (key,)
            ).fetchone(),
            None,
        )
        return bool(row and row[0] == 1)

    def warnings_consent(self, key: str) -> bool:
        """Whether the reader chose to see this story's content warnings (or everything)."""
        row = self._read(
            lambda conn: conn.execute(
                "SELECT revealed FROM spoilers WHERE key=?", (key,)
            ).fetchone(),
            None,
        )
        return bool(row and row[0] in (1, 2))

    def set_spoiler_consent(self, key: str, revealed: bool, *, warnings_only: bool = False) -> None:
        """Remember whether the reader chose to reveal this story's spoiler headers.

        ``warnings_only`` remembers "show content warnings only" (stored as 2).
        """
        now = time.time()
        level = 2 if warnings_only and not revealed else int(revealed)
        self._write(
            lambda conn: conn.execute(
                "INSERT INTO spoilers(key, revealed, updated) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET revealed=excluded.revealed, "
                "updated=excluded.updated",
                (key, level, now),
            ),
            None,
        )

    # -- bookmarks --------------------------------------------------------------------------

    def add_bookmark(
        self, key: str, story: Story, offset: int, name: str | None = None
    ) -> Bookmark:
        """Bookmark ``offset``; a bookmark of the same name is replaced (like a mark in less).

        Without a name, the bookmark gets the lowest free number: "1", "2", …
        """
        offset = min(max(offset, 0), len(story.text))
        quote = quote_at(story.text, offset)
        now = time.time()
        given = " ".join((name or "").split())

        def run(conn: sqlite3.Connection) -> str:
            chosen = given
            if not chosen:
                taken = {
                    r[0] for r in conn.execute("SELECT name FROM bookmarks WHERE key=?", (key,))
                }
                n = 1
                while str(n) in taken:
                    n += 1
                chosen = str(n)
            conn.execute(
                "INSERT INTO bookmarks(key, name, offset, quote, created) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(key, name) DO UPDATE SET offset=excluded.offset, "
                "quote=excluded.quote, created=excluded.created",
                (key, chosen, offset, quote, now),
            )
            return chosen

        chosen = self._write(run, given or "1")
        return Bookmark(chosen, offset, quote, now)

    def bookmarks(self, key: str) -> list[Bookmark]:
        """This story's bookmarks, in reading order."""
        rows: list[Any] = self._read(
            lambda conn: conn.execute(
                "SELECT name, offset, quote, created FROM bookmarks WHERE key=? "
                "ORDER BY offset, name",
                (key,),
            ).fetchall(),
            [],
        )
        return [Bookmark(r[0], int(r[1]), r[2], float(r[3])) for r in rows]

    def remove_bookmark(self, key: str, name: str) -> None:
        """Remove one bookmark; removing one that is not there does nothing."""
        self._write(
            lambda conn: conn.execute("DELETE FROM bookmarks WHERE key=? AND name=?", (key, name)),
            None,
        )

    # -- the library ------------------------------------------------------------------------

    def forget(self, key: str) -> None:
        """Delete everything saved about one story: the only way state is ever removed."""

        def run(conn: sqlite3.Connection) -> None:
            for table in (
                "positions",
                "bookmarks",
                "spoilers",
                "finished",
                "fingerprints",
                "stories",
            ):
                conn.execute(f"DELETE FROM {table} WHERE key=?", (key,))

        with self._lock:
            self._words.pop(key, None)
        self._write(run, None)

    # -- the end of a story -----------------------------------------------------------------

    def mark_finished(self, key: str) -> None:
        """Remember that the reader reached the end of this story (the first time counts)."""
        now = time.time()
        self._write(
            lambda conn: conn.execute(
                "INSERT OR IGNORE INTO finished(key, finished) VALUES (?, ?)", (key, now)
            ),
            None,
        )

    def finished(self, key: str) -> float | None:
        """When the reader first reached the end of this story, None if never."""
        row = self._read(
            lambda conn: conn.execute(
                "SELECT finished FROM finished WHERE key=?", (key,)
            ).fetchone(),
            None,
        )
        return float(row[0]) if row else None
