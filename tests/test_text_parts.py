"""Plain text read in parts: its chapters, found by a scan, each read alone as in the whole.

A long plain-text story is shown from its opening and the chapter holding the place
before the whole file is parsed (see formats/parts.py); the swap to the whole book maps
the place by ``part start + offset inside``, which is right only if every part read
alone has the whole story's text and blocks there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, BinaryIO
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nightstand.preload as preload_module
from nightstand.errors import StoryError
from nightstand.formats import load, plaintext
from nightstand.formats import parts as parts_module
from nightstand.formats.parts import Partial, read_partial
from nightstand.formats.plaintext import parse_plaintext, read_plaintext_parts, scan_body
from nightstand.preload import Preload
from parts_helpers import assert_parts_match, part_range
from preload_helpers import loads_in_the_parent
from storymaker import story_text

if TYPE_CHECKING:
    from pathlib import Path

    from nightstand.filetext import BookText

_PROSE = [
    "The lamps were lit along the quay.",
    "She said: no, not yet",
    "Chapter and verse, he thought, and laughed.",
    "   An indented line opens a paragraph.",
    "oOo but not a separator",
    "-Emphasis- and . . . a pause",
    "x" * 130,
]
_HEADINGS = ["Chapter 1", "Chapter Two: The Road", "Part III", "Prologue", "  Epilogue  "]
_SEPARATORS = ["= = = =", "* * *", "oOo", "xXx", "~*~*~", "#"]


@st.composite
def line_soups(draw: st.DrawFn) -> str:
    """Headings, separators, prose and blank lines in any order: a heading right after a
    prose line (no blank between) is prose, and the scan must agree with the loader."""
    head: list[str] = []
    if draw(st.booleans()):
        head = ["Title: Soup", "Author: A. Cook", ""]
        if draw(st.booleans()):
            head += ["= = = =", ""]
    pool = st.sampled_from(_PROSE) | st.sampled_from(_HEADINGS) | st.sampled_from(_SEPARATORS)
    body = draw(st.lists(pool | st.just(""), min_size=1, max_size=60))
    tail = [draw(st.sampled_from(["", "END", "THE END"]))]
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return newline.join([*head, *body, *tail])


@settings(max_examples=300, deadline=None)
@given(text=line_soups(), prefix=st.integers(0, 300), data=st.data())
def test_every_part_read_alone_is_the_whole_storys_part(
    text: str, prefix: int, data: st.DataObject
) -> None:
    whole = parse_plaintext(text, name="soup")
    assert len(whole.parts) == len(whole.chapters) + 1  # the opening, then each chapter
    assert [c.offset for c in whole.chapters] == [p for p in whole.parts[1:]]
    want = data.draw(st.integers(0, len(whole.parts) - 1))
    with mock.patch.object(plaintext, "PREFIX_CHARS", prefix):
        story, numbers, total = read_plaintext_parts(text, name="soup", want=want)
    assert total == len(whole.parts)
    assert want in numbers and numbers[0] == 0 and list(numbers) == sorted(set(numbers))
    assert_parts_match(story, numbers, whole)
    assert (story.title, story.author, story.headers) == (whole.title, whole.author, whole.headers)
    # A place anywhere in the part asked for maps to the same text in the whole story.
    half = Partial(story, numbers, total)
    start, end = part_range(story, numbers, want)
    for offset in range(start, end, max((end - start) // 5, 1)):
        assert half.to_whole(whole, offset) == whole.parts[want] + offset - start


@settings(max_examples=200, deadline=None)
@given(text=line_soups())
def test_the_scan_finds_the_loaders_headings(text: str) -> None:
    lines = text.replace("\r\n", "\n").split("\n")
    head = plaintext.read_head(lines)
    end = plaintext.find_end(lines, head.body_start)
    headings, _ = scan_body(lines, head.body_start, end if end is not None else len(lines))
    titles = [" ".join(lines[i].split()) for i in headings]
    assert titles == [c.title for c in parse_plaintext(text, name="soup").chapters]


def _long_story(tmp_path: Path, chapters: int = 60) -> Path:
    book = tmp_path / "long.txt"
    book.write_text(story_text(chapters=chapters, paragraphs=40), encoding="utf-8")
    return book


def test_a_long_story_is_read_from_its_opening_and_the_chapter_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = _long_story(tmp_path)
    monkeypatch.setattr(parts_module, "MIN_BYTES", 1)
    whole = load(book)
    assert len(whole.parts) == 61
    partial = read_partial(book, 45)
    assert partial is not None and partial.total == 61
    assert partial.numbers == (0, 1, 45)  # the opening runs into chapter 1, then 45
    assert_parts_match(partial.story, partial.numbers, whole)
    assert partial.story.text[:2000] == whole.text[:2000]
    assert len(partial.story.text) < len(whole.text) // 10
    # The last chapter brings the END mark with it.
    last = read_partial(book, 60)
    assert last is not None and last.story.blocks[-1].kind == whole.blocks[-1].kind
    assert last.story.text.endswith(whole.text[-200:])
    # Smart typography is the loader's: the same characters either way.
    plain = read_partial(book, 45, typography="as-written")
    assert plain is not None
    assert_parts_match(plain.story, plain.numbers, load(book, typography="as-written"))


def test_the_loader_child_sends_a_chapter_then_the_whole_story(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = _long_story(tmp_path)
    monkeypatch.setattr(parts_module, "MIN_BYTES", 1)  # the child is forked: it sees this
    loaded_here = loads_in_the_parent(monkeypatch)
    preload = Preload(book, part=30, spool=tmp_path / "cache")  # as the reader opens it
    first = preload.result()
    assert preload.partial is not None and preload.partial.numbers == (0, 1, 30)
    assert first == preload.partial.story
    assert preload.rest() == load(book)
    assert loaded_here == []  # both came from the child


def test_a_cancel_while_the_whole_book_is_read_back_stops_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child is gone and the reader is reading the spool when the reader leaves."""
    book = _long_story(tmp_path)
    monkeypatch.setattr(parts_module, "MIN_BYTES", 1)
    preload = Preload(book, part=30, spool=tmp_path / "cache")
    preload.result()
    spooled_text = preload_module._spooled_text

    def cancelled_meanwhile(spool: BinaryIO, chars: int, offsets: bytes) -> BookText:
        preload.cancel()
        return spooled_text(spool, chars, offsets)

    monkeypatch.setattr(preload_module, "_spooled_text", cancelled_meanwhile)
    with pytest.raises(StoryError, match="stopped"):
        preload.rest()


def test_chapterless_and_small_stories_are_read_whole(tmp_path: Path) -> None:
    small = _long_story(tmp_path, chapters=3)
    assert read_partial(small, 2) is None  # under a MiB: it takes no time anyway
    flat = tmp_path / "flat.txt"
    flat.write_text("Title: Flat\n\n" + "Words go on and on.\n\n" * 80_000, encoding="utf-8")
    assert flat.stat().st_size > parts_module.MIN_BYTES
    assert read_partial(flat, 0) is None  # one part: nothing to gain
