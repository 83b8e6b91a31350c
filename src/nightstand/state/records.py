"""The values the reading state hands out: positions, bookmarks, library rows, and their time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


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
    part: tuple[int, int] | None = None
    """(part of the file, offset inside it), when the story is read in parts."""


@dataclass(frozen=True, slots=True)
class PartialPlace:
    """A place in a book of which only some parts are read yet (see ``formats.parts``)."""

    part: tuple[int, int]
    """(part of the file, offset inside it)."""
    estimate: int
    """The offset in the whole book, as near as can be told before it is read."""


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
    finished: bool = False
    """The reader reached the end page of this story."""


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
    finished: bool = False
    """The reader reached the end page of this story."""


def iso_time(epoch: float) -> str:
    """An epoch time as local ISO 8601 with the offset, to the second."""
    return datetime.fromtimestamp(epoch).astimezone().isoformat(timespec="seconds")
