"""Reading a book in parts (formats/parts.py): a part read alone is the whole book's part.

The reader shows a big EPUB from its opening and the part holding the place before the
whole book is in, and swaps the whole book in at ``part start + offset inside``; that is
only right if every part read alone has the same text, blocks and pages as in the whole.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nightstand import preload as preload_module
from nightstand.formats import load
from nightstand.formats import parts as parts_module
from nightstand.formats.epub import read_epub
from nightstand.formats.parts import Partial, read_partial
from nightstand.layout import LayoutSettings, Paginator
from nightstand.preload import Preload
from nightstand.state import PartialPlace, StateStore
from parts_helpers import assert_parts_match, part_range, write_split_epub
from preload_helpers import loads_in_the_parent
from sync_helpers import write_epub

if TYPE_CHECKING:
    from nightstand.story import Story

MAHABHARATA = Path(__file__).parent.parent.parent / "shared/corpus/epub3-samples/mahabharata.epub"


def test_every_part_read_alone_is_the_whole_books_part(tmp_path: Path) -> None:
    book = write_epub(tmp_path / "book.epub", chapters=40)
    data = book.read_bytes()
    whole, numbers_all, total = read_epub(data, name="book")
    assert numbers_all == tuple(range(total)) and len(whole.parts) == total == 40
    assert whole == load(book)
    pieces: list[str] = []
    for want in range(total):
        partial, numbers, _ = read_epub(data, name="book", want=want)
        assert want in numbers and len(numbers) < total
        assert_parts_match(partial, numbers, whole)
        assert partial.title == whole.title and partial.text[:1024] == whole.text[:1024]
        start, end = part_range(partial, numbers, want)
        pieces.append(partial.text[start:end])
    # The parts, each read alone, put together are the whole book's text.
    glued = "".join(
        p if p.endswith("\n") or i == total - 1 else p + "\n" for i, p in enumerate(pieces)
    )
    assert glued.replace("\n\n", "\n").strip("\n") == whole.text.replace("\n\n", "\n").strip("\n")


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(chapters=st.integers(2, 30), seed=st.integers(0, 10_000), data=st.data())
def test_any_part_of_any_book_matches(
    tmp_path: Path, chapters: int, seed: int, data: st.DataObject
) -> None:
    if seed % 2:
        book = write_epub(tmp_path / f"b{seed}.epub", chapters=chapters, seed=seed)
    else:
        book = write_split_epub(tmp_path / f"b{seed}.epub", files=chapters, seed=seed)
    raw = book.read_bytes()
    whole, _, total = read_epub(raw, name="b")
    want = data.draw(st.integers(0, total - 1))
    partial, numbers, _ = read_epub(raw, name="b", want=want)
    assert_parts_match(partial, numbers, whole)
    half = Partial(partial, numbers, total)
    start, end = part_range(partial, numbers, want)
    for offset in range(start, end, max((end - start) // 7, 1)):
        assert half.to_whole(whole, offset) == whole.parts[want] + offset - start


def test_a_parts_pages_are_the_whole_books_pages(tmp_path: Path) -> None:
    """Each part starts a section, so its pages are the same read alone or in the whole."""
    raw = write_split_epub(tmp_path / "book.epub", files=30).read_bytes()
    whole, _, total = read_epub(raw, name="book")
    layout = LayoutSettings()
    for want in (0, 7, 13, total - 1):
        partial, numbers, _ = read_epub(raw, name="book", want=want)
        start, end = part_range(partial, numbers, want)
        shift = whole.parts[want] - start
        for width, height in ((40, 12), (90, 30)):
            small = Paginator(partial, width, height, layout)
            big = Paginator(whole, width, height, layout)
            page = small.page_at(start)
            while page is not None and page.start < end - 1:
                assert big.page_at(page.start + shift).start == page.start + shift
                page = small.next(page)


def test_small_books_and_other_formats_are_read_whole(tmp_path: Path) -> None:
    book = write_epub(tmp_path / "book.epub", chapters=30)
    assert read_partial(book, 3) is None  # under a MiB
    text = tmp_path / "story.txt"
    text.write_text("Title: T\n\n" + "Words go on. " * 100_000)
    assert read_partial(text, 0) is None


def test_the_loader_child_sends_the_part_and_the_reader_reads_the_whole_book(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = write_epub(tmp_path / "book.epub", chapters=30)
    monkeypatch.setattr(parts_module, "MIN_BYTES", 1)  # the child is forked: it sees this
    loaded_here = loads_in_the_parent(monkeypatch)
    read_here: list[tuple[Path, bool]] = []
    real_load_kept = preload_module.load_kept

    def spy(path: Path, typography: str = "smart", spool: Path | None = None) -> Story:
        read_here.append((path, threading.current_thread().daemon))
        return real_load_kept(path, typography, spool)

    monkeypatch.setattr(preload_module, "load_kept", spy)
    preload = Preload(book, part=20, spool=tmp_path / "cache")  # as the reader opens it
    first = preload.result()
    assert preload.partial is not None and 20 in preload.partial.numbers
    assert first == preload.partial.story and len(first.text) < len(load(book).text)
    # The child ends once its part is sent: it wrote none of the book to the spool.
    os.waitpid(preload._pid, 0)
    assert preload._spool is not None and os.fstat(preload._spool.fileno()).st_size == 0
    assert preload.rest() == load(book)
    # Read in this process, on a daemon thread (the program's end does not wait for it).
    assert read_here == [(book, True)] and loaded_here == []
    # A place the book does not have (it changed): read whole at once, by the child.
    preload = Preload(book, part=999)
    assert preload.result() == load(book) and preload.partial is None
    assert loaded_here == []


def _rest_in_a_thread(preload: Preload) -> tuple[threading.Thread, list[str]]:
    """``preload.rest()`` on a thread of its own, started; the errors it raises, as said."""
    from nightstand.errors import StoryError

    errors: list[str] = []

    def wait() -> None:
        try:
            preload.rest()
        except StoryError as exc:
            errors.append(str(exc))

    waiter = threading.Thread(target=wait)
    waiter.start()
    return waiter, errors


def test_cancel_wakes_a_reader_waiting_for_the_whole_book(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Leaving while the whole book is read: the wait ends at once, the read is dropped."""

    book = write_epub(tmp_path / "book.epub", chapters=30)
    monkeypatch.setattr(parts_module, "MIN_BYTES", 1)
    reading, release = threading.Event(), threading.Event()

    def slow(path: Path, typography: str = "smart", spool: Path | None = None) -> Story:
        reading.set()
        release.wait()
        return load(path)

    monkeypatch.setattr(preload_module, "load_kept", slow)
    preload = Preload(book, part=5)
    preload.result()
    waiter, errors = _rest_in_a_thread(preload)
    reading.wait()
    preload.cancel()
    waiter.join(60)  # while the book is still being read
    assert not waiter.is_alive()
    release.set()
    assert len(errors) == 1 and "reading was stopped" in errors[0]


