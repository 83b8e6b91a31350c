"""The scenes of a story without chapters, named by their first words, for ``t``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nightstand.story import BlockKind, Chapter

if TYPE_CHECKING:
    from nightstand.story import Story

FIRST_WORDS = 6


def first_words(text: str, count: int = FIRST_WORDS) -> str:
    """The first ``count`` words of ``text``, with "…" when there were more."""
    words = text.split()
    shown = " ".join(words[:count])
    return f"{shown}…" if len(words) > count else shown


def scenes(story: Story) -> list[Chapter]:
    """One entry per scene: the first paragraph of the story and after each scene break."""
    out: list[Chapter] = []
    starting = True
    for i, block in enumerate(story.blocks):
        if block.kind is BlockKind.SCENE_BREAK:
            starting = True
        elif starting and block.kind is BlockKind.PARAGRAPH:
            words = first_words(story.block_text(block))
            if words:
                out.append(Chapter(words, block.start, i))
                starting = False
    return out
