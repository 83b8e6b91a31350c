"""A big book's first page before the whole book is in, and the swap that follows.

The whole book is held back by a stand-in for ``Preload`` (``SlowRest``) until the
test lets it go, so "before" and "after" are states the test controls, not timings.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pytest

from nightstand.errors import StoryError
from nightstand.formats.epub import read_epub
from nightstand.formats.parts import Partial
from nightstand.opening import OpenStory
from nightstand.settings import load_settings
from nightstand.state import StateStore
from nightstand.ui.app import NightstandApp
from nightstand.ui.chrome import StatusLine
from nightstand.ui.page_view import PageView
from nightstand.ui.reader import ReaderScreen
from parts_helpers import write_split_epub
from pilot_tools import BOUND, settle, wait_until, widget_text

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from textual.pilot import Pilot

    from nightstand.story import Story

SIZE = (80, 24)


class SlowRest:
    """Stands in for ``Preload``: the part now, the whole book when released."""

    def __init__(self, partial: Partial, whole: Story, error: str = "") -> None:
        self.partial = partial
        self._whole = whole
        self._error = error
        self.release = threading.Event()

    def rest(self) -> Story:
        if not self.release.wait(BOUND * 4):
            raise StoryError("the test never let the whole book go")
        if self._error:
            raise StoryError(self._error)
        return self._whole

    def cancel(self) -> None:
        self.release.set()


@pytest.fixture
def book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("NIGHTSTAND_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("NIGHTSTAND_CONFIG_DIR", str(tmp_path / "config"))
    yield write_split_epub(tmp_path / "book.epub", files=30)


def _app(path: Path, want: int, error: str = "") -> tuple[NightstandApp, SlowRest, Story]:
    raw = path.read_bytes()
    whole, _, _ = read_epub(raw, name="book")
    story, numbers, total = read_epub(raw, name="book", want=want)
    coming = SlowRest(Partial(story, numbers, total), whole, error)
    settings, _ = load_settings()
    store = StateStore.open()
    opened = OpenStory(path, story, store.story_key(story, path), coming)  # type: ignore[arg-type]
    return NightstandApp(settings=settings, store=store, story=opened), coming, whole


def _status(app: NightstandApp) -> str:
    return widget_text(app.screen.query_one(StatusLine))


def _page(app: NightstandApp) -> str:
    return widget_text(app.screen.query_one(PageView))


async def _past_the_title_page(pilot: Pilot[None], app: NightstandApp) -> None:
    """From the title page to the pages of the parts read (the status says "counting…")."""
    await wait_until(pilot, lambda: "title page" in _status(app), "the title page")
    await pilot.press("space", "space")
    await wait_until(pilot, lambda: "counting…" in _status(app), "counting…")


async def test_first_page_before_the_whole_book_and_it_stays_put(book: Path) -> None:
    app, coming, whole = _app(book, want=0)
    async with app.run_test(size=SIZE) as pilot:
        reader = app.screen
        assert isinstance(reader, ReaderScreen)
        await wait_until(pilot, lambda: "title page" in _status(app), "the title page")
        await pilot.press("space", "space", "space")
        await wait_until(pilot, lambda: "counting…" in _status(app), "counting…")
        assert not coming.release.is_set()  # the whole book is not in: this is the part
        shown, quote = _page(app), reader.story.text[reader.reading_position :][:64]
        assert quote.strip()
        coming.release.set()
        await wait_until(
            pilot, lambda: " of " in _status(app), "page N of M", show=lambda: _status(app)
        )
        assert reader.story is whole
        assert whole.text[reader.reading_position :].startswith(quote)
        assert _page(app) == shown
        assert "counting…" not in _status(app)
        await settle(pilot)


async def test_resumed_deep_in_the_book_before_the_rest_is_read(book: Path) -> None:
    # A place saved earlier, deep in the book (part 22), from the whole book.
    raw = book.read_bytes()
    whole, _, _ = read_epub(raw, name="book")
    with StateStore.open() as store:
        key = store.story_key(whole, book)
        store.save_position(key, book, whole, whole.parts[22] + 50)
    app, coming, whole = _app(book, want=22)
    async with app.run_test(size=SIZE) as pilot:
        reader = app.screen
        assert isinstance(reader, ReaderScreen)
        await wait_until(pilot, lambda: "counting…" in _status(app), "counting…")
        at = reader.reading_position
        assert reader.story.text[at : at + 40] == whole.text[whole.parts[22] + 50 :][:40]
        # Pages turn inside the part, and the place is saved as (part, offset inside).
        await pilot.press("space")
        await wait_until(pilot, lambda: reader.reading_position != at, "a page turned")
        moved = reader.reading_position
        quote = reader.story.text[moved : moved + 64]
        shown = _page(app)

        partial = coming.partial
        inside = moved - partial.story.parts[partial.numbers.index(22)]

        def saved_part() -> object:
            # The place saved before opening was in part 22 too: wait for the new one.
            with StateStore.open() as other:
                pos = other.position(key)
            return pos is not None and pos.part == (22, inside) and pos

        saved = await wait_until(pilot, saved_part, "the place saved by its part")
        assert whole.text[whole.parts[22] + saved.part[1] :].startswith(quote)  # type: ignore[union-attr]
        # Keys that need the whole book wait for it.
        await pilot.press("slash")
        await pilot.pause()
        assert app.screen is reader
        coming.release.set()
        await wait_until(pilot, lambda: " of " in _status(app), "page N of M")
        assert whole.text[reader.reading_position :].startswith(quote)
        assert _page(app) == shown
        await settle(pilot)
    # Opened again with the whole book, the place is where the reader left it.
    with StateStore.open() as store:
        pos = store.position(key)
        assert pos is not None
        assert whole.text[store.resolve(whole, pos) :].startswith(quote)


async def test_a_book_broken_past_its_first_part_is_one_line(book: Path) -> None:
    app, coming, _ = _app(book, want=0, error="the EPUB's chapter 20 is encrypted")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "title page" in _status(app), "the title page")
        coming.release.set()
        await wait_until(
            pilot,
            lambda: any("cannot be read" in str(n.message) for n in app._notifications),
            "one error notice",
        )
        notes = [str(n.message) for n in app._notifications if "cannot be read" in str(n.message)]
        assert notes == ["The rest of the book cannot be read: the EPUB's chapter 20 is encrypted"]
        await pilot.press("space")
        await wait_until(pilot, lambda: "counting…" in _status(app), "the part still reads")


async def test_the_new_chapters_check_waits_for_the_whole_book(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its imports and its read of the EPUB's package document are not in memory beside
    the loader child's: it is asked once the whole book is in, of the whole book."""
    import nightstand.ui.archive as archive_ui
    import nightstand.ui.reader_parts as reader_parts

    asked: list[Story] = []

    def record(app: object, store: object, opened: OpenStory) -> None:
        asked.append(opened.story)

    monkeypatch.setattr(archive_ui, "announce_new_chapters", record)
    monkeypatch.setattr(reader_parts, "announce_new_chapters", record)
    app, coming, whole = _app(book, want=0)
    async with app.run_test(size=SIZE) as pilot:
        await _past_the_title_page(pilot, app)
        await pilot.pause()  # what was queued after those refreshes has run
        assert asked == []  # pages are up and turning, the check not asked
        coming.release.set()
        await wait_until(pilot, lambda: " of " in _status(app), "page N of M")
        await wait_until(pilot, lambda: bool(asked), "the check asked")
        assert asked == [whole]
        await settle(pilot)


async def test_the_whole_books_words_are_indexed_once_its_pages_are_counted(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not beside the count: the two passes over the whole book at once were the reader's
    peak of memory."""
    import nightstand.ui.reader as reader_module

    real_index = reader_module.ReadingIndex
    counted_then: list[int | None] = []

    def index(story: Story) -> object:
        screen = app.screen
        assert isinstance(screen, ReaderScreen) and screen.paginator is not None
        counted_then.append(screen.paginator.page_count())
        return real_index(story)

    monkeypatch.setattr(reader_module, "ReadingIndex", index)
    app, coming, _ = _app(book, want=0)
    async with app.run_test(size=SIZE) as pilot:
        await _past_the_title_page(pilot, app)
        assert counted_then == []  # the parts are not indexed
        coming.release.set()
        await wait_until(pilot, lambda: bool(counted_then), "the words indexed")
        assert counted_then[0] is not None  # the count was done when the index began
        await wait_until(pilot, lambda: "left" in _status(app), "the time left")
        await settle(pilot)
