"""ReaderScreen: one story, a page at a time.

The screen turns keys into calls on the core (the paginator, the search, the state store)
and hands the resulting page to :class:`PageView`. It keeps one piece of state of its own,
the *anchor*: the story offset of the first character on screen. Everything else (the
page, its number, the chapter) is derived from the anchor, so a resize or a change of
measure re-typesets around the same text.
"""

from __future__ import annotations

import bisect
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.worker import get_current_worker

from nightstand.headers import is_content_warning
from nightstand.layout import Paginator
from nightstand.layout.title import title_pages
from nightstand.libc import give_back_memory
from nightstand.partial_book import PartialBook
from nightstand.progress import ReadingIndex, place_percent
from nightstand.ui.chrome import ReaderHeader, StatusLine, progress_details
from nightstand.ui.footer import KeysFooter
from nightstand.ui.keys import key_hint
from nightstand.ui.page_view import PageView
from nightstand.ui.reader_parts import COUNTING, WHOLE_BOOK_ACTIONS, ReaderParts
from nightstand.ui.settings_changed import SettingsChanged

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from nightstand.layout import Page
    from nightstand.opening import OpenStory
    from nightstand.saver import PositionSaver
    from nightstand.search import Matches
    from nightstand.settings import Settings
    from nightstand.state import StateStore
    from nightstand.ui.sync import SyncHub

NEXT_KEYS = "space,right,pagedown,l,j,f,ctrl+f,enter"
PREVIOUS_KEYS = "b,left,pageup,h,k,ctrl+b,backspace"
MIN_MEASURE = 20
MAX_MEASURE = 200
MEASURE_STEP = 4


