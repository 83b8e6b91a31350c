"""Hypothesis strategies for a story's blocks, shared by the tests of their packings."""

from __future__ import annotations

from hypothesis import strategies as st

from nightstand.story import Block, BlockKind, Span


def blocks(*, span_end: int, spans: int, most: int) -> st.SearchStrategy[tuple[Block, ...]]:
    """Up to ``most`` blocks of any kind, each with up to ``spans`` spans ending by ``span_end``."""
    some_spans = st.lists(
        st.builds(
            Span,
            st.integers(0, span_end),
            st.integers(0, span_end),
            st.sampled_from(["emphasis", "strong"]),
        ),
        max_size=spans,
    ).map(tuple)
    block = st.builds(
        Block,
        st.sampled_from(list(BlockKind)),
        st.integers(0, 2**40),
        st.integers(0, 2**40),
        some_spans,
        st.integers(0, 40),
    )
    return st.lists(block, max_size=most).map(tuple)
