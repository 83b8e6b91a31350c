"""SyncPrompt: asks whether to go to the place another device has reached."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

if TYPE_CHECKING:
    from textual.app import ComposeResult


class SyncPrompt(ModalScreen[bool]):
    """ "<device> is at 54 % (chapter 12). Go there?"; dismisses with the answer."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Go there"),
        Binding("n,escape,q", "answer(False)", "Stay here"),
    ]

    AUTO_FOCUS = "#stay"
    """The choice that keeps the reader where they are has the focus."""

    DEFAULT_CSS = """
    SyncPrompt { align: center middle; }
    SyncPrompt > Vertical {
        width: 64; max-width: 90%; height: auto;
        border: thick $accent; background: $surface; padding: 1 2;
    }
    SyncPrompt #question { margin-bottom: 1; }
    SyncPrompt Horizontal { height: auto; align-horizontal: center; }
    SyncPrompt Button { margin: 0 1; }
    """

    def __init__(self, question: str) -> None:
        super().__init__()
        self._question = question

    def compose(self) -> ComposeResult:
        """The question (plain text: the device name came from a server) and two buttons."""
        with Vertical():
            yield Static(Text(f"{self._question}  y/n", style="bold"), id="question")
            with Horizontal():
                yield Button("Go there (y)", id="go", variant="primary")
                yield Button("Stay here (n)", id="stay")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Answer with the button."""
        self.dismiss(event.button.id == "go")

    def action_answer(self, go: bool) -> None:
        """Answer from the keyboard."""
        self.dismiss(go)