class ReaderScreen(ReaderParts):
    """Reads one story: pages, chapters, search, bookmarks, spoiler consent."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(NEXT_KEYS, "next_page", "Next", tooltip="Next page", id="next_page"),
        Binding(
            PREVIOUS_KEYS, "previous_page", "Back", tooltip="Previous page", id="previous_page"
        ),
        Binding("g,home", "first_page", "First page", show=False, id="first_page"),
        Binding("G,end", "last_page", "Last page", show=False, id="last_page"),
        Binding(
            "right_square_bracket", "next_chapter", "Next chapter", show=False, id="next_chapter"
        ),
        Binding(
            "left_square_bracket",
            "previous_chapter",
            "Previous chapter",
            show=False,
            id="previous_chapter",
        ),
        Binding("t", "toc", "Contents", tooltip="Table of contents", id="toc"),
        Binding("slash", "search", "Search", tooltip="Search the whole story", id="search"),
        Binding("n", "next_match", "Next match", show=False, id="next_match"),
        Binding("N", "previous_match", "Previous match", show=False, id="previous_match"),
        Binding("escape", "clear_search", "Clear search", show=False, id="clear_search"),
        Binding(
            "percent_sign",
            "goto('percent')",
            "Go to %",
            show=False,
            tooltip="Go to a percentage",
            id="goto",
        ),
        Binding(
            "colon",
            "goto('page')",
            "Go to page",
            show=False,
            tooltip="Go to a page number",
            id="goto_page",
        ),
        Binding("m", "bookmark", "Mark", tooltip="Add a bookmark here", id="bookmark"),
        Binding(
            "M",
            "named_bookmark",
            "Named mark",
            show=False,
            tooltip="Add a named bookmark",
            id="named_bookmark",
        ),
        Binding("apostrophe", "bookmarks", "Bookmarks", show=False, id="bookmarks"),
        Binding("plus,equals_sign", "wider", "Wider", show=False, id="wider"),
        Binding("minus", "narrower", "Narrower", show=False, id="narrower"),
        Binding("s", "reveal", "Spoilers", show=False, tooltip="Reveal spoilers", id="reveal"),
        Binding("L", "library", "Library", show=False, id="library"),
        Binding("S", "sync_now", "Sync now", show=False, id="sync_now"),
        Binding("o", "settings", "Settings", show=False, id="settings"),
        # One key, two meanings; the footer names the one that holds now (check_action).
        Binding("q", "back", "Library", tooltip="Back to the library", id="back"),
        Binding("q", "quit_reading", "Quit", tooltip="Quit nightstand", id="quit_reading"),
    ]

    def __init__(
        self,
        opened: OpenStory,
        *,
        store: StateStore,
        saver: PositionSaver,
        settings: Settings,
        sync: SyncHub | None = None,
    ) -> None:
        super().__init__()
        self._sync = sync
        self.opened = opened
        self.story = opened.story
        self._store = store
        self._saver = saver
        self._settings = settings
        self._measure = settings.measure
        saved = store.position(opened.key)
        self._partial = PartialBook.of(opened, saved)  # a big book's first part: partial_book
        resolved = store.resolve(self.story, saved) if saved else 0
        self._anchor = self._partial.anchor if self._partial else resolved
        # A new story opens on its title page, where spoiler headers wait behind the gate.
        self._on_title = saved is None and bool(self.story.headers)
        self._title_index = 0
        remembered = not settings.ask_spoilers_every_time
        self.revealed = remembered and store.spoiler_consent(opened.key)
        self.warnings_shown = settings.show_content_warnings or (
            remembered and store.warnings_consent(opened.key)
        )
        """Content warnings shown though the other spoiler headers may not be."""
        self._paginator: Paginator | None = None
        self._page: Page | None = None
        self._footer_held = True
        self._area: tuple[int, int] | None = None
        self._index: ReadingIndex | None = None
        self._matches: Matches | None = None
        self._match: int | None = None

    # -- composition and lifecycle -------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Header line, page, status lines, key footer."""
        with Vertical():
            yield ReaderHeader(self.story.title, self.story.author or "", id="header-line")
            yield PageView(id="page")
            yield StatusLine(id="status")
            yield KeysFooter(held=True)  # released once the first page is on screen

    def on_mount(self) -> None:
        """Focus the page; the work the first page does not need waits until it is drawn."""
        self.query_one(PageView).focus()
        if self._sync is not None and self._partial is None:
            self._sync.opened(self)

    def on_unmount(self) -> None:
        """Save where the reader is (Textual cancels the screen's workers)."""
        self.save_position()

    @property
    def reading_position(self) -> int:
        """The story offset of the first character on screen."""
        return self._anchor

    @property
    def page(self) -> Page | None:
        """The page on screen (None on the title page or before the first layout)."""
        return None if self._on_title else self._page

    @property
    def paginator(self) -> Paginator | None:
        """The paginator for the current area and measure."""
        return self._paginator

    @property
    def on_title_page(self) -> bool:
        """Whether the title page (headers) is on screen."""
        return self._on_title

    # -- layout --------------------------------------------------------------------------

    def on_page_view_area_changed(self, event: PageView.AreaChanged) -> None:
        """Typeset again for the new area, keeping the anchor on screen."""
        first = self._paginator is None
        self._relayout(event.width, event.height)
        if first:
            # Counting words and pages competes with the first paint: start after it.
            self.call_after_refresh(self._build_index if self._partial is None else self._rest)
            # The place is saved as soon as the first page is on screen (the saver writes
            # it in the background): a reader killed or hung up from then on keeps it, and
            # the first write of a session, the slow one, is not left for the way out.
            self.call_after_refresh(self.save_position)
        else:
            self.save_position()
            if not self._on_title:
                # The page holding the place is back; show which of its lines holds it.
                self.query_one(PageView).mark_place(self._anchor)

    def _relayout(self, width: int, height: int) -> None:
        self._area = (width, height)
        self.workers.cancel_group(self, "count")  # its pages are for the old layout
        self._paginator = Paginator(
            self.story,
            max(width, 1),
            max(height, 1),
            self._settings.layout(measure=self._measure),
        )
        self._show(self._paginator.page_at(self._anchor), keep_anchor=True)
        if self._partial is None:
            self.call_after_refresh(self._count_pages, self._paginator)

    @property
    def _top(self) -> int:
        return self._paginator.settings.margin_top if self._paginator else 0

    def _show(self, page: Page, *, keep_anchor: bool = False, save: bool = False) -> None:
        self._page = page
        if not keep_anchor:
            self._anchor = page.start
        view = self.query_one(PageView)
        if self._on_title and self._paginator is not None:
            titles = self._title_pages()
            self._title_index = min(self._title_index, len(titles) - 1)
            view.show(titles[self._title_index], top=self._top)
        else:
            spans = self._matches.spans if self._matches else ()
            current = spans[self._match] if self._matches and self._match is not None else None
            view.show(page, spans, current=current, top=self._top)
        self._update_chrome()
        if save:
            self.save_position()
        if self._footer_held:  # once: the first page's keys are composed after its frame
            self._footer_held = False
            self.call_after_refresh(self.query_one(KeysFooter).release)
        if self._paginator is not None and not self._on_title:
            # The next page is typeset and drawn after the frame is written, not when its key comes.
            self.set_timer(0.02, lambda p=self._paginator: self._typeset_next(p, page))

    def _typeset_next(self, paginator: Paginator, page: Page) -> None:
        if paginator is self._paginator and page is self._page:
            self.query_one(PageView).prepare(paginator.next(page))

    def _title_pages(self) -> list[Page]:
        assert self._paginator is not None
        return title_pages(
            self._paginator,
            revealed=self.revealed,
            warnings=self.warnings_shown,
            start_keys=key_hint(self, "next_page", most=2),
            reveal_key=key_hint(self, "reveal"),
        )

    def _show_title(self, index: int) -> None:
        """Show title page ``index`` (0 first, -1 last); the reading place stays put."""
        self._on_title = True
        self._title_index = index if index >= 0 else len(self._title_pages()) - 1
        if self._page is not None:
            self._show(self._page, keep_anchor=True)

    # The workers never wait on the event loop (``call_from_thread`` would: a loop stuck
    # in shutdown then holds them for ever); they post a message, and only while their
    # worker has not been cancelled.

    class PagesCounted(Message, bubble=False):
        """The count of ``paginator``'s pages is known."""

        def __init__(self, paginator: Paginator) -> None:
            super().__init__()
            self.paginator = paginator

    class IndexReady(Message, bubble=False):
        """The words and scenes of the story have been indexed."""

        def __init__(self, index: ReadingIndex) -> None:
            super().__init__()
            self.index = index

    @work(thread=True, exclusive=True, group="count")
    def _count_pages(self, paginator: Paginator) -> None:
        worker = get_current_worker()
        counted = paginator.count_pages(worker.cancelled_event)
        give_back_memory()  # what the pass over the whole book freed (see nightstand.libc)
        if counted is not None and not worker.is_cancelled:
            self.post_message(self.PagesCounted(paginator))

    @work(thread=True, exclusive=True, group="index")
    def _build_index(self) -> None:
        index = ReadingIndex(self.story)
        give_back_memory()
        if not get_current_worker().is_cancelled:
            self.post_message(self.IndexReady(index))

    def on_reader_screen_pages_counted(self, event: PagesCounted) -> None:
        """Show the page count, if it is for the layout on screen."""
        if event.paginator is self._paginator:
            self._update_chrome()
        if self._index_after_count:  # the whole book just came in (see ReaderParts)
            self._index_after_count = False
            self._build_index()

    def on_reader_screen_index_ready(self, event: IndexReady) -> None:
        """Chapter, scene and minutes left join the status line."""
        self._index = event.index
        self._update_chrome()

    # -- header and status lines -----------------------------------------------------------

    def _update_chrome(self) -> None:
        """Hand the header and status widgets what they show; they redraw what changed."""
        if not self.is_mounted:
            return
        story = self.story
        chapter_i = story.chapter_index_at(self._anchor)
        chapter = story.chapters[chapter_i].title if chapter_i >= 0 and not self._on_title else ""
        self.query_one(ReaderHeader).chapter = chapter
        status = self.query_one(StatusLine)
        paginator, page = self._paginator, self._page
        if paginator is None or page is None:
            return
        details: list[str] = []
        if self._matches is not None:
            n = len(self._matches.spans)
            at = f"{(self._match or 0) + 1}/{self._matches.count_text}" if n else "no matches"
            details.append(f"“{self._matches.query}” {at}")
        if self._on_title:
            count = len(self._title_pages())
            place = f"title page {self._title_index + 1}/{count}" if count > 1 else "title page"
            percent = 0.0
        elif self._partial is not None:
            place, percent = COUNTING, self._partial.percent(self._anchor)
        else:
            number, total = paginator.page_number(page), paginator.page_count()
            place = f"page {number} of {total}" if number and total else "page …"
            percent = self._place_percent()
            if self._index is not None:
                progress = self._index.progress(page.start)
                details += progress_details(progress, self._settings.words_per_minute)
        status.place, status.details, status.percent = place, tuple(details), percent
        status.shown = True

    def _place_percent(self) -> float:
        """The share of the words before the anchor (0 on the first page, 100 on the last)."""
        paginator, page = self._paginator, self._page
        assert paginator is not None and page is not None
        return place_percent(
            self._index,
            self.story,
            self._anchor,
            first_page=paginator.is_first(page),
            last_page=paginator.is_last(page),
        )

    # -- saving --------------------------------------------------------------------------

    def save_position(self) -> None:
        """Queue the anchor for saving (coalesced, off the UI thread)."""
        percent = None
        if self._paginator is not None and self._page is not None and not self._on_title:
            percent = self._place_percent()
        self._submit(percent)
        if self._sync is not None:
            self._sync.note(self)

    # -- navigation actions -------------------------------------------------------------

    def _go(self, page: Page | None) -> None:
        if self._blocked(page) or page is None:
            return
        self._on_title = False
        self._show(page, save=True)

    def action_next_page(self) -> None:
        """Next page; from the (last) title page, the page where reading stands."""
        if self._paginator is None or self._page is None:
            return
        if not self._on_title:
            following = self._paginator.next(self._page)
            if following is None and self._partial is None:
                self._show_end()
            else:
                self._go(following)
        elif self._title_index + 1 < len(self._title_pages()):
            self._show_title(self._title_index + 1)
        else:
            self._go(self._paginator.page_at(self._anchor))

    def action_previous_page(self) -> None:
        """Previous page; before the first page, the (last) title page."""
        if self._paginator is None or self._page is None:
            return
        if self._on_title:
            if self._title_index > 0:
                self._show_title(self._title_index - 1)
            return
        previous = self._paginator.previous(self._page)
        if previous is None:
            self._show_title(-1)
        else:
            self._go(previous)

    def on_page_view_turn(self, event: PageView.Turn) -> None:
        """Mouse wheel and clicks on the page's thirds."""
        if event.direction > 0:
            self.action_next_page()
        else:
            self.action_previous_page()

    def action_first_page(self) -> None:
        """The first page of the story."""
        if self._paginator is not None:
            self._go(self._paginator.first())

    def action_last_page(self) -> None:
        """The last page of the story."""
        if self._paginator is not None:
            self._go(self._paginator.last())

    def goto_position(self, position: int) -> None:
        """Show the page containing a story offset."""
        if self._paginator is not None:
            self._go(self._paginator.page_at(position))

    def action_next_chapter(self) -> None:
        """The first page of the next chapter (from the title page: the chapter read next)."""
        chapters = self.story.chapters
        if self._on_title:
            i = bisect.bisect_left([c.offset for c in chapters], self._anchor)
        else:
            i = self.story.chapter_index_at(self._anchor) + 1
        if i < len(chapters):
            self.goto_position(chapters[i].offset)

    def action_previous_chapter(self) -> None:
        """The start of this chapter, or of the previous one when already there."""
        chapters = self.story.chapters
        i = self.story.chapter_index_at(self._anchor)
        if i < 0:
            return
        if self._page is not None and self._page.start <= chapters[i].offset and i > 0:
            i -= 1
        self.goto_position(chapters[i].offset)

    def _show_end(self) -> None:
        """Past the last page: mark the story finished and show the end page."""
        from nightstand.finishing import ending
        from nightstand.ui.end_page import EndPage

        self.save_position()
        self._store.mark_finished(self.opened.key)
        words = self._store.story_words(self.opened.key, self.story)
        summary = ending(self.story.title, words, self._settings.words_per_minute)
        from nightstand.ui.library import LibraryScreen

        # The next story comes from the library the reader came from, if any.
        shelf = next((s for s in self.app.screen_stack if isinstance(s, LibraryScreen)), None)
        library = shelf.folder if shelf is not None else self._settings.library
        page = EndPage(summary, path=self.opened.path, library=library, store=self._store)
        self.app.push_screen(page, self._end_left)

    def _end_left(self, result: object) -> None:
        if result == "library":
            self.action_library()
        elif result is not None:
            from nightstand.ui.library import LibraryScreen

            self.post_message(LibraryScreen.OpenRequested(Path(str(result))))

    # -- dialogs (the contents, search, go-to, bookmarks: reader_dialogs) ----------------

    def _set_measure(self, measure: int) -> None:
        measure = min(max(measure, MIN_MEASURE), MAX_MEASURE)
        # One toast at a time, however fast the key is pressed.
        self.app.clear_notifications()
        if measure == self._measure:
            limit = "widest" if measure == MAX_MEASURE else "narrowest"
            self.notify(f"Measure: {measure} columns, the {limit} there is", timeout=1.5)
            return
        self._measure = measure
        if self._area is not None:
            self._relayout(*self._area)
        width = self._paginator.column_width if self._paginator else measure
        shown = "" if width == measure else f" (the window allows {width})"
        self.notify(f"Measure: {measure} columns{shown}", timeout=1.5)
        # The app keeps it for the next start (settings.toml).
        self.post_message(SettingsChanged({"measure": measure}))

    def action_wider(self) -> None:
        """A wider column of text."""
        self._set_measure(self._measure + MEASURE_STEP)

    def action_narrower(self) -> None:
        """A narrower column of text."""
        self._set_measure(self._measure - MEASURE_STEP)

    def action_reveal(self) -> None:
        """Ask before showing the spoiler headers; remember the answer for this story."""
        keys = self.story.spoiler_keys
        if not keys:
            self.notify("This story has no spoiler headers.")
            return
        if self.revealed:
            self._show_title(0)
            return
        from nightstand.ui.spoiler import SpoilerGate

        has_warnings = any(is_content_warning(h) for h in self.story.headers)
        gate = SpoilerGate(self.story.title, keys, offer_warnings=has_warnings)
        self.app.push_screen(gate, self._reveal_answered)

    def _reveal_answered(self, reveal: bool | str | None) -> None:
        if not reveal:
            return
        remember = not self._settings.ask_spoilers_every_time
        if reveal == "warnings":
            self.warnings_shown = True
            if remember:
                self._store.set_spoiler_consent(self.opened.key, False, warnings_only=True)
        else:
            self.revealed = True
            if remember:
                self._store.set_spoiler_consent(self.opened.key, True)
        self._show_title(0)

    def action_settings(self) -> None:
        """The settings screen: measure, justify, hyphenate, paragraphs, theme, spoilers."""
        from nightstand.ui.settings_screen import SettingsScreen

        screen = SettingsScreen(self._settings, self._measure, self.app.available_themes)
        self.app.push_screen(screen, self._settings_chosen)

    def _settings_chosen(self, changes: dict[str, Any] | None) -> None:
        if changes:
            self.post_message(SettingsChanged(changes))

    def apply_settings(self, settings: Settings) -> None:
        """New settings from the app: typeset again if the page's settings changed."""
        before = self._settings.layout(measure=self._measure)
        self._settings = settings
        self._measure = settings.measure
        if settings.layout() != before and self._area is not None:
            self._relayout(*self._area)

    class LibraryRequested(Message):
        """The reader asked for the library (the app decides which screen that is)."""

    def action_library(self) -> None:
        """The library (the one this story was opened from, if any)."""
        self.save_position()
        self.post_message(self.LibraryRequested())

    def action_sync_now(self) -> None:
        """Send this place to the sync server and offer where other devices are."""
        if self._sync is not None:
            self._sync.sync_now(self)

    def _has_screen_below(self) -> bool:
        stack = self.app.screen_stack
        return self in stack and stack.index(self) > 1

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """q goes back when there is a screen to go back to, and quits when there is not."""
        if self._partial is not None and action in WHOLE_BOOK_ACTIONS:
            return None  # shown, dimmed, until the whole book is in
        if action == "back":
            return self._has_screen_below()
        if action == "quit_reading":
            return not self._has_screen_below()
        return True

    def action_back(self) -> None:
        """Back to the library, or quit when the story was opened directly."""
        self.save_position()
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:
            self.app.exit()

    def action_quit_reading(self) -> None:
        """Quit nightstand (the story was opened directly: there is nothing to go back to)."""
        self.save_position()
        self.app.exit()
