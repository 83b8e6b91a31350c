"""Tests for the story model: the builder's offsets, chapters, and lookups by position."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pytest

from nightstand.story import BlockKind, Header, Span, Story, StoryBuilder, count_words

if TYPE_CHECKING:
    from pathlib import Path


def build(*steps: tuple[str, str]) -> Story:
    builder = StoryBuilder()
    for kind, text in steps:
        if kind == "p":
            builder.paragraph(text)
        elif kind == "s":
            builder.scene_break()
        elif kind == "h":
            builder.heading(text)
        elif kind == "e":
            builder.end_mark(text)
    return builder.build(title="T")


def test_blocks_are_offsets_into_one_text() -> None:
    story = build(("p", "One two."), ("s", ""), ("p", "Three."), ("e", "END"))
    assert story.text == "One two.\n\nThree.\nEND"
    assert [b.kind for b in story.blocks] == [
        BlockKind.PARAGRAPH,
        BlockKind.SCENE_BREAK,
        BlockKind.PARAGRAPH,
        BlockKind.END_MARK,
    ]
    assert [story.block_text(b) for b in story.blocks] == ["One two.", "", "Three.", "END"]
    assert [(b.start, b.end) for b in story.blocks] == [(0, 8), (9, 9), (10, 16), (17, 20)]


def test_empty_paragraphs_are_skipped() -> None:
    story = build(("p", ""), ("p", "Text."))
    assert story.text == "Text."
    assert len(story.blocks) == 1


def test_spans_and_indent_are_kept() -> None:
    builder = StoryBuilder()
    builder.paragraph("a bold move", (Span(2, 6, "strong"),), indent=2)
    story = builder.build(title="T")
    block = story.blocks[0]
    assert block.spans == (Span(2, 6, "strong"),)
    assert block.indent == 2
    assert story.block_text(block)[2:6] == "bold"


def test_scene_breaks_never_lead_repeat_or_trail() -> None:
    story = build(("s", ""), ("p", "A."), ("s", ""), ("s", ""), ("p", "B."), ("s", ""))
    assert [b.kind for b in story.blocks] == [
        BlockKind.PARAGRAPH,
        BlockKind.SCENE_BREAK,
        BlockKind.PARAGRAPH,
    ]
    assert story.text == "A.\n\nB."
    assert story.scene_breaks == 1


def test_a_heading_swallows_the_scene_break_before_it() -> None:
    story = build(("p", "A."), ("s", ""), ("h", "Chapter 2"), ("p", "B."))
    assert [b.kind for b in story.blocks] == [
        BlockKind.PARAGRAPH,
        BlockKind.HEADING,
        BlockKind.PARAGRAPH,
    ]
    assert story.text == "A.\nChapter 2\nB."
    chapter = story.chapters[0]
    assert (chapter.title, chapter.offset, chapter.block) == ("Chapter 2", 3, 1)


def test_an_end_mark_swallows_the_scene_break_before_it() -> None:
    story = build(("p", "A."), ("s", ""), ("e", "THE END"))
    assert story.text == "A.\nTHE END"
    assert story.has_end_mark
    assert story.scene_breaks == 0


def test_chapters_and_lookup_by_position() -> None:
    story = build(
        ("p", "Foreword."),
        ("h", "Chapter 1"),
        ("p", "First."),
        ("h", "Chapter 2"),
        ("p", "Second."),
    )
    assert [c.title for c in story.chapters] == ["Chapter 1", "Chapter 2"]
    assert story.chapter_index_at(0) == -1
    first, second = story.chapters
    assert story.chapter_index_at(first.offset) == 0
    assert story.chapter_index_at(second.offset - 1) == 0
    assert story.chapter_index_at(second.offset) == 1
    assert story.chapter_index_at(len(story.text)) == 1


def test_block_index_at_every_position() -> None:
    story = build(("p", "Ab."), ("s", ""), ("p", "Cd."), ("e", "END"))
    expected = []
    for i, block in enumerate(story.blocks):
        # A position belongs to its block, and the newline after it too.
        expected += [i] * (block.end - block.start + (1 if i < len(story.blocks) - 1 else 0))
    assert [story.block_index_at(p) for p in range(len(story.text))] == expected
    assert story.block_index_at(-5) == 0
    assert story.block_index_at(10**9) == len(story.blocks) - 1


def test_an_empty_story() -> None:
    story = StoryBuilder().build(title="Nothing")
    assert story.text == ""
    assert story.blocks == ()
    assert story.block_index_at(0) == 0
    assert story.chapter_index_at(0) == -1
    assert not story.has_end_mark
    assert story.words() == 0


def test_headers_and_spoiler_keys() -> None:
    headers = (
        Header("Title", "T", False, "title"),
        Header("Spoilers", "the end", True, "spoilers"),
        Header("Warnings", "sad", True, "warnings"),
    )
    story = StoryBuilder().build(title="T", author="A", headers=headers, encoding="cp1252")
    assert story.spoiler_keys == ("Spoilers", "Warnings")
    assert story.header("spoilers") == headers[1]
    assert story.header("rating") is None
    assert (story.author, story.encoding, story.format) == ("A", "cp1252", "text")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", 0),
        ("one two three", 3),
        ("well-known . . . fact", 2),
        ("She said - no - twice.", 4),
        ("1979 was a year", 4),
        ("“Quoted,” she said…", 3),
        ("one\u00a0.\u00a0.\u00a0. two", 2),
    ],
)
def test_count_words(text: str, words: int) -> None:
    assert count_words(text) == words


def test_story_values_are_frozen() -> None:
    story = build(("p", "A."))
    with pytest.raises(dataclasses.FrozenInstanceError):
        story.title = "Other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        story.blocks[0].start = 3  # type: ignore[misc]


def test_a_build_under_a_stop_that_is_set_raises(tmp_path: Path) -> None:
    """``stoppable``: the builder checks at each join of its text (every 256 parts inside
    the spool, 4,096 outside) and raises once the stop is set; unset, the same story."""
    from nightstand.formats import load
    from nightstand.story import LoadStopped, spooled_text, stoppable

    book = tmp_path / "long.txt"
    book.write_text("Title: T\n\n" + "A paragraph of words.\n\n" * 5000, encoding="utf-8")
    whole = load(book)
    with stoppable(lambda: False):
        assert load(book) == whole
    pieces: list[str] = []
    with pytest.raises(LoadStopped), stoppable(lambda: True), spooled_text(pieces.append):
        load(book)
    assert pieces == []  # stopped at the first join, before any text was handed on
