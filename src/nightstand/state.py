"""The reading state: positions, spoiler consent, bookmarks and the library cache, kept safe.

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
import difflib
import hashlib
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self, TypeVar

import platformdirs

from nightstand.errors import StateError
from nightstand.typography import find_typed, fold

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from types import TracebackType

    from nightstand.story import Story

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no fcntl; moving aside goes unlocked.
    fcntl = None  # type: ignore[assignment]

T = TypeVar("T")

SCHEMA_VERSION = 1
"""The schema this version writes; :data:`MIGRATIONS` brings older databases up to it."""
DB_NAME = "state.db"
QUOTE_CHARS = 64
"""How much text a position keeps, to find its place again after the file changes."""
OPENING_CHARS = 1024
"""How much of the opening text (whitespace collapsed) goes into a story's fingerprint."""
HEAD_CHARS = 128
"""The prefix of the opening that finds candidates when the fingerprint no longer matches."""
BUSY_TIMEOUT = 10.0
"""Seconds to wait for another process's write before giving up on one write."""

_SAME_PATH_SIMILARITY = 0.6
_SAME_HEAD_SIMILARITY = 0.8

# SQLite's primary result codes (the low byte of an extended code).
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_CORRUPT, _SQLITE_NOTADB = 5, 6, 11, 26

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 0 -> 1
    (
        """CREATE TABLE stories(
            key TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            content_title TEXT NOT NULL,
            author TEXT,
            norm_author TEXT NOT NULL,
            opening TEXT NOT NULL,
            head TEXT NOT NULL,
            path TEXT NOT NULL,
            format TEXT NOT NULL,
            created REAL NOT NULL)""",
        "CREATE INDEX stories_head ON stories(head)",
        "CREATE INDEX stories_path ON stories(path)",
        """CREATE TABLE fingerprints(
            fingerprint TEXT PRIMARY KEY,
            key TEXT NOT NULL)""",
        "CREATE INDEX fingerprints_key ON fingerprints(key)",
        """CREATE TABLE positions(
            key TEXT PRIMARY KEY,
            offset INTEGER NOT NULL,
            quote TEXT NOT NULL,
            percent REAL NOT NULL,
            chapter TEXT,
            last_read REAL NOT NULL,
            words INTEGER NOT NULL)""",
        "CREATE INDEX positions_last_read ON positions(last_read)",
        """CREATE TABLE spoilers(
            key TEXT PRIMARY KEY,
            revealed INTEGER NOT NULL,
            updated REAL NOT NULL)""",
        """CREATE TABLE bookmarks(
            key TEXT NOT NULL,
            name TEXT NOT NULL,
            offset INTEGER NOT NULL,
            quote TEXT NOT NULL,
            created REAL NOT NULL,
            PRIMARY KEY(key, name))""",
        """CREATE TABLE library(
            path TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            version TEXT NOT NULL,
            fingerprint TEXT,
            title TEXT NOT NULL,
            author TEXT,
            format TEXT NOT NULL,
            words INTEGER NOT NULL,
            error TEXT)""",
    ),
)
assert len(MIGRATIONS) == SCHEMA_VERSION


def state_dir() -> Path:
    """Where the state database lives: ``NIGHTSTAND_STATE_DIR``, else the platform's state dir."""
    env = os.environ.get("NIGHTSTAND_STATE_DIR")
    if env:
        return Path(env).expanduser()
    return platformdirs.user_state_path("nightstand")


@dataclass(frozen=True, slots=True)
class SavedPosition:
    """Where the reader stopped: the page's first character and the text found there."""

    offset: int
    quote: str
    percent: float
    chapter: str | None
    last_read: float
    """When it was saved, in seconds since the epoch."""
    words: int
    """The story's word count when it was saved."""


@dataclass(frozen=True, slots=True)
class Bookmark:
    """A named position in one story."""

    name: str
    offset: int
    quote: str
    created: float


@dataclass(frozen=True, slots=True)
class RecentStory:
    """A story read before, for "resume" and the library's recent list."""

    key: str
    path: Path
    """Where the story was last opened from."""
    title: str
    author: str | None
    percent: float
    last_read: float
    missing: bool
    """The file is not at its last known path (moved, deleted, an unmounted drive)."""


