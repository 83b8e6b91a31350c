"""Re-anchoring: finding a saved place again in a story whose text may have changed.

Pure functions of a story's text; no SQL. A place is an offset and the text that stood
there (its quote); :func:`resolve_offset` finds the quote again after edits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nightstand.typography import find_typed

if TYPE_CHECKING:
    from nightstand.filetext import BookText
    from nightstand.story import Story

QUOTE_CHARS = 64
"""How much text a position keeps, to find its place again after the file changes."""


def quote_at(text: BookText, offset: int) -> str:
    return text[offset : offset + QUOTE_CHARS]


def _nearest(text: BookText, needle: str, around: int) -> int | None:
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


def percent_at(story: Story, offset: int) -> float:
    if not story.text:
        return 0.0
    return round(100.0 * min(max(offset, 0), len(story.text)) / len(story.text), 1)


def chapter_at(story: Story, offset: int) -> str | None:
    i = story.chapter_index_at(offset)
    return story.chapters[i].title if i >= 0 else None
