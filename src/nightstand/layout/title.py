"""The title page: the story's title, author and headers, with spoiler values masked.

Headers are not part of ``Story.text``, so the title page stands before the first page and
covers no position (its ``start`` and ``end`` are 0).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len

from nightstand.layout.lines import Line, Segment
from nightstand.layout.pages import Page
from nightstand.layout.render import title_lines

if TYPE_CHECKING:
    from nightstand.layout.pages import Paginator

START_HINT = "Space or → to start reading"
SPOILER_HINT = "spoilers hidden — press s to reveal"


def title_page(paginator: Paginator, *, revealed: bool) -> Page:
    """The title page for the paginator's area, with a hint of what the keys do."""
    story = paginator.story
    width = paginator.column_width
    lines = list(title_lines(story, width, reveal_spoilers=revealed))
    hints = [START_HINT]
    if story.spoiler_keys and not revealed:
        hints.insert(0, SPOILER_HINT)
    room = paginator.lines_per_page - len(hints) - 1
    if room < len(lines):
        lines = lines[: max(room, 0)]
    lines.append(Line(()))
    for hint in hints:
        text = hint if cell_len(hint) <= width else hint[:width]
        lines.append(Line((Segment(text, "ornament"),), max(0, (width - cell_len(text)) // 2)))
    return Page(
        start=0,
        end=0,
        lines=tuple(lines[: paginator.lines_per_page]),
        chapter=-1,
        column_left=paginator.column_left,
        column_width=width,
    )