@dataclass(frozen=True, slots=True)
class Identity:
    """What a story is, by content: the fingerprint and what finds it again after edits."""

    fingerprint: str
    content_title: str
    """The title in the story's own words, normalised; empty when it came from the file name."""
    norm_author: str
    opening: str
    """The opening text, whitespace collapsed, without a closing END mark."""
    head: str


@dataclass(frozen=True, slots=True)
class CachedFile:
    """What a library scan learnt about one file, valid while its size and mtime hold."""

    path: str
    size: int
    mtime_ns: int
    version: str
    fingerprint: str | None
    title: str
    author: str | None
    format: str
    words: int
    error: str | None


@dataclass(frozen=True, slots=True)
class Progress:
    """A story's progress as the library shows it."""

    key: str
    percent: float
    last_read: float | None


@dataclass(frozen=True, slots=True)
class KnownStory:
    """A story the state knows of, with its last known path."""

    key: str
    path: str
    title: str
    author: str | None
    format: str
    percent: float
    last_read: float | None
    words: int


def _norm(text: str) -> str:
    return " ".join(fold(text).split()).casefold()


def _title_from_name(title: str, path: Path) -> bool:
    """Whether a loader fell back to the file name for the title (it says nothing then)."""
    t = _norm(title)
    stem = path.stem or path.name
    names = {stem, path.name, stem.replace("_", " "), stem.replace("-", " ")}
    return any(t == _norm(n) for n in names)


def identify(story: Story, path: Path) -> Identity:
    """The content identity of a story; ``path`` only tells a file-name title from a real one."""
    text = story.text
    limit = len(text)
    if story.has_end_mark:
        # A closing END moves when chapters are appended; it is not part of the opening.
        limit = story.blocks[-1].start
    # Folded (curly quotes straight, dashes "--"), so the typography setting, which changes
    # the loaded text, does not change the identity.
    opening = " ".join(fold(text[: min(limit, OPENING_CHARS * 4)]).split())[:OPENING_CHARS]
    content_title = "" if _title_from_name(story.title, path) else _norm(story.title)
    norm_author = _norm(story.author or "")
    digest = hashlib.sha256(
        "\x1f".join(("nightstand-1", content_title, norm_author, opening)).encode()
    ).hexdigest()
    return Identity(digest, content_title, norm_author, opening, opening[:HEAD_CHARS])


def _similarity(a: str, b: str) -> float:
    # Word by word: unrelated prose shares letters everywhere but few runs of words.
    return difflib.SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()


def _is_prefix(a: str, b: str) -> bool:
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= HEAD_CHARS // 2 and long.startswith(short)


def _path_text(path: Path) -> str:
    try:
        return str(path.expanduser().resolve())
    except (OSError, RuntimeError):
        return str(Path.cwd() / path)


def _quote_at(text: str, offset: int) -> str:
    return text[offset : offset + QUOTE_CHARS]


def _nearest(text: str, needle: str, around: int) -> int | None:
    """The occurrence of ``needle`` in ``text`` starting closest to ``around``."""
    around = min(max(around, 0), len(text))
    after = text.find(needle, around)
    before = text.rfind(needle, 0, around + len(needle) - 1) if around else -1
    found = [i for i in (before, after) if i >= 0]
    return min(found, key=lambda i: abs(i - around)) if found else None


