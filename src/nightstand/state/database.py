"""The state database file: connecting, migrations, damage and lock handling.

Opens ``state.db`` in WAL mode, brings its schema up with ``user_version`` migrations,
refuses a newer schema, detects damage (``quick_check``), copies a readable database into
memory when it cannot be written, and moves a damaged one aside under a folder lock.
Nothing here knows what the tables mean; that is :mod:`nightstand.state.store`'s job.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from nightstand.errors import StateError

if TYPE_CHECKING:
    from collections.abc import Iterator

SCHEMA_VERSION = 4
"""The schema this version writes; :data:`MIGRATIONS` brings older databases up to it."""
DB_NAME = "state.db"
BUSY_TIMEOUT = 10.0
"""Seconds to wait for another process's write before giving up on one write."""

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
    # 1 -> 2: stories from the archives. archive_files caches what each EPUB says of its
    # source (by path, size and mtime, like the library cache); archive_seen holds, per
    # source URL, the chapter count the reader last saw, for the "N new" marks.
    (
        """CREATE TABLE archive_files(
            path TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            source TEXT,
            site TEXT,
            status TEXT,
            chapters INTEGER NOT NULL)""",
        """CREATE TABLE archive_seen(
            source TEXT PRIMARY KEY,
            chapters INTEGER NOT NULL,
            updated REAL NOT NULL)""",
    ),
    # 2 -> 3: a story read to its end is marked finished (and stays so when re-read).
    (
        """CREATE TABLE finished(
            key TEXT PRIMARY KEY,
            finished REAL NOT NULL)""",
    ),
    # 3 -> 4: the place also as (part of the file, offset inside it), for opening a big
    # book at its place before the rest of it is read (formats/parts.py).
    (
        "ALTER TABLE positions ADD COLUMN part INTEGER",
        "ALTER TABLE positions ADD COLUMN part_offset INTEGER",
    ),
)
assert len(MIGRATIONS) == SCHEMA_VERSION


def state_dir() -> Path:
    """Where the state database lives: ``NIGHTSTAND_STATE_DIR``, else the platform's state dir."""
    env = os.environ.get("NIGHTSTAND_STATE_DIR")
    if env:
        return Path(env).expanduser()
    return platformdirs.user_state_path("nightstand")


def _code(exc: sqlite3.Error) -> int:
    return int(getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF


def _is_corrupt(exc: sqlite3.Error) -> bool:
    if _code(exc) in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return True
    message = str(exc).lower()
    return "malformed" in message or "not a database" in message


def is_busy(exc: sqlite3.Error) -> bool:
    return _code(exc) in (_SQLITE_BUSY, _SQLITE_LOCKED) or "locked" in str(exc).lower()


class CorruptError(Exception):
    """The database file is damaged (raised inside :meth:`StateStore.open`)."""


def migrate(conn: sqlite3.Connection) -> None:
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
            raise CorruptError(str(exc)) from exc
        raise
    if [r[0] for r in rows] != ["ok"]:
        raise CorruptError(str(rows[0][0]) if rows else "integrity check failed")


def connect_file(path: Path) -> sqlite3.Connection:
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
                if not is_busy(exc) or attempt == 49:
                    raise
                time.sleep(0.05)
        if str(mode).lower() != "wal":
            raise sqlite3.OperationalError(f"cannot use write-ahead logging (journal mode {mode})")
        # NORMAL in WAL mode: a killed process never loses a committed write; only a power
        # cut may lose the last page turns, and the database stays consistent even then.
        conn.execute("PRAGMA synchronous=NORMAL")
        migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def memory_db() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    migrate(conn)
    return conn


def copy_to_memory(path: Path) -> sqlite3.Connection | None:
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
            migrate(mem)
            return mem
        except (sqlite3.Error, CorruptError):
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
def dir_lock(directory: Path) -> Iterator[None]:
    """A lock on the folder, so two processes never both move a database aside.

    A folder where the lock file cannot be made goes unlocked: nothing can be renamed there.
    """
    from filelock import FileLock  # only a damaged database needs it: not at start-up

    lock = FileLock(directory / f"{DB_NAME}.lock")
    try:
        lock.acquire()
    except OSError:
        yield
        return
    try:
        yield
    finally:
        lock.release()


def move_aside(path: Path, seen: os.stat_result | None) -> Path | None:
    """Rename a damaged database (with its WAL) out of the way; None if another did it."""
    with dir_lock(path.parent):
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


def stat_or_none(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except OSError:
        return None


def reason(directory: Path, fallback: str) -> str:
    """Why a database cannot be written, in a reader's words when the cause is plain."""
    if not os.access(directory, os.W_OK):
        return "the folder is read-only"
    return fallback


def read_only_warning(path: Path, reason: str) -> str:
    return (
        f"cannot save the reading state in {path.parent} ({reason}); reading goes on, "
        "but positions, bookmarks and choices made now will not be kept"
    )
