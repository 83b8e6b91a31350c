"""What the library lists from the state: stories read, the scan cache, progress, finished.

:class:`LibraryRows` is the base of :class:`~nightstand.state.store.StateStore` for these
read-mostly queries; the store keeps opening, safety, identity, positions and marks.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from nightstand.state.records import CachedFile, KnownStory, Progress, RecentStory

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Callable, Iterable

T = TypeVar("T")


class LibraryRows:
    """The library's queries over the store's connection (see :class:`StateStore`)."""

    if TYPE_CHECKING:

        def _read(self, action: Callable[[sqlite3.Connection], T], default: T) -> T: ...
        def _write(self, action: Callable[[sqlite3.Connection], T], default: T) -> T: ...

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
                missing=not r[1] or not Path(r[1]).is_file(),
            )
            for r in rows
        ]

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
                "SELECT f.fingerprint, f.key, p.percent, p.last_read, d.finished "
                "FROM fingerprints f LEFT JOIN positions p USING(key) "
                "LEFT JOIN finished d USING(key)"
            ).fetchall(),
            [],
        )
        return {r[0]: Progress(r[1], float(r[2] or 0.0), r[3], r[4] is not None) for r in rows}

    def known_under(self, folder: Path) -> list[KnownStory]:
        """The stories whose last known path lies under ``folder``."""
        low, high = _prefix_range(folder)
        return self._known("WHERE s.path >= ? AND s.path < ?", (low, high))

    def known_stories(self) -> list[KnownStory]:
        """Every story the state knows of (every story opened), wherever its file is."""
        return self._known("", ())

    def _known(self, where: str, params: tuple[str, ...]) -> list[KnownStory]:
        rows: list[Any] = self._read(
            lambda conn: conn.execute(
                "SELECT s.key, s.path, s.title, s.author, s.format, p.percent, p.last_read, "
                "p.words, d.finished FROM stories s LEFT JOIN positions p USING(key) "
                f"LEFT JOIN finished d USING(key) {where}",
                params,
            ).fetchall(),
            [],
        )
        return [
            KnownStory(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                float(r[5] or 0.0),
                r[6],
                int(r[7] or 0),
                r[8] is not None,
            )
            for r in rows
        ]

    def known_from_pipes(self) -> list[KnownStory]:
        """The stories only ever read from a pipe (they have no path)."""
        rows: list[Any] = self._read(
            lambda conn: conn.execute(
                "SELECT s.key, s.path, s.title, s.author, s.format, p.percent, p.last_read, "
                "p.words FROM stories s LEFT JOIN positions p USING(key) WHERE s.path=''"
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
