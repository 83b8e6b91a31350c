"""The title pages: the story's title, author and headers, with spoiler values masked.

Headers are not part of ``Story.text``, so the title pages stand before the first page and
cover no position (their ``start`` and ``end`` are 0). Long headers (an AO3 summary, notes)
run on over as many title pages as they need; the last one ends with a hint of the keys.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from rich.cells import cell_len, set_cell_size

from nightstand.layout.lines import Line, Segment
from nightstand.layout.pages import Page
from nightstand.layout.render import title_lines

if TYPE_CHECKING:
    from nightstand.layout.pages import Paginator


def start_hint(keys: str) -> str:
    """The hint on the last title page; ``keys`` names the keys that turn the page."""
    return f"{keys} to start reading"


def spoiler_hint(key: str) -> str:
    """The hint that spoilers are hidden; ``key`` names the key that asks to reveal them."""
    return f"spoilers hidden — press {key} to reveal" if key else "spoilers hidden"


START_HINT = start_hint("Space or →")
SPOILER_HINT = spoiler_hint("s")

#: Title pages made for a paginator, by their options: a story with thousands of header
#: lines took 36 ms to set them again for each key pressed on a title page.
_MADE: WeakKeyDictionary[Paginator, dict[tuple[bool, bool, str, str], tuple[Page, ...]]] = (
    WeakKeyDictionary()
)


def _centred(text: str, width: int) -> Line:
    if cell_len(text) > width:
        text = set_cell_size(text, width)
    return Line((Segment(text, "ornament"),), max(0, (width - cell_len(text)) // 2))


def title_pages(
    paginator: Paginator,
    *,
    revealed: bool,
    warnings: bool = False,
    start_keys: str = "Space or →",
    reveal_key: str = "s",
) -> list[Page]:
    """The title pages for the paginator's area (at least one).

    The hints name ``start_keys`` and ``reveal_key``: the reader passes the keys as bound.
    With ``warnings``, content warnings are shown though the other spoilers are not.
    """
    made = _MADE.setdefault(paginator, {})
    options = (revealed, warnings, start_keys, reveal_key)
    if options not in made:
        made[options] = _title_pages(paginator, *options)
    return list(made[options])


def _title_pages(
    paginator: Paginator, revealed: bool, warnings: bool, start_keys: str, reveal_key: str
) -> tuple[Page, ...]:
    story = paginator.story
    width = paginator.column_width
    per_page = paginator.lines_per_page
    hints = [start_hint(start_keys)] if start_keys else []
    if story.spoiler_keys and not revealed:
        hints.insert(0, spoiler_hint(reveal_key))
    lines = list(title_lines(story, width, reveal_spoilers=revealed, show_warnings=warnings))
    lines.append(Line(()))
    lines.extend(_centred(hint, width) for hint in hints)
    chunks = [lines[i : i + per_page] for i in range(0, len(lines), per_page)] or [[]]
    return tuple(
        Page(
            start=0,
            end=0,
            lines=tuple(chunk),
            chapter=-1,
            column_left=paginator.column_left,
            column_width=width,
        )
        for chunk in chunks
    )
