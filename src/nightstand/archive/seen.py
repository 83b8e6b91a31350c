"""Sources of library files, and the chapter counts a reader last saw, in the state database.

Both tables are made by the state database's migrations (state/database.py). Writes go
through the store's own transaction helper, so a read-only or damaged state folder degrades
the same way as for positions: a warning, and reading goes on.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from nightstand.archive.epubinfo import SourceInfo

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Iterable
    from pathlib import Path

    from nightstand.state import StateStore


def cached_sources(
    store: StateStore, paths: Iterable[str]
) -> dict[str, tuple[int, int, SourceInfo]]:
    """(size, mtime_ns, info) cached for each of ``paths`` that has a row."""
    rows = _select_in(
        store,
        "SELECT path, size, mtime_ns, source, site, status, chapters "
        "FROM archive_files WHERE path IN ({marks})",
        list(paths),
    )
    return {r[0]: (int(r[1]), int(r[2]), SourceInfo(r[3], r[4], r[5], int(r[6]))) for r in rows}


def cache_sources(store: StateStore, rows: Iterable[tuple[str, int, int, SourceInfo]]) -> None:
    """Remember what files say about their source, by path, size and modification time."""
    values = [
        (p, size, mtime, i.source, i.site, i.status, i.chapters) for p, size, mtime, i in rows
    ]
    if not values:
        return

    def run(conn: sqlite3.Connection) -> None:
        conn.executemany("INSERT OR REPLACE INTO archive_files VALUES (?,?,?,?,?,?,?)", values)

    store._write(run, None)


def seen_chapters(store: StateStore, sources: Iterable[str]) -> dict[str, int]:
    """The chapter count last seen for each source URL that has one."""
    rows = _select_in(
        store, "SELECT source, chapters FROM archive_seen WHERE source IN ({marks})", list(sources)
    )
    return {r[0]: int(r[1]) for r in rows}


def _select_in(store: StateStore, query: str, values: list[str]) -> list[Any]:
    """The rows of ``query`` whose ``IN ({marks})`` holds any of ``values``, asked 500 at a
    time (SQLite caps the number of parameters of one statement)."""

    def run(conn: sqlite3.Connection) -> list[Any]:
        rows: list[Any] = []
        for start in range(0, len(values), 500):
            chunk = values[start : start + 500]
            rows += conn.execute(query.format(marks=",".join("?" * len(chunk))), chunk).fetchall()
        return rows

    found: list[Any] = store._read(run, [])
    return found


def new_chapters(store: StateStore, info: SourceInfo | None) -> int:
    """Chapters added since the reader last saw the story (0 when unknown or none)."""
    if info is None or info.source is None:
        return 0
    seen = seen_chapters(store, [info.source]).get(info.source)
    return max(info.chapters - seen, 0) if seen is not None else 0


def mark_seen(store: StateStore, source: str, chapters: int, *, only_if_new: bool = False) -> None:
    """Record that the reader has seen ``chapters`` chapters of the story at ``source``.

    With ``only_if_new`` an existing count is kept: a download sets the first count, the
    reader every later one.
    """
    verb = "INSERT OR IGNORE" if only_if_new else "INSERT OR REPLACE"

    def run(conn: sqlite3.Connection) -> None:
        conn.execute(
            f"{verb} INTO archive_seen(source, chapters, updated) VALUES (?, ?, ?)",
            (source, chapters, time.time()),
        )

    store._write(run, None)


def info_for(store: StateStore, path: Path) -> SourceInfo | None:
    """The source of one file, from the cache when the file has not changed."""
    from nightstand.archive.epubinfo import source_info

    try:
        st = path.stat()
    except OSError:
        return None
    hit = cached_sources(store, [str(path)]).get(str(path))
    if hit and hit[0] == st.st_size and hit[1] == st.st_mtime_ns:
        return hit[2]
    info = source_info(path)
    if info is not None:
        cache_sources(store, [(str(path), st.st_size, st.st_mtime_ns, info)])
    return info
