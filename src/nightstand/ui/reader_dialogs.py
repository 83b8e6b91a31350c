"""The reader's prompts and lists: contents, search, go to a page or percentage, bookmarks.

:class:`ReaderDialogs` is the base of :class:`~nightstand.ui.reader.ReaderScreen`; it holds
the actions that ask the reader something and move to the answer, so the reader module keeps
to the anchor, layout and page turns.
"""

from __future__ import annotations

import bisect
from dataclasses import replace
from typing import TYPE_CHECKING

from textual import work
from textual.screen import Screen
from textual.worker import get_current_worker

from nightstand.libc import give_back_memory
from nightstand.state import resolve_offset
from nightstand.ui.keys import key_hint

if TYPE_CHECKING:
    from nightstand.layout import Page, Paginator
    from nightstand.opening import OpenStory
    from nightstand.search import Matches
    from nightstand.state import StateStore
    from nightstand.story import Story


class ReaderDialogs(Screen[None]):
    """Search, go-to and bookmarks for a screen that shows one story a page at a time."""

    story: Story
    opened: OpenStory
    _store: StateStore
    _anchor: int
    _on_title: bool
    _page: Page | None
    _paginator: Paginator | None
    _matches: Matches | None
    _match: int | None

    if TYPE_CHECKING:

        def goto_position(self, position: int) -> None: ...
        def _go(self, page: Page | None) -> None: ...
        def _show(self, page: Page, *, keep_anchor: bool = False, save: bool = False) -> None: ...
        def _update_chrome(self) -> None: ...

    def action_toc(self) -> None:
        """The table of contents, to jump from."""
        from nightstand.ui.toc import TocScreen

        if not self.story.chapters:
            # No chapters: its scenes, named by their first words.
            from nightstand.scenes import scenes

            found = scenes(self.story)
            if len(found) < 2:
                self.notify("This story has no chapters or scenes to list.")
                return
            starts = [s.offset for s in found]
            here = max(bisect.bisect_right(starts, self._anchor) - 1, 0)
            self.app.push_screen(TocScreen(found, here, unit="scenes"), self._toc_chosen)
            return

        current = self.story.chapter_index_at(self._anchor)
        self.app.push_screen(TocScreen(self.story.chapters, current), self._toc_chosen)

    def _toc_chosen(self, offset: int | None) -> None:
        if offset is not None:
            self.goto_position(offset)

    def action_search(self) -> None:
        """Ask for a query and search the whole story."""
        from nightstand.ui.search import SearchScreen

        last = self._matches.query if self._matches else ""
        self.app.push_screen(SearchScreen(last), self._search_entered)

    def _search_entered(self, query: str | None) -> None:
        if query:
            self._run_search(query)

    @work(thread=True, exclusive=True, group="search")
    def _run_search(self, query: str) -> None:
        # Imported on first use: the regex engine is not needed for the first page.
        from nightstand.search import SearchError, search

        worker = get_current_worker()
        try:
            matches = search(self.story.text, query)
        except SearchError as exc:
            if not worker.is_cancelled:
                self.app.call_from_thread(self.notify, str(exc), severity="error", markup=False)
            return
        finally:
            give_back_memory()  # what the pass over the whole book freed
        if not worker.is_cancelled:
            self.app.call_from_thread(self._search_done, matches)

    def _search_done(self, matches: Matches) -> None:
        self._matches = matches
        if not matches.spans:
            self._match = None
            # A new "Not found" replaces the last one rather than piling up over the text.
            self.app.clear_notifications()
            self.notify(f"Not found: {matches.query}", severity="warning", markup=False)
            self._update_chrome()
            return
        start = self._page.start if self._page and not self._on_title else -1
        self._match = matches.next_after(start - 1)
        self._jump_to_match()

    def _jump_to_match(self) -> None:
        if self._matches is None or self._match is None:
            return
        self.goto_position(self._matches.spans[self._match][0])

    def action_next_match(self) -> None:
        """The next match, wrapping at the end."""
        if self._matches and self._match is not None:
            self._match = self._matches.next_after(self._matches.spans[self._match][0])
            self._jump_to_match()

    def action_previous_match(self) -> None:
        """The previous match, wrapping at the start."""
        if self._matches and self._match is not None:
            self._match = self._matches.previous_before(self._matches.spans[self._match][0])
            self._jump_to_match()

    def action_clear_search(self) -> None:
        """Forget the search and its highlights."""
        if self._matches is not None:
            self._matches = None
            self._match = None
            if self._page is not None:
                self._show(self._page, keep_anchor=True)

    def action_goto(self, bare: str = "page") -> None:
        """Go to a percentage (after %, or "42%") or a page number (after :)."""
        from nightstand.ui.search import GotoScreen

        self.app.push_screen(GotoScreen(bare), self._goto_entered)

    def _goto_entered(self, target: tuple[str, float] | None) -> None:
        if target is None or self._paginator is None:
            return
        kind, value = target
        if kind == "percent":
            if value > 100:
                self.notify(f"{value:g}% is past the end; 100% is the last page.", markup=False)
                return
            self.goto_position(int(len(self.story.text) * min(max(value, 0.0), 100.0) / 100))
            return
        total = self._paginator.page_count()
        if total is not None and value > total:
            self.notify(
                f"Page {value:.0f} is past the end: the story has {total} pages.", markup=False
            )
            return
        page = self._paginator.page_by_number(int(value))
        if page is None:
            self.notify("The page count is not known yet; try a percentage.", severity="warning")
        else:
            self._go(page)

    def action_bookmark(self) -> None:
        """Add a numbered bookmark at the first character on screen."""
        self._bookmark_named(self._anchor, "")

    def action_named_bookmark(self) -> None:
        """Add a bookmark at the first character on screen, asking for its name."""
        from nightstand.ui.bookmark_name import BookmarkNameScreen

        anchor = self._anchor
        self.app.push_screen(BookmarkNameScreen(), lambda name: self._bookmark_named(anchor, name))

    def _bookmark_named(self, anchor: int, name: str | None) -> None:
        if name is None:
            return
        mark = self._store.add_bookmark(self.opened.key, self.story, anchor, name or None)
        self.notify(f"Bookmarked: {mark.name}", markup=False)

    def action_bookmarks(self) -> None:
        """The list of bookmarks, to jump from."""
        from nightstand.ui.bookmarks import BookmarksScreen

        # A mark is found again by its quote, like the reading position, if the file changed.
        marks = [
            replace(m, offset=resolve_offset(self.story, m.offset, m.quote))
            for m in self._store.bookmarks(self.opened.key)
        ]
        if not marks:
            key = key_hint(self, "bookmark")
            self.notify(
                f"No bookmarks yet: press {key} to add one." if key else "No bookmarks.",
                markup=False,
            )
            return
        places = [self._place_of(m.offset) for m in marks]
        self.app.push_screen(
            BookmarksScreen(marks, self._remove_bookmark, places), self._bookmark_chosen
        )

    def _place_of(self, offset: int) -> str:
        """ "page 12 · 34%" for a story offset (the page once pages are counted)."""
        from nightstand.state.anchoring import percent_at

        percent = f"{percent_at(self.story, offset):.0f}%"
        if self._paginator is None:
            return percent
        number = self._paginator.page_number(self._paginator.page_at(offset))
        return f"page {number} · {percent}" if number else percent

    def _remove_bookmark(self, name: str) -> None:
        self._store.remove_bookmark(self.opened.key, name)

    def _bookmark_chosen(self, offset: int | None) -> None:
        if offset is not None:
            self.goto_position(offset)
