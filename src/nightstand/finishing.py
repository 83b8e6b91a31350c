"""The end of a story: what the end page says, and which story comes next.

Pure logic for ``ui/end_page.py``: the words of the story, the reading time they take at
the reader's pace, and the next story to read from the library (the first unread one, in
the library's order, that is not the story just finished and whose file is there).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from nightstand.progress import format_minutes
from nightstand.state.identity import path_text

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from nightstand.library import LibraryEntry


@dataclass(frozen=True, slots=True)
class Ending:
    """What the end page shows about the story just finished."""

    title: str
    words: int
    minutes: int
    """The reading time of the whole story at the reader's words per minute."""

    @property
    def summary(self) -> str:
        """ "12,345 words · about 1 h 02 min of reading"."""
        unit = "word" if self.words == 1 else "words"
        return f"{self.words:,} {unit} · about {format_minutes(self.minutes)} of reading"


def ending(title: str, words: int, words_per_minute: int) -> Ending:
    """The end page's figures for a story of ``words`` words."""
    pace = max(words_per_minute, 1)
    return Ending(title, words, max(1, round(words / pace)) if words else 0)


def next_unread(entries: Iterable[LibraryEntry], finished: Path) -> LibraryEntry | None:
    """The first unread story in ``entries`` other than ``finished``, if there is one."""
    done = path_text(finished)
    for entry in entries:
        if entry.missing or entry.error is not None or entry.read_state != "unread":
            continue
        if path_text(entry.path) != done:
            return entry
    return None
