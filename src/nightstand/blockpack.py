"""A story's blocks packed as columns, for :mod:`nightstand.preload`'s trip between processes.

A big book has a block per line or paragraph (the Mahabharata: 160,000). Packed one record
a block, they cost a list and five objects each on both sides of the pipe, and the
parent spent about half a second and tens of MiB rebuilding them. Packed as columns
(kinds as bytes, offsets and indents as machine integers, spans only for the blocks that
have some) they are a few flat buffers, and the parent builds each block straight from
them.
"""

from __future__ import annotations

from array import array
from operator import attrgetter
from typing import Any

from nightstand.story import Block, BlockKind, Span

_KINDS = tuple(BlockKind)
_CODE = {kind: i for i, kind in enumerate(_KINDS)}
_START, _END, _INDENT, _KIND = (attrgetter(n) for n in ("start", "end", "indent", "kind"))


def encode_blocks(blocks: tuple[Block, ...]) -> list[Any]:
    """The blocks as marshal-able columns: kinds, starts, ends, indents, spans by index."""
    spans = [
        (i, [(s.start, s.end, s.style) for s in block.spans])
        for i, block in enumerate(blocks)
        if block.spans
    ]
    return [
        bytes(map(_CODE.__getitem__, map(_KIND, blocks))),
        array("q", map(_START, blocks)).tobytes(),
        array("q", map(_END, blocks)).tobytes(),
        array("q", map(_INDENT, blocks)).tobytes(),
        spans,
    ]


def decode_blocks(columns: list[Any]) -> tuple[Block, ...]:
    """The blocks :func:`encode_blocks` packed; ValueError when the columns do not agree."""
    codes, start_bytes, end_bytes, indent_bytes, span_rows = columns
    starts, ends, indents = array("q"), array("q"), array("q")
    starts.frombytes(start_bytes)
    ends.frombytes(end_bytes)
    indents.frombytes(indent_bytes)
    count = len(codes)
    if not len(starts) == len(ends) == len(indents) == count:
        raise ValueError("the packed blocks' columns differ in length")
    spans: list[tuple[Span, ...]] = [()] * count
    for i, rows in span_rows:
        spans[i] = tuple(Span(start, end, style) for start, end, style in rows)
    try:
        kinds = [_KINDS[code] for code in codes]
    except IndexError:
        raise ValueError("a packed block has an unknown kind") from None
    return tuple(map(Block, kinds, starts, ends, spans, indents))