def test_a_cancelled_rest_stops_building_the_book(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader closed the book while its rest was read: the read stops, it is not
    carried on to the end beside whatever the reader opens next."""
    from nightstand.errors import StoryError
    from nightstand.story import LoadStopped

    book = write_epub(tmp_path / "book.epub", chapters=120)
    assert len(load(book).blocks) > 600  # a join point (every 256 parts) to stop at
    monkeypatch.setattr(parts_module, "MIN_BYTES", 1)
    reading, gone = threading.Event(), threading.Event()
    ended: list[str] = []
    real_load_kept = preload_module.load_kept

    def read_once_gone(path: Path, typography: str = "smart", spool: Path | None = None) -> Story:
        reading.set()
        gone.wait()
        try:
            story = real_load_kept(path, typography, spool)
        except LoadStopped:
            ended.append("stopped")
            raise
        ended.append("read to the end")
        return story

    monkeypatch.setattr(preload_module, "load_kept", read_once_gone)
    preload = Preload(book, part=5, spool=tmp_path / "cache")
    preload.result()
    waiter, errors = _rest_in_a_thread(preload)
    reading.wait()
    (book_thread,) = [t for t in threading.enumerate() if t.name == "nightstand-book"]
    preload.cancel()
    gone.set()
    book_thread.join(60)
    waiter.join(60)
    assert not book_thread.is_alive() and not waiter.is_alive()
    assert ended == ["stopped"] and "reading was stopped" in errors[0]
    with pytest.raises(StoryError, match="not read"):
        preload.rest()  # once only


def test_a_broken_book_after_the_first_part_is_one_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chapter past the part shown is locked (DRM): the whole book is one clean error."""
    import zipfile

    from nightstand.errors import StoryError

    book = write_epub(tmp_path / "book.epub", chapters=30)
    with zipfile.ZipFile(book, "a") as z:
        z.writestr(
            "META-INF/encryption.xml",
            '<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
            'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
            '<enc:CipherData><enc:CipherReference URI="OEBPS/ch20.xhtml"/></enc:CipherData>'
            "</enc:EncryptedData></encryption>",
        )
    monkeypatch.setattr(parts_module, "MIN_BYTES", 1)
    preload = Preload(book, part=5)
    preload.result()
    assert preload.partial is not None
    with pytest.raises(StoryError, match="encrypted"):
        preload.rest()


def test_a_place_saved_from_a_part_resumes_in_the_whole_book(tmp_path: Path) -> None:
    raw = write_epub(tmp_path / "book.epub", chapters=30).read_bytes()
    whole, _, _total = read_epub(raw, name="book")
    partial, numbers, _ = read_epub(raw, name="book", want=22)
    start, _ = part_range(partial, numbers, 22)
    offset = start + 40
    with StateStore.open(tmp_path / "state") as store:
        key = store.story_key(partial, tmp_path / "book.epub")
        store.save_position(
            key, tmp_path / "book.epub", partial, offset, 77.0, PartialPlace((22, 40), 0)
        )
        saved = store.position(key)
        assert saved is not None and saved.part == (22, 40)
        # A reader that has the whole book (cat, info, the library) finds it by its quote.
        assert store.resolve(whole, saved) == whole.parts[22] + 40
        # Saved from the whole book, the part is recorded too.
        store.save_position(key, tmp_path / "book.epub", whole, whole.parts[9] + 5)
        again = store.position(key)
        assert again is not None and again.part == (9, 5) and again.words == whole.words()
    row = sqlite3.connect(tmp_path / "state" / "state.db").execute("PRAGMA user_version")
    assert row.fetchone()[0] == 4


@pytest.mark.skipif(not MAHABHARATA.exists(), reason="../shared/corpus is not here")
def test_mahabharata_in_parts() -> None:
    whole = load(MAHABHARATA)
    assert len(whole.parts) > 2000
    for want in (0, 1800):
        partial = read_partial(MAHABHARATA, want)
        assert partial is not None and want in partial.numbers
        assert len(partial.story.text) < len(whole.text) // 100
        assert_parts_match(partial.story, partial.numbers, whole)
        assert (partial.story.title, partial.story.author) == (whole.title, whole.author)
        assert partial.story.text[:1024] == whole.text[:1024]


def test_opening_asks_the_loader_for_the_saved_part(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nightstand.opening import plan_opening
    from nightstand.sync.account import Account, save_account

    monkeypatch.setenv("NIGHTSTAND_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("NIGHTSTAND_CONFIG_DIR", str(tmp_path / "config"))
    book = write_split_epub(tmp_path / "book.epub", files=20)
    whole = load(book)

    def asked() -> int | None:
        opening = plan_opening(book)
        assert opening.preload is not None
        part = opening.preload._part
        opening.preload.cancel()
        opening.store.close()
        return part

    assert asked() == 0  # never read: the opening
    with StateStore.open() as store:
        store.save_position(store.story_key(whole, book), book, whole, whole.parts[13] + 9)
    assert asked() == 13
    # With sync logged in the book is read whole first (its places link over all of it).
    save_account(Account("http://127.0.0.1:9", "reader", "k" * 32, "here", "d" * 32))
    assert asked() is None
