"""A big book's text kept in a file reads as the string it was written from."""

from __future__ import annotations

import itertools
import os
import tempfile
from array import array

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nightstand.filetext as filetext
from filetext_helpers import file_text, in_a_file
from nightstand.filetext import FileText, PieceWriter, windows
from nightstand.layout import Paginator, sections
from test_layout_properties import all_pages, layouts, stories

# Few characters a piece, so that short texts have many pieces and slices cross them.
CHARS = st.text(st.sampled_from("ab \n\u00a0\u201c\u201d\u0915\u094d\U0001f600"), max_size=120)
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(autouse=True)
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(filetext, "PIECE_CHARS", 5)
    monkeypatch.setattr(filetext, "KEPT_PIECES", 2)
    monkeypatch.setattr(filetext, "WINDOW_CHARS", 11)


@SETTINGS
@given(CHARS, st.lists(st.integers(1, 13), min_size=1, max_size=4), st.data())
def test_slices_and_characters_are_the_strings(
    text: str, pieces_of: list[int], data: st.DataObject
) -> None:
    got = file_text(text, pieces_of=pieces_of)
    assert len(got) == len(text)
    assert bool(got) == bool(text)
    assert got == text
    assert got[:] == text
    n = len(text)
    for _ in range(12):
        a = data.draw(st.integers(-n - 3, n + 3))
        b = data.draw(st.integers(-n - 3, n + 3))
        assert got[a:b] == text[a:b]
        if -n <= a < n:
            assert got[a] == text[a]
    with pytest.raises(IndexError):
        got[n]
    with pytest.raises(ValueError, match="step"):
        got[::2]


@SETTINGS
@given(CHARS, st.data())
def test_find_rfind_and_startswith_answer_as_str_does(text: str, data: st.DataObject) -> None:
    got = file_text(text)
    n = len(text)
    for _ in range(10):
        a, b = data.draw(st.integers(0, n)), data.draw(st.integers(0, n))
        sub = text[a:b] if data.draw(st.booleans()) else data.draw(CHARS.map(lambda s: s[:4]))
        start = data.draw(st.none() | st.integers(-n - 2, n + 2))
        end = data.draw(st.none() | st.integers(-n - 2, n + 2))
        assert got.find(sub, start, end) == text.find(sub, start, end), (sub, start, end)
        assert got.rfind(sub, start, end) == text.rfind(sub, start, end), (sub, start, end)
        at = data.draw(st.integers(0, n + 2))
        assert got.startswith(sub, at) == text.startswith(sub, at)


def test_every_piece_of_a_text_is_found_where_it_stands() -> None:
    """Each substring of a text with no repeats, across pieces and search windows."""
    text = "abcdefghijklmnopqrstuvwxyz0123456789"
    got = file_text(text)
    for a in range(len(text)):
        for b in range(a + 1, len(text) + 1):
            sub = text[a:b]
            assert (got.find(sub), got.rfind(sub)) == (a, a), sub
            assert got.find(sub, a + 1) == -1
            assert got.rfind(sub, 0, b - 1) == -1
            assert got.startswith(sub, a)


@SETTINGS
@given(CHARS, st.integers(1, 20), st.integers(0, 6), st.integers(0, 6), st.data())
def test_windows_cover_the_text_cut_after_newlines(
    text: str, size: int, overlap: int, lead: int, data: st.DataObject
) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    # How far past a stretch a FileText is read at once for its newline: a newline found
    # in that read, or further on, the same stretches.
    slack = data.draw(st.integers(0, 8))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(filetext, "_SLACK", slack)
        for source in (text, file_text(text)):
            stretches = list(windows(source, start, end, size, overlap, lead))
            assert (
                "".join(s[min(at, lead) :][: cut - at] for at, cut, s in stretches)
                == (text[start:end])
            )
            at_expected = start
            for at, cut, stretch in stretches:
                assert at == at_expected
                assert stretch == text[at - min(at, lead) : min(cut + overlap, end)]
                if cut < end:
                    assert text[cut - 1] == "\n"
                    assert cut - at > size  # cut at the first newline after `size` characters
                at_expected = cut


