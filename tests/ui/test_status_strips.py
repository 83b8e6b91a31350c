"""The status line drawn as strips looks as its rich Text would: cells and styles alike."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widget import Widget

from nightstand.ui.chrome import StatusLine
from nightstand.ui.too_small import MIN_COLUMNS

if TYPE_CHECKING:
    from textual.strip import Strip


class TextStatus(StatusLine):
    """The status line drawn the way Textual draws a widget's ``render()``."""

    render_line = Widget.render_line


class Both(App[None]):
    CSS = "StatusLine { height: 2; width: 1fr; padding: 0 1; background: $panel; }"

    def compose(self) -> ComposeResult:
        yield StatusLine(id="strips")
        yield TextStatus(id="text")


def drawn(strips: list[Strip]) -> list[list[tuple[str, str]]]:
    """What a terminal is sent: the text of each run and its style (colours, attributes)."""
    return [[(seg.text, str(seg.style)) for seg in strip] for strip in strips]


CASES = [
    (
        "page 2 of 9",
        ("chapter 1/3 · scene 1/2", "3 min left in chapter", "9 min left in book"),
        15.0,
    ),
    ("page 1 of 1", (), 0.0),
    ("page 40 of 40", ("“a search” 3/7",), 100.0),
    ("page …", (), 49.6),
]


@pytest.mark.parametrize("width", [100, 61, 24, MIN_COLUMNS])
async def test_strips_and_text_draw_the_same(width: int) -> None:
    app = Both()
    async with app.run_test(size=(width, 6)) as pilot:
        lines = app.query(StatusLine)
        assert len(lines) == 2
        for shown in (False, True):
            for place, details, percent in CASES:
                for line in lines:
                    line.place, line.details, line.percent = place, details, percent
                    line.shown = shown
                await pilot.pause()
                strips, text = (w.render_lines(Region(0, 0, w.outer_size.width, 2)) for w in lines)
                assert drawn(strips) == drawn(text), (place, width)
                if shown:
                    assert place[:4] in "".join(seg.text for seg in strips[0])
