"""TooSmall: "Window too small", centred, while the terminal cannot show a line of text.

The app puts it in front when the window shrinks below :data:`MIN_COLUMNS` ×
:data:`MIN_ROWS` (a header, a line of text, a status line and the footer) and takes it away
when the window grows again. While it is in front the reader's keys do nothing, so no
page is turned unseen; the app's own keys (Ctrl-C, Ctrl-Z) still work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Static

if TYPE_CHECKING:
    from textual import events
    from textual.app import ComposeResult

MIN_COLUMNS = 20
MIN_ROWS = 6


def too_small(width: int, height: int) -> bool:
    """Whether a ``width`` × ``height`` terminal is below the smallest usable size."""
    return width < MIN_COLUMNS or height < MIN_ROWS


class TooSmall(ModalScreen[None]):
    """Covers everything; swallows the keys of the screens behind it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Escape would otherwise dismiss nothing and fall through: keep it here.
        Binding("escape", "nothing", show=False),
    ]

    def compose(self) -> ComposeResult:
        """The one line."""
        yield Static(self.words(self.app.size.width), id="too-small", markup=False)

    @staticmethod
    def words(width: int) -> str:
        """The longest of the ways to say it that fits on one line of ``width`` cells."""
        for words in ("Window too small", "Too small", "Small"):
            if len(words) <= width:
                return words
        return "!"

    def on_resize(self, event: events.Resize) -> None:
        """Say it in fewer words when the window is narrower still."""
        self.query_one("#too-small", Static).update(self.words(event.size.width))

    def action_nothing(self) -> None:
        """Keys do nothing while the window is too small."""
