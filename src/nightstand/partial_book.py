"""Where the reader stands in a book read in parts, until the whole book is in.

A big EPUB opens on its opening and the part holding the reader's place (see
:mod:`nightstand.formats.parts`); the whole book follows (``Preload.rest``). Until then
pages turn inside the parts read, the place is saved as (part, offset inside) with the
whole book's offset estimated, and the share read is the share of the parts. This is that
bookkeeping, free of the UI: ``ui/reader_parts.py`` uses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from nightstand.state import PartialPlace, resolve_offset

if TYPE_CHECKING:
    from nightstand.filetext import BookText
    from nightstand.formats.parts import Partial
    from nightstand.layout import Page
    from nightstand.opening import OpenStory
    from nightstand.preload import Preload
    from nightstand.state import SavedPosition
    from nightstand.story import Story


def _fits(text: BookText, at: int, quote: str) -> bool:
    """Whether ``quote`` stands at ``at`` in ``text``, as far as ``text`` goes."""
    seen = text[at : at + len(quote)]
    return quote.startswith(seen) and (bool(seen) or not quote)


@dataclass(slots=True)
class PartialBook:
    """Part of a book on screen, the rest coming; ``anchor`` is where to open."""

    coming: Preload
    partial: Partial
    anchor: int
    saved: SavedPosition | None
    held: bool
    """The saved place is not in the parts read: it is left as saved, and the whole book
    places the reader (the page then moves: a book changed or moved since)."""

    @classmethod
    def of(cls, opened: OpenStory, saved: SavedPosition | None) -> PartialBook | None:
        """The partial book ``opened`` is, with where to open it; None for a whole book."""
        coming = opened.coming
        partial = coming.partial if coming is not None else None
        if coming is None or partial is None:
            return None
        if saved is None:
            return cls(coming, partial, 0, None, held=False)
        at = partial.offset_of(*saved.part) if saved.part is not None else None
        if at is not None and _fits(partial.story.text, at, saved.quote):
            return cls(coming, partial, at, saved, held=False)
        return cls(coming, partial, 0, saved, held=True)

    def holds(self, page: Page | None, anchor: int) -> bool:
        """Whether ``page`` can be turned to from ``anchor`` before the whole book is in:
        it lies in the run of parts read around it (not past a part not read yet)."""
        if page is None:
            return False
        start, end = self.partial.window(anchor)
        return start <= page.start < end

    def place(self, anchor: int) -> PartialPlace | None:
        """The place to save for ``anchor``; None while the saved place is held."""
        if self.held:
            return None
        part = self.partial.place(anchor)
        saved = self.saved
        i = self.partial.numbers.index(part[0])
        if saved is not None and saved.part is not None and saved.part[0] == part[0]:
            estimate = saved.offset + part[1] - saved.part[1]
        elif self.partial.numbers[: i + 1] == tuple(range(i + 1)):
            estimate = anchor  # in the opening, read from the start: the same offset
        else:
            estimate = saved.offset if saved is not None else anchor
        return PartialPlace(part, max(estimate, 0))

    def percent(self, anchor: int) -> float:
        """The place as a share of the book's parts (the words are not counted yet)."""
        if self.held and self.saved is not None:
            return self.saved.percent
        number, inside = self.partial.place(anchor)
        i = self.partial.numbers.index(number)
        parts, text = self.partial.story.parts, self.partial.story.text
        length = (parts[i + 1] if i + 1 < len(parts) else len(text)) - parts[i]
        share = (number + (inside / length if length else 0)) / max(self.partial.total, 1)
        return min(100.0 * share, 99.0)

    def whole_anchor(self, whole: Story, anchor: int) -> int:
        """Where ``anchor`` (in the part read) is in the whole book."""
        if self.held and self.saved is not None:
            return resolve_offset(whole, self.saved.offset, self.saved.quote)
        mapped = self.partial.to_whole(whole, anchor)
        if mapped is not None:
            return mapped
        place = self.place(anchor)
        estimate = place.estimate if place is not None else anchor
        return resolve_offset(whole, estimate, self.partial.story.text[anchor : anchor + 64])
