"""The state database's tables for stories from the archives (one migration step).

Kept apart from ``state.py`` so that the step is one line there. ``archive_files`` caches
what each EPUB says about its source (by path, size and modification time, like the library
cache); ``archive_seen`` holds, per source URL, the chapter count the reader last saw, from
which the "N new" of the library and the reader's notice are counted.
"""

from __future__ import annotations

MIGRATION: tuple[str, ...] = (
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
)
