"""A folder of stories as library entries: title, author, format, words, progress.

Scanning loads every story once and caches what it learnt in the state database, keyed by
path, size and modification time, so the next scan of an unchanged folder only lists it
(a thousand stories in well under a second). Progress comes from the reading state, by
the story's content identity, so a renamed file keeps its progress in the list too.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nightstand import __version__
from nightstand.errors import StoryError
from nightstand.library_read import read_files
from nightstand.state import CachedFile, identify, iso_time
from nightstand.story import Blocks, Story
from nightstand.text import sanitize

if TYPE_CHECKING:
    import threading
    from collections.abc import Iterator

    from nightstand.formats.summary import Outcome
    from nightstand.library_read import FileRead
    from nightstand.state import StateStore

STORY_SUFFIXES = frozenset(
    {".txt", ".text", ".md", ".markdown", ".mdown", ".mkd", ".html", ".htm", ".xhtml", ".epub"}
)
"""The file names a scan considers stories; everything else in the folder is left alone."""

CACHE_VERSION = f"{__version__}/2"
"""Cached entries from another version are re-read: its loaders may read files differently."""

_SAVE_EVERY = 200


@dataclass(frozen=True, slots=True)
class LibraryEntry:
    """One story of a library folder."""

    path: Path
    title: str
    author: str | None
    format: str
    words: int
    percent: float
    last_read: float | None
    """When it was last read (seconds since the epoch), None if never."""
    missing: bool
    """The story has saved state but its file is gone from where it was last read."""
    error: str | None
    """Why the file could not be read as a story, if it could not."""
    key: str | None
    """The key of its reading state, None while it has none."""
    source: str | None = None
    """The URL of a story from an archive (FanFicFare records it in the EPUB)."""
    site: str | None = None
    status: str | None = None
    """"In-Progress", "Complete" or None."""
    chapters: int = 0
    new_chapters: int = 0
    """Chapters added since the reader last opened it."""
    from_pipe: bool = False
    """Only ever read from a pipe: it has no path (``path`` is a stand-in, never shown)."""
    finished: bool = False
    """The reader reached the end page of this story."""

    @property
    def read_state(self) -> str:
        """ "unread", "reading" or "finished" (``status`` is an archive story's own)."""
        if self.finished:
            return "finished"
        return "reading" if self.last_read is not None else "unread"


def _walk(folder: Path, cancel: threading.Event | None) -> Iterator[tuple[str, int, int]]:
    """(path, size, mtime_ns) of every story file under ``folder``, hidden ones skipped."""
    stack = [str(folder)]
    while stack:
        if cancel is not None and cancel.is_set():
            return
        current = stack.pop()
        try:
            with os.scandir(current) as it:
                entries = list(it)
        except OSError:
            continue  # An unreadable subfolder hides its stories, not the rest.
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                # Symlinked folders are not followed: a link loop must not hang the scan.
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif Path(entry.name).suffix.lower() in STORY_SUFFIXES:
                    st = entry.stat()
                    if not entry.is_file():
                        continue
                    yield entry.path, st.st_size, st.st_mtime_ns
            except OSError:
                continue


def read_file(path: str, size: int, mtime_ns: int) -> FileRead:
    """Read one story file: what the library shows of it (or why it failed), its identity
    (None if it is no story) and its number of chapters."""
    from nightstand.formats.summary import summarize_file

    return finish(summarize_file(path, size, mtime_ns))


def finish(outcome: Outcome) -> FileRead:
    """A file's cache row, identity and chapter count from its summary (or its error)."""
    path, size, mtime_ns, summary = outcome
    if isinstance(summary, str):
        # The name and the message (which quotes the path) are shown: no escape sequences.
        stem = " ".join(sanitize(Path(path).stem).split())
        error = " ".join(sanitize(summary).split())
        failed = CachedFile(path, size, mtime_ns, CACHE_VERSION, None, stem, None, "", 0, error)
        return failed, None, 0
    # The identity reads the title, the author and the opening text only.
    opening = Story(summary.title, summary.author, (), Blocks.of(()), (), summary.opening)
    ident = identify(opening, Path(path))
    info = CachedFile(
        path,
        size,
        mtime_ns,
        CACHE_VERSION,
        ident.fingerprint,
        summary.title,
        summary.author,
        summary.format,
        summary.words,
        None,
    )
    return info, ident, summary.chapters


def scan(
    folder: Path,
    store: StateStore,
    cancel: threading.Event | None = None,
    *,
    history: bool = False,
) -> list[LibraryEntry]:
    """The stories under ``folder`` (recursively, hidden files ignored), cached in ``store``.

    Most recently read first, then by title. Stories with saved state whose file was last
    seen under ``folder`` but is gone are listed as missing. With ``history``, every story
    the state knows of is listed too, wherever its file is (missing if it is gone), and a
    library folder that does not exist yet is no error: the library is then the history.
    When ``cancel`` is set the scan stops early and returns what it has.
    """
    folder = Path(folder).expanduser()
    if history and not folder.exists():
        return _entries(folder, {}, store, include_missing=False, history=True)
    if not folder.is_dir():
        raise StoryError(
            f"{folder}: no such folder" if not folder.exists() else f"{folder} is not a folder"
        )
    folder = folder.resolve()
    cached = store.cached_files(folder)
    seen: dict[str, CachedFile] = {}
    fresh: list[CachedFile] = []
    chapters: dict[str, int] = {}
    todo: list[tuple[str, int, int]] = []
    for path, size, mtime_ns in _walk(folder, cancel):
        hit = cached.get(path)
        if hit and hit.size == size and hit.mtime_ns == mtime_ns and hit.version == CACHE_VERSION:
            seen[path] = hit
        else:
            todo.append((path, size, mtime_ns))
    with contextlib.closing(read_files(todo, read_file, finish, cancel)) as reads:
        for info, ident, count in reads:
            if cancel is not None and cancel.is_set():
                break
            if ident is not None:
                # A changed file finds its old reading state now, not only when it is opened.
                store.find_identity(ident, Path(info.path), link=True)
                chapters[info.path] = count
            seen[info.path] = info
            fresh.append(info)
            if len(fresh) >= _SAVE_EVERY:
                # A long first scan keeps its progress if it is cancelled or killed.
                store.update_cache(fresh)
                fresh = []
    cancelled = cancel is not None and cancel.is_set()
    gone = [] if cancelled else [p for p in cached if p not in seen]
    store.update_cache(fresh, gone)
    entries = _entries(folder, seen, store, include_missing=not cancelled, history=history)
    from nightstand.archive.shelf import annotate

    return annotate(entries, seen, store, chapters)


def _entries(
    folder: Path,
    files: dict[str, CachedFile],
    store: StateStore,
    *,
    include_missing: bool,
    history: bool = False,
) -> list[LibraryEntry]:
    progress = store.progress()
    entries: list[LibraryEntry] = []
    present: set[str] = set()
    for info in files.values():
        known = progress.get(info.fingerprint) if info.fingerprint else None
        if known:
            present.add(known.key)
        entries.append(
            LibraryEntry(
                path=Path(info.path),
                title=info.title,
                author=info.author,
                format=info.format,
                words=info.words,
                percent=known.percent if known else 0.0,
                last_read=known.last_read if known else None,
                missing=False,
                error=info.error,
                key=known.key if known else None,
                finished=known.finished if known else False,
            )
        )
    if include_missing or history:
        known_stories = store.known_stories() if history else store.known_under(folder)
        listed = set(files)
        for story in known_stories:
            # Listed once, even if two states were last opened from the same path; stories
            # read from pipes have no path and are added by the commands that list them.
            if story.key in present or story.path in listed or not story.path:
                continue
            exists = Path(story.path).is_file()
            if exists and not history:
                continue
            present.add(story.key)
            listed.add(story.path)
            entries.append(
                LibraryEntry(
                    path=Path(story.path),
                    title=story.title,
                    author=story.author,
                    format=story.format,
                    words=story.words,
                    percent=story.percent,
                    last_read=story.last_read,
                    missing=not exists,
                    error=None,
                    key=story.key,
                    finished=story.finished,
                )
            )
    entries.sort(key=_order)
    return entries


def with_pipes(entries: list[LibraryEntry], store: StateStore) -> list[LibraryEntry]:
    """``entries`` and the stories only ever read from a pipe, in the library's order."""
    from nightstand.source import PIPE_PATH

    piped = [
        LibraryEntry(
            path=PIPE_PATH,
            title=story.title,
            author=story.author,
            format=story.format,
            words=story.words,
            percent=story.percent,
            last_read=story.last_read,
            missing=False,
            error=None,
            key=story.key,
            from_pipe=True,
        )
        for story in store.known_from_pipes()
    ]
    return sorted([*entries, *piped], key=_order)


def _order(e: LibraryEntry) -> tuple[bool, float, str, str]:
    return (e.last_read is None, -(e.last_read or 0.0), e.title.casefold(), str(e.path))


def entry_data(entry: LibraryEntry) -> dict[str, Any]:
    """What ``nightstand list --json`` prints for one entry; its keys are stable for scripts."""
    return {
        "path": None if entry.from_pipe else str(entry.path),
        "title": entry.title,
        "author": entry.author,
        "format": entry.format or None,
        "words": entry.words,
        "percent": entry.percent,
        "last_read": iso_time(entry.last_read) if entry.last_read is not None else None,
        "missing": entry.missing,
        "finished": entry.finished,
        "read_state": entry.read_state,
        "error": entry.error,
        "source": entry.source,
        "status": entry.status,
        "chapters": entry.chapters,
        "new_chapters": entry.new_chapters,
        "from_pipe": entry.from_pipe,
    }
