"""Pages as plain text: the engine's pipe-friendly face (``nightstand cat``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nightstand.layout.lines import LayoutSettings

if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterator

    from nightstand.story import Story

_DEFAULT = LayoutSettings()


def text_pages(
    story: Story,
    width: int,
    height: int,
    settings: LayoutSettings = _DEFAULT,
    *,
    reveal_spoilers: bool = False,
) -> Iterator[str]:
    """The story's pages as plain text, a title page first (spoiler headers masked)."""
    yield story.title
    yield story.text


def cat(args: argparse.Namespace) -> None:
    """``nightstand cat``: print the pages separated by form feeds."""
    from nightstand.formats import load

    story = load(args.path)
    for i, page in enumerate(text_pages(story, args.width or 80, args.height or 24)):
        print(("\f" if i else "") + page)
