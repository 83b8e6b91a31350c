"""``nightstand cat``'s side of the terminal: the page size it is given, and stdout."""

from __future__ import annotations

import io
import shutil
import sys
from typing import TYPE_CHECKING

from nightstand.errors import NightstandError
from nightstand.layout.lines import LayoutSettings
from nightstand.layout.render import text_pages

if TYPE_CHECKING:
    from typing import TextIO

    from nightstand.story import Story

_DEFAULT = LayoutSettings()

MIN_WIDTH = 20
"""The narrowest page ``nightstand cat`` typesets, in cells."""
MIN_HEIGHT = 5
"""The shortest page ``nightstand cat`` typesets, in lines."""
FALLBACK_SIZE = (80, 24)
"""The page size when stdout is not a terminal."""


def page_size(width: int | None, height: int | None) -> tuple[int, int]:
    """The page size for ``nightstand cat``: as given, else the terminal's, else 80×24.

    Raises :class:`NightstandError` for a page too small to typeset.
    """
    if width is None or height is None:
        size = shutil.get_terminal_size(FALLBACK_SIZE) if sys.stdout.isatty() else None
        width = width if width is not None else (size.columns if size else FALLBACK_SIZE[0])
        height = height if height is not None else (size.lines if size else FALLBACK_SIZE[1])
    if width < MIN_WIDTH:
        raise NightstandError(f"a page must be at least {MIN_WIDTH} cells wide (got {width})")
    if height < MIN_HEIGHT:
        raise NightstandError(f"a page must be at least {MIN_HEIGHT} lines tall (got {height})")
    return width, height


def write_pages(
    out: TextIO,
    story: Story,
    width: int,
    height: int,
    settings: LayoutSettings = _DEFAULT,
    *,
    reveal_spoilers: bool = False,
    show_warnings: bool = False,
) -> None:
    """Write :func:`text_pages` to ``out``, a form feed before every page but the first."""
    if isinstance(out, io.TextIOWrapper):
        # A terminal or pipe that cannot encode a character gets "?", not a traceback.
        out.reconfigure(errors="replace")
    pages = text_pages(
        story,
        width,
        height,
        settings,
        reveal_spoilers=reveal_spoilers,
        show_warnings=show_warnings,
    )
    for i, text in enumerate(pages):
        if i:
            out.write("\f")
        out.write(text + "\n")
    out.flush()
