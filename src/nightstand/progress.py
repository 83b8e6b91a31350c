"""Where the reader is in a story: words read and left, the scene within the chapter.

Counting the words of a million-word book takes a noticeable fraction of a second, so
:class:`ReadingIndex` counts once (build it off the UI thread) and answers every page
turn with a bisect and the words of one block.
"""

from __future__ import annotations

import bisect
from array import array
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nightstand.filetext import windows
from nightstand.story import BlockKind, count_words

if TYPE_CHECKING:
    from nightstand.story import Story


def format_minutes(minutes: int) -> str:
    """A reading time as a reader says it: "45 min", "3 h 05 min"."""
    hours, mins = divmod(max(minutes, 0), 60)
    return f"{hours} h {mins:02d} min" if hours else f"{mins} min"


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a position stands: chapter and scene numbers, words read and left."""

    chapter: int
    """1-based chapter number, 0 before the first chapter heading."""
    chapters: int
    scene: int
    """1-based scene number within the chapter."""
    scenes: int
    words_read: int
    words_total: int
    words_left_in_chapter: int

    def minutes_left(self, words_per_minute: int) -> tuple[int, int]:
        """Minutes left in the chapter and in the book at the given pace."""
        wpm = max(words_per_minute, 1)
        book = max(self.words_total - self.words_read, 0)
        return round(self.words_left_in_chapter / wpm), round(book / wpm)


class ReadingIndex:
    """Cumulative word counts per block and scene-break offsets, for :class:`Progress`."""

    def __init__(self, story: Story) -> None:
        self._story = story
        self._words_before = array("q", [0])
        total = 0
        # Straight from the columns: no Block is made for a walk over the whole book; and
        # the text a stretch at a time (a big book's is kept in a file), each stretch
        # ending where a block does (just after the newline between two).
        kinds, starts, ends, _, _ = story.blocks.columns()
        i, n = 0, len(starts)
        for at, cut, stretch in windows(story.text):
            while i < n and starts[i] < cut:
                total += count_words(stretch[starts[i] - at : ends[i] - at])
                self._words_before.append(total)
                i += 1
        while i < n:  # empty blocks at the very end (none in a built story)
            self._words_before.append(total)
            i += 1
        self.words_total = total
        scene_break = story.blocks.code(BlockKind.SCENE_BREAK)
        self._breaks = [starts[i] for i, code in enumerate(kinds) if code == scene_break]
        self._chapter_starts = [c.offset for c in story.chapters]
        self._chapter_blocks = [c.block for c in story.chapters]

    def words_before(self, position: int) -> int:
        """How many words lie before ``position``."""
        story = self._story
        if not story.blocks:
            return 0
        i = story.block_index_at(position)
        block = story.blocks[i]
        partial = count_words(story.text[block.start : max(block.start, position)])
        return self._words_before[i] + partial

    def progress(self, position: int) -> Progress:
        """Chapter, scene and word figures for ``position``."""
        chapter = bisect.bisect_right(self._chapter_starts, position)
        lo = self._chapter_starts[chapter - 1] if chapter else 0
        hi = (
            self._chapter_starts[chapter]
            if chapter < len(self._chapter_starts)
            else len(self._story.text) + 1
        )
        first = bisect.bisect_left(self._breaks, lo)
        last = bisect.bisect_left(self._breaks, hi)
        scene = bisect.bisect_right(self._breaks, position, first, last) - first + 1
        read = self.words_before(position)
        chapter_end_words = (
            self._words_before[self._chapter_blocks[chapter]]
            if chapter < len(self._chapter_blocks)
            else self.words_total
        )
        return Progress(
            chapter=chapter,
            chapters=len(self._chapter_starts),
            scene=scene,
            scenes=last - first + 1,
            words_read=read,
            words_total=self.words_total,
            words_left_in_chapter=max(chapter_end_words - read, 0),
        )


def place_percent(
    index: ReadingIndex | None,
    story: Story,
    position: int,
    *,
    first_page: bool,
    last_page: bool,
) -> float:
    """How far through the story a reading place is, 0..100, the same at any window size.

    The share of the story's words before ``position`` (the reader's anchor, which no
    window size moves), by characters until the word index is built. The first page shows
    0 and only the last page shows 100: elsewhere the figure stops at 99.
    """
    if last_page:
        return 100.0
    if first_page:
        return 0.0
    if index is not None:
        share = index.words_before(position) / index.words_total if index.words_total else 0.0
    else:
        share = position / len(story.text) if story.text else 0.0
    return min(99.0, max(0.0, 100.0 * share))
