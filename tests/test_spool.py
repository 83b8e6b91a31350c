"""A builder inside ``spooled_text`` hands its text out as it goes, and nothing else changes."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nightstand.story as story_module
from nightstand.story import StoryBuilder, spooled_text

if TYPE_CHECKING:
    from nightstand.story import Story

# One call on the builder: which, and its text (heading title, paragraph, end mark).
_CALLS = st.lists(
    st.tuples(
        st.sampled_from(["paragraph", "scene_break", "heading", "end_mark", "part"]),
        st.text(st.characters(blacklist_characters="\n"), max_size=6),
    ),
    max_size=60,
)


def _build(calls: list[tuple[str, str]]) -> Story:
    builder = StoryBuilder()
    for name, text in calls:
        if name in ("scene_break", "part"):
            getattr(builder, name)()
        else:
            getattr(builder, name)(text)
    return builder.build(title="T")


@given(_CALLS, st.integers(3, 8))
def test_the_spooled_text_is_the_text_and_the_rest_is_the_same(
    calls: list[tuple[str, str]], join_every: int
) -> None:
    # Joined every few blocks, so that chunks are handed out and blocks are dropped
    # (scene breaks before a heading or the end) right after a chunk.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(story_module, "_JOIN_EVERY", join_every)
        patch.setattr(story_module, "_SPOOL_EVERY", join_every)
        whole = _build(calls)
        pieces: list[str] = []
        with spooled_text(pieces.append):
            spooled = _build(calls)
    assert "".join(pieces) == whole.text
    assert spooled.text == ""
    assert dataclasses.replace(spooled, text=whole.text) == whole


def test_a_second_story_in_one_spool_is_refused() -> None:
    with spooled_text([].append):
        StoryBuilder().build(title="first")
        with pytest.raises(RuntimeError, match="second story"):
            StoryBuilder()


def test_a_scratch_builder_keeps_its_text_and_leaves_the_spool() -> None:
    """A fragment's paragraphs (an EPUB's summary, AO3's tag lists) are built before or
    while the story is: they are not the story, and do not take its spool."""
    pieces: list[str] = []
    with spooled_text(pieces.append) as spool:
        scratch = StoryBuilder(scratch=True)
        scratch.paragraph("a summary")
        assert scratch.build(title="S").text == "a summary"
        assert not spool.taken
        builder = StoryBuilder()
        builder.paragraph("the story")
        assert builder.build(title="T").text == ""
    assert spool.taken
    assert pieces == ["the story"]


def test_outside_the_block_builders_keep_their_text() -> None:
    pieces: list[str] = []
    with spooled_text(pieces.append):
        pass
    builder = StoryBuilder()
    builder.paragraph("kept")
    assert builder.build(title="T").text == "kept"
    assert pieces == []
