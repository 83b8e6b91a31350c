"""The whole terminal as plain text, for Pilot tests that read what a reader would see."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from rich.console import Console

if TYPE_CHECKING:
    from textual.pilot import Pilot


def screen_text(pilot: Pilot[None]) -> str:
    """Everything on the terminal, unstyled (what a screenshot draws)."""
    app = pilot.app
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True)
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text().replace("\u00a0", " ")
