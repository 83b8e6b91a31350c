"""Sections: where a story is cut so that every page can be found from its own section.

A chapter heading, and the start of each part of the file (``Story.parts``), always
starts a section. Inside a chapter (or a story with no chapters)
a new section starts at the first block boundary at or after every :data:`SECTION_CHARS`
characters from the chapter's start, never at a scene break (which stays at the end of the
section before). Only inside a paragraph longer than that is a section cut after a space
(or, in a word that long, between graphemes). Boundaries depend on the story alone.
"""

from __future__ import annotations

import bisect
import unicodedata
from typing import TYPE_CHECKING

from nightstand.story import BlockKind

if TYPE_CHECKING:
    from nightstand.filetext import BookText
    from nightstand.story import Story

SECTION_CHARS = 16_384
"""Target length of a section: pages restart at a block boundary after this many characters."""

_PARAGRAPH = BlockKind.PARAGRAPH
_SCENE_BREAK = BlockKind.SCENE_BREAK


def grapheme_start(text: BookText, t: int, limit: int) -> int:
    """The first position at or after ``t`` that does not split a grapheme."""
    while 0 < t < limit and (
        unicodedata.category(text[t]) in ("Mn", "Me", "Cf")
        or "\ufe00" <= text[t] <= "\ufe0f"
        or text[t - 1] == "\u200d"
    ):
        t += 1
    return t


class Sections:
    """The sections of one story: found by a couple of binary searches, never all computed."""

    def __init__(self, story: Story) -> None:
        self.story = story
        self._length = len(story.text)
        self._chapter_offsets = [c.offset for c in story.chapters]
        # Where regions begin: chapters, and parts (so a part's pages depend on it alone).
        self._cuts = sorted({*self._chapter_offsets, *(p for p in story.parts if p > 0)})

    def region(self, position: int) -> tuple[int, int, int]:
        """(start, end, chapter) of the region (a chapter, or a part of one) at ``position``."""
        cuts = self._cuts
        ri = bisect.bisect_right(cuts, position) - 1
        start = cuts[ri] if ri >= 0 else 0
        end = cuts[ri + 1] if ri + 1 < len(cuts) else self._length
        return start, end, bisect.bisect_right(self._chapter_offsets, position) - 1

    def boundary(self, cs: int, ce: int, k: int) -> int:
        """The ``k``-th section boundary of the region ``[cs, ce)``; non-decreasing in ``k``."""
        if k <= 0:
            return cs
        t = cs + k * SECTION_CHARS
        if t >= ce:
            return ce
        story = self.story
        blocks = story.blocks
        nblocks = len(blocks)
        bi = story.block_index_at(t)
        block = blocks[bi]
        nb = bi if block.start >= t else bi + 1
        if nb < nblocks and blocks[nb].kind is _SCENE_BREAK:
            nb += 1
        bs = min(blocks[nb].start if nb < nblocks else self._length, ce)
        if bs - t <= SECTION_CHARS // 2 or block.kind is not _PARAGRAPH or block.end <= t:
            return bs
        text = story.text
        limit = min(block.end, t + SECTION_CHARS // 2)
        space = text.find(" ", t, limit)
        if space >= 0:
            return space + 1
        return grapheme_start(text, t, block.end)

    def find(self, position: int) -> tuple[int, int, int]:
        """(start, end, chapter) of the section holding ``position``."""
        cs, ce, ci = self.region(position)
        k = (position - cs) // SECTION_CHARS
        b = self.boundary(cs, ce, k)
        while b > position:
            k -= 1
            b = self.boundary(cs, ce, k)
        k += 1
        e = self.boundary(cs, ce, k)
        while e <= b:
            k += 1
            e = self.boundary(cs, ce, k)
        return b, e, ci

    def of_region(self, cs: int, ce: int) -> list[tuple[int, int]]:
        """Every section of the region ``[cs, ce)``, in order."""
        out: list[tuple[int, int]] = []
        b, k = cs, 0
        while b < ce:
            k += 1
            e = self.boundary(cs, ce, k)
            while e <= b:
                k += 1
                e = self.boundary(cs, ce, k)
            out.append((b, e))
            b = e
        return out

    def regions(self) -> list[tuple[int, int, int]]:
        """The regions (chapters, the text before the first, parts) as (start, end, chapter)."""
        cuts = self._cuts
        out: list[tuple[int, int, int]] = []
        first = cuts[0] if cuts else self._length
        if first > 0:
            out.append((0, first, -1))
        chapters = self._chapter_offsets
        for ri, start in enumerate(cuts):
            end = cuts[ri + 1] if ri + 1 < len(cuts) else self._length
            out.append((start, end, bisect.bisect_right(chapters, start) - 1))
        return out