def test_a_newline_beyond_the_read_ahead_gives_the_same_stretch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The newline that ends a stretch falls in the overlap read with it (or past it): the
    stretch still runs ``overlap`` characters past the cut."""
    monkeypatch.setattr(filetext, "_SLACK", 0)
    text = "ab\ncdefgh\nijklmnop\nqr"
    for size, overlap in ((1, 3), (2, 4), (1, 8)):
        want = list(windows(text, size=size, overlap=overlap))
        assert list(windows(file_text(text), size=size, overlap=overlap)) == want
        assert want[0] == (0, 3, text[: 3 + overlap])


def test_a_file_that_does_not_hold_the_text_is_refused() -> None:
    with tempfile.TemporaryFile() as out:
        writer = PieceWriter(out)
        writer("abcdefghijkl")
        writer.finish()
        out.flush()
        fd = out.fileno()
        assert writer.offsets == array("q", [0, 5, 10, 12])  # pieces of 5 characters
        with pytest.raises(ValueError, match="pieces"):
            FileText(fd, writer.chars + 5, writer.offsets)
        with pytest.raises(ValueError, match="pieces"):
            FileText(fd, writer.chars, array("q", [0, 5, 5, 9]))
        out.truncate(writer.size - 1)
        with pytest.raises(ValueError, match="not all"):
            FileText(fd, writer.chars, writer.offsets)
        # Cut short after it was opened: reading says so, as an OSError.
        text = FileText(os.dup(fd), writer.chars, array("q", [0, 5, 10, 11]))
        out.truncate(3)
        with pytest.raises(OSError, match="cut short"):
            text[0:3]


def test_the_file_is_closed_with_the_text() -> None:
    text = file_text("some words")
    fd = text._fd
    os.fstat(fd)
    del text
    with pytest.raises(OSError):
        os.fstat(fd)


def test_a_closed_text_reads_nothing_more() -> None:
    text = file_text("0123456789" * 10)
    assert "789012" in text
    assert "x" not in text
    text.close()
    with pytest.raises(OSError, match="closed"):
        text[40:60]


def test_only_a_few_pieces_are_kept() -> None:
    text = file_text("0123456789" * 10)
    for i in range(0, 100, 3):
        assert text[i] == str(i % 10)
    assert len(text._cache) == filetext.KEPT_PIECES


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stories(), layouts, st.integers(20, 90), st.integers(5, 30), st.sampled_from([300, 60]))
def test_a_story_kept_in_a_file_is_typeset_as_the_string(
    story: object, layout: object, width: int, height: int, section: int
) -> None:
    """The same pages, line for line and segment for segment, page numbers included."""
    from unittest import mock

    from nightstand.layout import LayoutSettings
    from nightstand.story import Story

    assert isinstance(story, Story) and isinstance(layout, LayoutSettings)
    with mock.patch.object(sections, "SECTION_CHARS", section):
        kept = in_a_file(story)
        assert isinstance(kept.text, FileText)
        want = Paginator(story, width, height, layout)
        got = Paginator(kept, width, height, layout)
        assert all_pages(got) == all_pages(want)
        assert got.count_pages() == want.count_pages()


def test_threads_reading_at_once_read_the_right_text() -> None:
    """The reader's workers (page count, word index, search) read the text beside the UI."""
    import random
    import sys
    import threading

    text = "".join(chr(0x41 + i % 26) for i in range(5000))
    got = file_text(text)
    errors: list[BaseException] = []

    def read(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(3000):
                a = rng.randrange(len(text))
                b = a + rng.randrange(12)
                assert got[a:b] == text[a:b]
        except BaseException as exc:  # handed to the test's thread
            errors.append(exc)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=read, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stories(), st.data())
def test_a_story_kept_in_a_file_counts_its_words_as_the_string(
    story: object, data: st.DataObject
) -> None:
    """The word index (read a stretch at a time, the stretches ending between blocks),
    Story.words, and the progress figures at any place."""
    from nightstand.progress import ReadingIndex
    from nightstand.story import Story, count_words

    assert isinstance(story, Story)
    kept = in_a_file(story)
    assert kept.words() == story.words()
    want, got = ReadingIndex(story), ReadingIndex(kept)
    each = [count_words(story.text[b.start : b.end]) for b in story.blocks]
    assert list(got._words_before) == [0, *itertools.accumulate(each)]
    assert list(got._words_before) == list(want._words_before)
    for _ in range(5):
        at = data.draw(st.integers(0, len(story.text)))
        assert got.progress(at) == want.progress(at)
