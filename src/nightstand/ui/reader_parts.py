"""The reader's side of a book read in parts: where it stands until the whole book is in.

A big EPUB opens on its opening and the part holding the reader's place (see
:mod:`nightstand.formats.parts`); the whole book follows from the loader child. Until then
the reader turns pages inside the parts read, saves its place as (part, offset inside),
and what needs the whole book says "counting…" or waits (its keys are dimmed). This module
holds that bookkeeping; it does no parsing or typesetting.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from textual import work
from textual.message import Message
from textual.worker import get_current_worker

from nightstand.errors import NightstandError
from nightstand.state import PartialPlace, resolve_offset
from nightstand.ui.reader_dialogs import ReaderDialogs

if TYPE_CHECKING:
    from nightstand.formats.parts import Partial
    from nightstand.layout import Page
    from nightstand.opening import OpenStory
    from nightstand.preload import Preload
    from nightstand.saver import PositionSaver
    from nightstand.state import SavedPosition
    from nightstand.story import Story
    from nightstand.ui.sync import SyncHub

COUNTING = "counting…"
"""What the status line says for the page number and the time left until the book is in."""

WHOLE_BOOK_ACTIONS = frozenset(
    {
        "toc",
        "search",
        "next_match",
        "previous_match",
        "goto",
        "goto_page",
        "bookmark",
        "named_bookmark",
        "bookmarks",
        "last_page",
        "next_chapter",
        "previous_chapter",
        "sync_now",
    }
)
"""The reader's actions that need the whole book: they wait for it."""


def _fits(text: str, at: int, quote: str) -> bool:
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


class ReaderParts(ReaderDialogs):
    """The reader's base that waits for the whole book and swaps it in (see module doc)."""

    _partial: PartialBook | None
    _saver: PositionSaver
    _sync: SyncHub | None
    _area: tuple[int, int] | None

    if TYPE_CHECKING:

        def _relayout(self, width: int, height: int) -> None: ...
        def _build_index(self) -> object: ...
        def save_position(self) -> None: ...

    class WholeBook(Message, bubble=False):
        """The whole book is in (``story``), or cannot be read (``error``)."""

        def __init__(self, story: Story | None, error: str = "") -> None:
            super().__init__()
            self.story, self.error = story, error

    @work(thread=True, exclusive=True, group="rest")
    def _rest(self) -> None:
        """Wait for the whole book (the loader child sends it) and hand it to the screen."""
        assert self._partial is not None
        try:
            message = self.WholeBook(self._partial.coming.rest())
        except NightstandError as exc:
            message = self.WholeBook(None, str(exc))
        if not get_current_worker().is_cancelled:
            self.post_message(message)

    def on_reader_parts_whole_book(self, event: WholeBook) -> None:
        """Swap the whole book in for the parts read, on the same first character."""
        partial = self._partial
        if partial is None:
            return
        if event.story is None:
            # One line, and the parts read stay open: nothing is lost.
            self.notify(
                f"The rest of the book cannot be read: {event.error}",
                severity="error",
                markup=False,
            )
            return
        self._anchor = partial.whole_anchor(event.story, self._anchor)
        self._partial = None
        self.story = event.story
        self.opened = replace(self.opened, story=event.story, coming=None)
        gc.freeze()  # as for any story freshly loaded (see ui/app.py)
        if self._area is not None:
            self._relayout(*self._area)
        self._build_index()
        self.refresh_bindings()
        if self._sync is not None:
            self._sync.opened(self)  # type: ignore[arg-type]
        self.save_position()

    def on_unmount(self) -> None:
        """The rest of the book is not wanted any more: stop reading it."""
        if self._partial is not None:
            self._partial.coming.cancel()

    def _blocked(self, page: Page | None) -> bool:
        """Whether ``page`` cannot be shown yet (or is None): it needs the whole book."""
        if self._partial is not None and not self._partial.holds(page, self._anchor):
            self.notify("The rest of the book is still being read…", timeout=2)
            return True
        return page is None

    def _submit(self, percent: float | None) -> None:
        """Queue the place for saving: as (part, offset inside) while only parts are read."""
        if self._partial is None:
            self._saver.submit(self.opened.key, self.opened.path, self.story, self._anchor, percent)
            return
        place = self._partial.place(self._anchor)
        if place is not None:  # else the saved place is not read yet: it stays as saved
            percent = self._partial.percent(self._anchor)
            self._saver.submit(
                self.opened.key, self.opened.path, self.story, self._anchor, percent, place
            )
