"""BookmarkNameScreen: a one-line prompt for an optional bookmark name (m)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Input

if TYPE_CHECKING:
    from textual.app import ComposeResult


class BookmarkNameScreen(ModalScreen[str | None]):
    """Dismisses with the name typed ("" for a numbered bookmark), or None on Esc."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def compose(self) -> ComposeResult:
        """The name input."""
        yield Input(placeholder="Bookmark name (Enter alone numbers it)", max_length=60)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Bookmark with this name."""
        self.dismiss(event.value.strip())
