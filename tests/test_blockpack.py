"""Blocks packed as columns for the preload child come back as the same blocks."""

from __future__ import annotations

import marshal

import pytest
from hypothesis import given

from block_strategies import blocks
from nightstand.blockpack import decode_blocks, encode_blocks
from nightstand.story import Block, BlockKind

_blocks = blocks(span_end=10**6, spans=3, most=50)


@given(_blocks)
def test_blocks_survive_packing_through_marshal(blocks: tuple[Block, ...]) -> None:
    again = decode_blocks(marshal.loads(marshal.dumps(encode_blocks(blocks))))
    assert again == blocks
    assert all(type(b.start) is int and type(b.indent) is int for b in again)


def test_columns_that_disagree_are_refused() -> None:
    blocks = (Block(BlockKind.PARAGRAPH, 0, 5), Block(BlockKind.HEADING, 6, 9, (), 2))
    columns = encode_blocks(blocks)
    short = [columns[0][:1], *columns[1:]]
    with pytest.raises(ValueError, match="length"):
        decode_blocks(short)
    unknown = [bytes([0, 99]), *columns[1:]]
    with pytest.raises(ValueError, match="unknown kind"):
        decode_blocks(unknown)
