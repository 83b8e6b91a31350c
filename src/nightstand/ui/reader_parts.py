"""The reader's side of a book read in parts: where it stands until the whole book is in.

A big EPUB opens on its opening and the part holding the reader's place (see
:mod:`nightstand.formats.parts`), sent by the loader child; the whole book follows, read
on a thread of this process (:meth:`nightstand.preload.Preload.rest`). Until then
the reader turns pages inside the parts read, saves its place as (part, offset inside),
and what needs the whole book says "counting…" or waits (its keys are dimmed). The
bookkeeping of places is :class:`nightstand.partial_book.PartialBook`'s; this module is its
Textual side, and does no parsing or typesetting.
"""

from __future__ import annotations

import gc
from dataclasses import replace
from typing import TYPE_CHECKING

from textual import work
from textual.message import Message
from textual.worker import get_current_worker

from nightstand.errors import NightstandError
from nightstand.libc import give_back_memory
from nightstand.ui.archive import announce_new_chapters
from nightstand.ui.reader_dialogs import ReaderDialogs

if TYPE_CHECKING:
    from nightstand.layout import Page
    from nightstand.partial_book import PartialBook
    from nightstand.saver import PositionSaver
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


class ReaderParts(ReaderDialogs):
    """The reader's base that waits for the whole book and swaps it in (see module doc)."""

    _partial: PartialBook | None
    _saver: PositionSaver
    _sync: SyncHub | None
    _area: tuple[int, int] | None
    _index_after_count = False

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
        """Wait for the whole book (read beside the reader, see Preload.rest) and hand it
        to the screen."""
        assert self._partial is not None
        try:
            message = self.WholeBook(self._partial.coming.rest())
        except NightstandError as exc:
            message = self.WholeBook(None, str(exc))
        give_back_memory()  # what receiving it freed (see nightstand.libc)
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
            # The words are indexed once the pages are counted, not beside the count: the
            # two passes over the whole book at once were the reader's peak (1 MiB more).
            self._index_after_count = True
        else:
            self._build_index()
        self.refresh_bindings()
        if self._sync is not None:
            self._sync.opened(self)  # type: ignore[arg-type]
        self.save_position()
        # Asked now, not at the first page: the check reads the EPUB's package document
        # and would share the interpreter with the book being read (see ui/app.py).
        announce_new_chapters(self.app, self._store, self.opened)

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
