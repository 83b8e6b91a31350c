"""A story's blocks packed as columns, for :mod:`nightstand.preload`'s trip between processes.

A big book has a block per line or paragraph (the Mahabharata: 160,000). Packed one record
a block, they cost a list and five objects each on both sides of the pipe, and the
parent spent about half a second and tens of MiB rebuilding them. Packed as columns
(kinds as bytes, offsets and indents as machine integers, spans only for the blocks that
have some) they are a few flat buffers, which :class:`~nightstand.story.Blocks` keeps as
they are.
"""

from __future__ import annotations

from array import array
from typing import TYPE_CHECKING, Any

from nightstand.story import Blocks, Span

if TYPE_CHECKING:
    from collections.abc import Sequence

    from nightstand.story import Block


def encode_blocks(blocks: Sequence[Block]) -> list[Any]:
    """The blocks as marshal-able columns: kinds, starts, ends, indents, spans by index."""
    kinds, starts, ends, indents, spans = Blocks.of(blocks).columns()
    return [
        kinds,
        starts.tobytes(),
        ends.tobytes(),
        indents.tobytes(),
        [(i, [(s.start, s.end, s.style) for s in row]) for i, row in spans.items()],
    ]


def decode_blocks(columns: list[Any]) -> Blocks:
    """The blocks :func:`encode_blocks` packed; ValueError when the columns do not agree."""
    codes, start_bytes, end_bytes, indent_bytes, span_rows = columns
    starts, ends, indents = array("q"), array("q"), array("q")
    starts.frombytes(start_bytes)
    ends.frombytes(end_bytes)
    indents.frombytes(indent_bytes)
    spans = {
        int(i): tuple(Span(start, end, style) for start, end, style in rows)
        for i, rows in span_rows
    }
    return Blocks(bytes(codes), starts, ends, indents, spans)
