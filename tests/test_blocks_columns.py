"""Blocks kept as columns read like the tuple of blocks they hold; part marks stream in order."""

from __future__ import annotations

from array import array

import pytest
from hypothesis import given
from hypothesis import strategies as st

from block_strategies import blocks
from nightstand.formats.body import Body
from nightstand.story import Block, BlockKind, Blocks, Story

_blocks = blocks(span_end=50, spans=2, most=30)


@given(_blocks, st.integers(-40, 40))
def test_columns_read_as_the_tuple(blocks: tuple[Block, ...], i: int) -> None:
    columns = Blocks.of(blocks)
    assert len(columns) == len(blocks)
    assert list(columns) == list(blocks)
    assert columns == blocks and blocks == columns
    assert columns[i // 2 : i] == blocks[i // 2 : i]
    if -len(blocks) <= i < len(blocks):
        assert columns[i] == blocks[i]
    else:
        with pytest.raises(IndexError):
            columns[i]
    again = Blocks.of(list(blocks))
    assert again == columns and hash(again) == hash(columns)


def test_a_story_keeps_any_blocks_given_as_columns() -> None:
    blocks = (Block(BlockKind.PARAGRAPH, 0, 3), Block(BlockKind.END_MARK, 4, 7))
    story = Story("t", None, (), blocks, (), "abc\nEND")  # type: ignore[arg-type]
    assert isinstance(story.blocks, Blocks)
    assert story.blocks == blocks and story.has_end_mark
    assert story.block_index_at(5) == 1


def test_columns_that_disagree_are_refused() -> None:
    one = array("q", [0])
    with pytest.raises(ValueError, match="length"):
        Blocks(b"\x00\x00", one, one, one, {})
    with pytest.raises(ValueError, match="unknown kind"):
        Blocks(b"\x63", one, one, one, {})
    with pytest.raises(ValueError, match="not there"):
        Blocks(b"\x00", one, one, one, {3: ()})


def test_part_marks_land_between_the_right_blocks_whatever_waits_in_the_tail() -> None:
    body = Body()
    body.part()
    body.heading("One")
    body.paragraph("first")
    body.part()  # lands while "first" waits as the possible end mark
    body.paragraph("a note", note=True)
    body.paragraph("second")
    body.part()
    body.part()  # an empty part shares the next one's start
    body.paragraph("END")
    body.part()  # a part after the last block begins where the text ends
    story = body.story(
        title="t", author=None, headers=(), format="epub", encoding="utf-8", warnings=()
    )
    text = story.text
    assert story.has_end_mark
    assert story.parts == (
        0,
        text.index("a note"),
        text.index("END"),
        text.index("END"),
        len(text),
    )
    assert body.chars == len("One" + "first" + "a note" + "second" + "END")