def resolve_offset(story: Story, offset: int, quote: str) -> int:
    """The offset to open at for a saved ``offset`` and ``quote`` in a possibly changed story.

    The quote where it was; else the quote found nearest the old offset (text was edited
    before it); else the nearest place where a piece of the quote still stands (the quote
    itself was edited); else the old offset, clamped to the text.
    """
    text = story.text
    offset = min(max(offset, 0), len(text))
    if not quote or text.startswith(quote, offset):
        return offset
    found = _nearest(text, quote, offset)
    if found is not None:
        return found
    # Saved with the other typography setting: the same words, other punctuation.
    found = find_typed(text, quote, offset)
    if found is not None:
        return found
    piece = 16
    candidates: list[int] = []
    for i in range(0, max(len(quote) - piece, 0) + 1, piece // 2):
        fragment = quote[i : i + piece]
        if len(fragment.strip()) < piece // 2:
            continue
        at = _nearest(text, fragment, offset + i)
        if at is not None:
            candidates.append(at - i)
    if candidates:
        best = min(candidates, key=lambda c: abs(c - offset))
        return min(max(best, 0), len(text))
    return offset


def _percent(story: Story, offset: int) -> float:
    if not story.text:
        return 0.0
    return round(100.0 * min(max(offset, 0), len(story.text)) / len(story.text), 1)


def _chapter(story: Story, offset: int) -> str | None:
    i = story.chapter_index_at(offset)
    return story.chapters[i].title if i >= 0 else None


def iso_time(epoch: float) -> str:
    """An epoch time as local ISO 8601 with the offset, to the second."""
    return datetime.fromtimestamp(epoch).astimezone().isoformat(timespec="seconds")


def _code(exc: sqlite3.Error) -> int:
    return int(getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF


def _is_corrupt(exc: sqlite3.Error) -> bool:
    if _code(exc) in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return True
    message = str(exc).lower()
    return "malformed" in message or "not a database" in message


def _is_busy(exc: sqlite3.Error) -> bool:
    return _code(exc) in (_SQLITE_BUSY, _SQLITE_LOCKED) or "locked" in str(exc).lower()


class _CorruptError(Exception):
    """The database file is damaged (raised inside :meth:`StateStore.open`)."""


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring the schema up to :data:`SCHEMA_VERSION`, one versioned step per transaction."""
    while True:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version >= SCHEMA_VERSION:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while we waited for the lock.
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version < SCHEMA_VERSION:
                for statement in MIGRATIONS[version]:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise


def _newer_schema(path: Path, version: int) -> StateError:
    return StateError(
        f"the reading state {path} was written by a newer version of nightstand "
        f"(schema {version}; this version knows up to {SCHEMA_VERSION}); it was left "
        "untouched: upgrade nightstand, or set NIGHTSTAND_STATE_DIR to another folder"
    )


def _check(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a newer schema and detect damage, before anything is written."""
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise _newer_schema(path, version)
        rows = conn.execute("PRAGMA quick_check").fetchall()
    except sqlite3.Error as exc:
        if _is_corrupt(exc):
            raise _CorruptError(str(exc)) from exc
        raise
    if [r[0] for r in rows] != ["ok"]:
        raise _CorruptError(str(rows[0][0]) if rows else "integrity check failed")


def _connect_file(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(
        str(path), timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
    )
    try:
        _check(conn, path)
        for attempt in range(50):
            # Switching to WAL needs a moment alone with the file; another opener may hold it.
            try:
                mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                break
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or attempt == 49:
                    raise
                time.sleep(0.05)
        if str(mode).lower() != "wal":
            raise sqlite3.OperationalError(f"cannot use write-ahead logging (journal mode {mode})")
        # NORMAL in WAL mode: a killed process never loses a committed write; only a power
        # cut may lose the last page turns, and the database stays consistent even then.
        conn.execute("PRAGMA synchronous=NORMAL")
        _migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def _memory_db() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    _migrate(conn)
    return conn


def _copy_to_memory(path: Path) -> sqlite3.Connection | None:
    """A private in-memory copy of a readable database, or None if it cannot be read."""
    if not path.is_file():
        return None
    uri = (path if path.is_absolute() else Path.cwd() / path).as_uri()
    for mode in ("mode=ro", "immutable=1"):
        try:
            src = sqlite3.connect(f"{uri}?{mode}", uri=True, timeout=BUSY_TIMEOUT)
        except sqlite3.Error:
            continue
        try:
            _check(src, path)
            mem = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            src.backup(mem)
            _migrate(mem)
            return mem
        except (sqlite3.Error, _CorruptError):
            continue
        finally:
            src.close()
    return None


def _aside_name(path: Path) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    return target


@contextlib.contextmanager
def _dir_lock(directory: Path) -> Iterator[None]:
    """An advisory lock so two processes never both move a database aside."""
    if fcntl is None:
        yield
        return
    try:
        handle = (directory / f"{DB_NAME}.lock").open("a")
    except OSError:
        yield
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        handle.close()


def _move_aside(path: Path, seen: os.stat_result | None) -> Path | None:
    """Rename a damaged database (with its WAL) out of the way; None if another did it."""
    with _dir_lock(path.parent):
        try:
            now = path.stat()
        except FileNotFoundError:
            return None
        if seen is not None and not os.path.samestat(seen, now):
            return None
        target = _aside_name(path)
        path.rename(target)
        for suffix in ("-wal", "-shm"):
            side = path.with_name(path.name + suffix)
            with contextlib.suppress(FileNotFoundError):
                side.rename(target.with_name(target.name + suffix))
        return target


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except OSError:
        return None


class StateStore:
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
            seen = _stat(path)
            try:
                return cls(_connect_file(path), path, warnings, read_only=False)
            except _CorruptError as exc:
                if attempt == 2:
                    return cls._in_memory(path, warnings, f"it stays damaged ({exc})")
                try:
                    moved = _move_aside(path, seen)
                except OSError as move_exc:
                    return cls._in_memory(path, warnings, move_exc.strerror or str(move_exc))
                if moved is not None:
                    warnings.append(
                        f"the reading state {path} was damaged ({exc}); it was moved aside "
                        f"to {moved.name} and a fresh one started"
                    )
            except sqlite3.Error as exc:
                return cls._in_memory(path, warnings, _reason(directory, str(exc)))
            except OSError as exc:
                return cls._in_memory(path, warnings, _reason(directory, exc.strerror or str(exc)))
        raise AssertionError("unreachable")  # pragma: no cover

    @classmethod
    def _in_memory(cls, path: Path, warnings: list[str], reason: str) -> StateStore:
        conn = _copy_to_memory(path) or _memory_db()
        warnings.append(_read_only_warning(path, reason))
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

    def _to_memory(self, reason: str) -> None:
        """Saving failed for good: carry on in a private copy, with one warning."""
        mem: sqlite3.Connection | None = sqlite3.connect(
            ":memory:", isolation_level=None, check_same_thread=False
        )
        assert mem is not None
        try:
            self._conn.backup(mem)
            _migrate(mem)
        except sqlite3.Error:
            mem.close()
            mem = None
        with contextlib.suppress(sqlite3.Error):
            self._conn.close()
        self._conn = mem or _memory_db()
        self.read_only = True
        self._warn_once(_read_only_warning(self.path, reason))

    def _write(self, action: Callable[[sqlite3.Connection], T], default: T) -> T:
        """Run ``action`` in one immediate transaction; on failure warn and return ``default``."""
        with self._lock:
            if self._closed:
                return default
            for _ in range(2):
                try:
                    return self._transaction(action)
                except sqlite3.Error as exc:
                    if _is_busy(exc) and not self.read_only:
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
        where = _path_text(path)

        def run(conn: sqlite3.Connection) -> str:
            key = _match(conn, ident, where)
            if key is None:
                key = ident.fingerprint[:32]
                _insert_story(conn, key, ident, story, where)
            else:
                conn.execute(
                    "UPDATE stories SET title=?, content_title=?, author=?, norm_author=?, "
                    "opening=?, head=?, path=?, format=? WHERE key=?",
                    (
                        story.title,
                        ident.content_title,
                        story.author,
                        ident.norm_author,
                        ident.opening,
                        ident.head,
                        where,
                        story.format,
                        key,
                    ),
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
        ident = identify(story, path)
        where = _path_text(path)
        key = self._read(lambda conn: _direct(conn, ident), None)
        if key is not None:
            return key
        key = self._read(lambda conn: _indirect(conn, ident, where), None)
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
        where = _path_text(path)
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
                "SELECT offset, quote, percent, chapter, last_read, words "
                "FROM positions WHERE key=?",
                (key,),
            ).fetchone(),
            None,
        )
        if row is None:
            return None
        return SavedPosition(int(row[0]), row[1], float(row[2]), row[3], float(row[4]), row[5])

    def resolve(self, story: Story, saved: SavedPosition) -> int:
        """The offset to open ``story`` at for a saved position (see :func:`resolve_offset`)."""
        return resolve_offset(story, saved.offset, saved.quote)

    def _story_words(self, key: str, story: Story) -> int:
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
        self, key: str, path: Path, story: Story, offset: int, percent: float | None = None
    ) -> None:
        """Save where the reader is, in one transaction; never raises.

        ``percent`` is what the reader shows (e.g. from the page count); by default the
        share of the text before ``offset``.
        """
        offset = min(max(offset, 0), len(story.text))
        quote = _quote_at(story.text, offset)
        shown = _percent(story, offset) if percent is None else float(percent)
        chapter = _chapter(story, offset)
        words = self._story_words(key, story)
        where = _path_text(path)
        now = time.time()

        def run(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO positions(key, offset, quote, percent, chapter, last_read, words) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
                "offset=excluded.offset, quote=excluded.quote, percent=excluded.percent, "
                "chapter=excluded.chapter, last_read=excluded.last_read, words=excluded.words",
                (key, offset, quote, shown, chapter, now, words),
            )
            updated = conn.execute("UPDATE stories SET path=? WHERE key=?", (where, key))
            if updated.rowcount == 0:
                # A key made while the database was busy: give it its identity now.
                _insert_story(conn, key, identify(story, path), story, where)

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
        return bool(row and row[0])

    def set_spoiler_consent(self, key: str, revealed: bool) -> None:
        """Remember whether the reader chose to reveal this story's spoiler headers."""
        now = time.time()
        self._write(
            lambda conn: conn.execute(
                "INSERT INTO spoilers(key, revealed, updated) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET revealed=excluded.revealed, "
                "updated=excluded.updated",
                (key, int(revealed), now),
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
        quote = _quote_at(story.text, offset)
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

    def recent(self, limit: int = 20) -> list[RecentStory]:
        """Stories read before, most recently read first; missing files flagged."""
        rows: list[Any] = self._read(
            lambda conn: conn.execute(
                "SELECT s.key, s.path, s.title, s.author, p.percent, p.last_read "
                "FROM positions p JOIN stories s USING(key) "
                "ORDER BY p.last_read DESC LIMIT ?",
                (limit,),
            ).fetchall(),
            [],
        )
        return [
            RecentStory(
                key=r[0],
                path=Path(r[1]),
                title=r[2],
                author=r[3],
                percent=float(r[4]),
                last_read=float(r[5]),
                missing=not Path(r[1]).is_file(),
            )
            for r in rows
        ]

    def forget(self, key: str) -> None:
        """Delete everything saved about one story: the only way state is ever removed."""

        def run(conn: sqlite3.Connection) -> None:
            for table in ("positions", "bookmarks", "spoilers", "fingerprints", "stories"):
                conn.execute(f"DELETE FROM {table} WHERE key=?", (key,))

        with self._lock:
            self._words.pop(key, None)
        self._write(run, None)

    def cached_files(self, folder: Path) -> dict[str, CachedFile]:
        """The library cache for every file under ``folder`` (an absolute, resolved path)."""
        low, high = _prefix_range(folder)
        rows: list[Any] = self._read(
            lambda conn: conn.execute(
                "SELECT path, size, mtime_ns, version, fingerprint, title, author, format, "
                "words, error FROM library WHERE path >= ? AND path < ?",
                (low, high),
            ).fetchall(),
            [],
        )
        return {r[0]: CachedFile(*r) for r in rows}

    def update_cache(self, files: Iterable[CachedFile], gone: Iterable[str] = ()) -> None:
        """Store scan results and drop the cache of files that are no longer there."""
        fresh = [
            (
                f.path,
                f.size,
                f.mtime_ns,
                f.version,
                f.fingerprint,
                f.title,
                f.author,
                f.format,
                f.words,
                f.error,
            )
            for f in files
        ]
        old = [(p,) for p in gone]
        if not fresh and not old:
            return

        def run(conn: sqlite3.Connection) -> None:
            conn.executemany("INSERT OR REPLACE INTO library VALUES (?,?,?,?,?,?,?,?,?,?)", fresh)
            conn.executemany("DELETE FROM library WHERE path=?", old)

        self._write(run, None)

    def progress(self) -> dict[str, Progress]:
        """Every known fingerprint's story key, percent read and last read time."""
        rows: list[Any] = self._read(
            lambda conn: conn.execute(
                "SELECT f.fingerprint, f.key, p.percent, p.last_read "
                "FROM fingerprints f LEFT JOIN positions p USING(key)"
            ).fetchall(),
            [],
        )
        return {r[0]: Progress(r[1], float(r[2] or 0.0), r[3]) for r in rows}

    def known_under(self, folder: Path) -> list[KnownStory]:
        """The stories whose last known path lies under ``folder``."""
        low, high = _prefix_range(folder)
        rows: list[Any] = self._read(
            lambda conn: conn.execute(
                "SELECT s.key, s.path, s.title, s.author, s.format, p.percent, p.last_read, "
                "p.words FROM stories s LEFT JOIN positions p USING(key) "
                "WHERE s.path >= ? AND s.path < ?",
                (low, high),
            ).fetchall(),
            [],
        )
        return [
            KnownStory(r[0], r[1], r[2], r[3], r[4], float(r[5] or 0.0), r[6], int(r[7] or 0))
            for r in rows
        ]


def _prefix_range(folder: Path) -> tuple[str, str]:
    prefix = str(folder).rstrip(os.sep) + os.sep
    return prefix, prefix + "\U0010ffff"


def _reason(directory: Path, fallback: str) -> str:
    """Why a database cannot be written, in a reader's words when the cause is plain."""
    if not os.access(directory, os.W_OK):
        return "the folder is read-only"
    return fallback


def _read_only_warning(path: Path, reason: str) -> str:
    return (
        f"cannot save the reading state in {path.parent} ({reason}); reading goes on, "
        "but positions, bookmarks and choices made now will not be kept"
    )


def _insert_story(
    conn: sqlite3.Connection, key: str, ident: Identity, story: Story, where: str
) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO stories(key, title, content_title, author, norm_author, "
        "opening, head, path, format, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            key,
            story.title,
            ident.content_title,
            story.author,
            ident.norm_author,
            ident.opening,
            ident.head,
            where,
            story.format,
            time.time(),
        ),
    )


def _match(conn: sqlite3.Connection, ident: Identity, where: str) -> str | None:
    """Find the key of a known story for this identity, or None (see ``story_key``)."""
    return _direct(conn, ident) or _indirect(conn, ident, where)


def _direct(conn: sqlite3.Connection, ident: Identity) -> str | None:
    row = conn.execute(
        "SELECT key FROM fingerprints WHERE fingerprint=?", (ident.fingerprint,)
    ).fetchone()
    return str(row[0]) if row else None


def _indirect(conn: sqlite3.Connection, ident: Identity, where: str) -> str | None:
    columns = "key, content_title, norm_author, opening"
    for r in conn.execute(f"SELECT {columns} FROM stories WHERE path=?", (where,)):
        if r[2] != ident.norm_author:
            continue
        same_title = bool(r[1]) and r[1] == ident.content_title
        if same_title or _similarity(r[3], ident.opening) >= _SAME_PATH_SIMILARITY:
            return str(r[0])
    for r in conn.execute(f"SELECT {columns} FROM stories WHERE head=?", (ident.head,)):
        if r[2] != ident.norm_author:
            continue
        if r[1] and ident.content_title and r[1] != ident.content_title:
            continue
        if _is_prefix(r[3], ident.opening) or (
            _similarity(r[3], ident.opening) >= _SAME_HEAD_SIMILARITY
        ):
            return str(r[0])
    return None


def saved_summary(path: Path, story: Story, store: StateStore | None = None) -> dict[str, Any]:
    """What ``nightstand info`` adds about a story's saved state; ``{}`` if nothing is saved.

    Keys: ``position`` (the offset it would open at), ``percent``, ``last_read`` (ISO 8601),
    ``chapter``, ``bookmarks`` (how many). Opens the default store unless one is given.
    """
    own = store is None
    active = StateStore.open() if store is None else store
    try:
        key = active.find_key(story, path)
        saved = active.position(key) if key else None
        if key is None or saved is None:
            return {}
        offset = active.resolve(story, saved)
        percent = saved.percent
        if saved.words != active._story_words(key, story):
            # The story changed since: the old share no longer describes it.
            percent = _percent(story, offset)
        return {
            "position": offset,
            "percent": percent,
            "last_read": iso_time(saved.last_read),
            "chapter": _chapter(story, offset),
            "bookmarks": len(active.bookmarks(key)),
        }
    finally:
        if own:
            active.close()
